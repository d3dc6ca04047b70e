/**
 * EIP-1559 encoding against ethers.js' transaction test cases (vectors/ethereum/ethers_transactions_trimmed.json,
 * the `London` = type-2 columns): the strict decoder parses every `unsignedLondon` it should and refuses
 * the shapes Airlock denies (contract creation, access lists); keccak256(unsignedLondon) is the digest
 * ethers signed; assembling with `signatureLondon` reproduces `signedLondon` byte for byte, through the
 * codec and, for native transfers, through the adapter; the verifier recovers the key's address.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { readVector } from '../../../test-support/paths.js';
import type { AdapterContext } from '../adapter.js';
import { ethereumAdapter } from './adapter.js';
import { addressOfPublicKey, toChecksumAddress } from './address.js';
import { assertRefused } from './fixtures.js';
import { fromHex, toHex } from './hex.js';
import { decodeUnsignedType2, encodeSignedType2 } from './type2.js';
import { type2SigningDigest, verifySignedType2 } from './verify.js';

interface EthersCase {
  readonly name: string;
  readonly transaction: {
    readonly to?: string;
    readonly nonce?: number;
    readonly gasLimit?: string;
    readonly maxFeePerGas?: string;
    readonly maxPriorityFeePerGas?: string;
    readonly data?: string;
    readonly value?: string;
    readonly accessList?: readonly unknown[];
    readonly chainId?: string;
  };
  readonly privateKey: string;
  readonly unsignedLondon: string;
  readonly signedLondon: string;
  readonly signatureLondon: { readonly r: string; readonly s: string; readonly v: string };
}

const cases = readVector<EthersCase[]>('ethereum/ethers_transactions_trimmed.json');
const big = (hex: string | number | undefined): bigint => (hex === undefined ? 0n : BigInt(hex));
const hasAccessList = (c: EthersCase) => (c.transaction.accessList?.length ?? 0) > 0;
const accepted = cases.filter((c) => c.transaction.to !== undefined && !hasAccessList(c));

test('ethers London vectors: 200 cases, 96 without `to`, 44 the strict decoder must accept', () => {
  assert.equal(cases.length, 200);
  assert.equal(cases.filter((c) => c.transaction.to === undefined).length, 96);
  assert.equal(accepted.length, 44);
});

test('ethers London: contract creations are refused on `to`, access lists on `accessList`, unsigned and signed', () => {
  for (const c of cases) {
    const field = c.transaction.to === undefined ? 'to' : hasAccessList(c) ? 'accessList' : undefined;
    if (field === undefined) continue;
    assertRefused(() => decodeUnsignedType2(fromHex(c.unsignedLondon)), 'UNSUPPORTED_TX_TYPE', field);
    assertRefused(() => verifySignedType2(c.signedLondon), 'UNSUPPORTED_TX_TYPE', field);
  }
});

test('ethers London: every other unsignedLondon decodes to the case transaction', () => {
  for (const c of accepted) {
    const t = c.transaction;
    const tx = decodeUnsignedType2(fromHex(c.unsignedLondon));
    assert.equal(tx.chainId, big(t.chainId), c.name);
    assert.equal(tx.nonce, big(t.nonce), c.name);
    assert.equal(tx.maxPriorityFeePerGas, big(t.maxPriorityFeePerGas), c.name);
    assert.equal(tx.maxFeePerGas, big(t.maxFeePerGas), c.name);
    assert.equal(tx.gasLimit, big(t.gasLimit), c.name);
    assert.equal(tx.to, t.to!.toLowerCase(), c.name);
    assert.equal(tx.value, big(t.value), c.name);
    assert.equal(`0x${toHex(tx.data)}`, t.data ?? '0x', c.name);
  }
});

test('ethers London: keccak256(unsignedLondon) is the digest, and signing it reproduces signatureLondon', () => {
  for (const c of accepted) {
    const digest = type2SigningDigest(decodeUnsignedType2(fromHex(c.unsignedLondon)));
    assert.deepEqual(digest, keccak_256(fromHex(c.unsignedLondon)), c.name);
    const sig = secp256k1.Signature.fromBytes(
      secp256k1.sign(digest, fromHex(c.privateKey), { prehash: false, format: 'recovered' }),
      'recovered',
    );
    assert.equal(sig.r, BigInt(c.signatureLondon.r), c.name);
    assert.equal(sig.s, BigInt(c.signatureLondon.s), c.name);
    assert.equal(BigInt(sig.recovery!), BigInt(c.signatureLondon.v), c.name);
  }
});

test('ethers London: assembling with signatureLondon reproduces signedLondon byte for byte and verifies', () => {
  for (const c of accepted) {
    const tx = decodeUnsignedType2(fromHex(c.unsignedLondon));
    const { r, s, v } = c.signatureLondon;
    const yParity = BigInt(v) === 0n ? 0 : 1;
    const signed = encodeSignedType2({ ...tx, yParity, r: BigInt(r), s: BigInt(s) });
    assert.equal(`0x${toHex(signed)}`, c.signedLondon, c.name);
    const verified = verifySignedType2(c.signedLondon);
    const address = addressOfPublicKey(secp256k1.getPublicKey(fromHex(c.privateKey), false));
    assert.equal(verified.from, toChecksumAddress(address), c.name);
    assert.equal(verified.hash, toHex(keccak_256(signed)), c.name);
  }
});

test('ethers London: the adapter decodes the native transfers and assembles signedLondon from signatureLondon', () => {
  const native = accepted.filter(
    (c) => (c.transaction.data ?? '0x') === '0x' && big(c.transaction.value) > 0n,
  );
  assert.equal(native.length, 8);
  for (const c of native) {
    const publicKey = secp256k1.getPublicKey(fromHex(c.privateKey), true);
    const ctx: AdapterContext = {
      network: 'mainnet',
      keys: new Map([['k', { label: 'k', curve: 'secp256k1', publicKey }]]),
      ethereum: {
        chainId: big(c.transaction.chainId),
        tokens: new Map(),
        maxGasLimit: (1n << 64n) - 1n,
        maxFeePerGas: (1n << 256n) - 1n,
      },
    };
    const decoded = ethereumAdapter.decode(
      { withdrawalId: c.name, rawTx: c.unsignedLondon, keyLabel: 'k' },
      ctx,
    );
    assert.equal(decoded.view.destination, toChecksumAddress(c.transaction.to!.toLowerCase()), c.name);
    assert.equal(decoded.view.amount, big(c.transaction.value), c.name);
    const { r, s, v } = c.signatureLondon;
    const rs = fromHex(
      `${BigInt(r).toString(16).padStart(64, '0')}${BigInt(s).toString(16).padStart(64, '0')}`,
    );
    const signed = ethereumAdapter.assemble(decoded, [
      {
        scheme: 'ecdsa-secp256k1',
        r: BigInt(r),
        s: BigInt(s),
        recovery: BigInt(v) === 0n ? 0 : 1,
        compact: rs,
      },
    ]);
    assert.equal(signed.format, 'raw');
    if (signed.format !== 'raw') continue;
    assert.equal(`0x${signed.hex}`, c.signedLondon, c.name);
    assert.equal(signed.txid, toHex(keccak_256(fromHex(c.signedLondon))), c.name);
  }
});
