/**
 * Test-only fixtures for the Bitcoin adapter tests: fixed private keys, an adapter context, and a
 * stand-in for the HSM that signs signing requests with @noble/curves (RFC 6979, low-S; BIP-340
 * with the BIP-86-tweaked key). Never imported by adapter code: the adapter never sees a private key.
 */
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { taprootTweakPrivKey } from '@scure/btc-signer/utils.js';
import type {
  AdapterContext,
  Decoded,
  EcdsaSignature,
  EnrolledKey,
  Network,
  ProducedSignature,
  SigningRequest,
} from '../adapter.js';

function key(byte: number): Uint8Array {
  return new Uint8Array(32).fill(byte);
}

/** Fixed test private keys by label. */
export const PRIVATE_KEYS: ReadonlyMap<string, Uint8Array> = new Map([
  ['hot-1', key(0x11)],
  ['cosigner-a', key(0x22)],
  ['cosigner-b', key(0x33)],
  ['stranger', key(0x44)],
  ['treasury-2', key(0x55)],
]);

export function privateKey(label: string): Uint8Array {
  const k = PRIVATE_KEYS.get(label);
  if (k === undefined) throw new Error(`no test key ${label}`);
  return k;
}

export function publicKey(label: string): Uint8Array {
  return secp256k1.getPublicKey(privateKey(label), true);
}

/** Enrolled on the test appliance: hot-1 (the signer) and treasury-2, plus an ed25519 key. Not the cosigners. */
export function testContext(network: Network = 'testnet'): AdapterContext {
  const keys = new Map<string, EnrolledKey>();
  for (const label of ['hot-1', 'treasury-2'])
    keys.set(label, { label, curve: 'secp256k1', publicKey: publicKey(label) });
  keys.set('ed-1', { label: 'ed-1', curve: 'ed25519', publicKey: new Uint8Array(32).fill(7) });
  return {
    network,
    keys,
    ethereum: { chainId: 1n, tokens: new Map(), maxGasLimit: 0n, maxFeePerGas: 0n },
  };
}

/** An ECDSA signature as the HSM layer hands it over (verified, low-S, with recovery id). */
export function ecdsaSign(digest: Uint8Array, priv: Uint8Array): EcdsaSignature {
  const recovered = secp256k1.sign(digest, priv, { prehash: false, lowS: true, format: 'recovered' });
  const sig = secp256k1.Signature.fromBytes(recovered, 'recovered');
  return {
    scheme: 'ecdsa-secp256k1',
    r: sig.r,
    s: sig.s,
    recovery: sig.recovery === 1 ? 1 : 0,
    compact: sig.toBytes('compact'),
  };
}

/** BIP-340 signature by the BIP-86 output key of `priv` (what a vendor mechanism would produce). */
export function taprootSign(digest: Uint8Array, priv: Uint8Array): Uint8Array {
  return schnorr.sign(digest, taprootTweakPrivKey(priv, new Uint8Array(0)), new Uint8Array(32));
}

/** Signs every request of a decoded withdrawal with the test key of its label. */
export function signAll(decoded: Decoded<unknown>, label = 'hot-1'): ProducedSignature[] {
  return decoded.signing.map((r: SigningRequest) => {
    if (r.keyLabel !== label) throw new Error(`request for ${r.keyLabel}, expected ${label}`);
    if (r.scheme === 'ecdsa-secp256k1') return ecdsaSign(r.digest, privateKey(label));
    return { scheme: 'bip340-secp256k1', bytes: taprootSign(r.digest, privateKey(label)) };
  });
}

/** Fixed previous txids for test UTXOs (asymmetric bytes, so a byte-order slip shows). */
export function fakeTxid(n: number): string {
  return Array.from({ length: 32 }, (_, i) => ((n * 37 + i * 11) & 0xff).toString(16).padStart(2, '0')).join(
    '',
  );
}
