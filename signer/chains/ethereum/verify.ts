/**
 * Verification of a signed EIP-1559 transaction, for the online side (checking what the appliance
 * returned) and for `assemble`'s own self-check.
 *
 * The transaction is decoded strictly (type2.ts), then its signature values are checked as the
 * clients do: 1 <= r < n, 1 <= s <= n/2 (EIP-2 low-S; high-S is malleable and refused), yParity 0 or 1;
 * the sender is recovered from keccak256(0x02 || rlp([9 fields])). The transaction hash is
 * keccak256 of the signed bytes (EIP-2718).
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { type RefusalDetails, refuse } from '../../errors.js';
import { addressOfPublicKey, toChecksumAddress } from './address.js';
import { hexToBytesStrict, toHex } from './hex.js';
import { decodeSignedType2, encodeUnsignedType2, type SignedType2Tx, type Type2Tx } from './type2.js';

export const SECP256K1_N: bigint = secp256k1.Point.Fn.ORDER;
export const SECP256K1_HALF_N: bigint = SECP256K1_N >> 1n;

/** A signed type-2 transaction whose signature checked out. */
export interface VerifiedType2 extends SignedType2Tx {
  /** The recovered sender, EIP-55 checksummed. */
  readonly from: string;
  /** keccak256 of the signed bytes: 64 lower-case hex digits, no `0x`. */
  readonly hash: string;
}

/** keccak256(0x02 || rlp([9 fields])), the digest a type-2 signature signs. */
export function type2SigningDigest(tx: Type2Tx): Uint8Array {
  return keccak_256(encodeUnsignedType2(tx));
}

/**
 * Check r, s and yParity ranges and recover the signer's lower-case `0x` address from `digest`.
 * Throws RefusalError `SIGNATURE_VERIFY_FAILED`.
 */
export function recoverSigner(
  digest: Uint8Array,
  sig: { readonly r: bigint; readonly s: bigint; readonly yParity: number },
  details: RefusalDetails,
): string {
  if (sig.r < 1n || sig.r >= SECP256K1_N) {
    refuse('SIGNATURE_VERIFY_FAILED', 'signature r is out of range', {
      ...details,
      field: 'r',
      expected: '1 <= r < n (secp256k1 group order)',
      found: `0x${sig.r.toString(16)}`,
    });
  }
  if (sig.s < 1n || sig.s > SECP256K1_HALF_N) {
    const high = sig.s > SECP256K1_HALF_N && sig.s < SECP256K1_N;
    refuse(
      'SIGNATURE_VERIFY_FAILED',
      high ? 'signature s is high (malleable, refused by EIP-2)' : 'signature s is out of range',
      {
        ...details,
        field: 's',
        expected: '1 <= s <= n/2 (low-S, EIP-2)',
        found: `0x${sig.s.toString(16)}`,
      },
    );
  }
  if (sig.yParity !== 0 && sig.yParity !== 1) {
    refuse('SIGNATURE_VERIFY_FAILED', 'signature yParity is neither 0 nor 1', {
      ...details,
      field: 'yParity',
      expected: '0 or 1',
      found: `${sig.yParity}`,
    });
  }
  let publicKey: Uint8Array;
  try {
    publicKey = new secp256k1.Signature(sig.r, sig.s, sig.yParity).recoverPublicKey(digest).toBytes(false);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    refuse('SIGNATURE_VERIFY_FAILED', `no public key recovers from the signature (${why})`, {
      ...details,
      field: 'r',
      expected: 'r the x coordinate of a curve point',
      found: `0x${sig.r.toString(16)}`,
    });
  }
  return addressOfPublicKey(publicKey);
}

/**
 * Decode a signed type-2 transaction (hex, `0x` optional), check its signature and recover its
 * sender. Throws RefusalError: `MALFORMED_TX`, `UNSUPPORTED_TX_TYPE`, `SIGNATURE_VERIFY_FAILED`.
 */
export function verifySignedType2(hex: string, withdrawalId?: string): VerifiedType2 {
  const details: RefusalDetails = withdrawalId === undefined ? {} : { withdrawalId };
  const raw = hexToBytesStrict(hex, { ...details, field: 'signedTx' });
  const tx = decodeSignedType2(raw, withdrawalId);
  const from = recoverSigner(type2SigningDigest(tx), tx, details);
  return { ...tx, from: toChecksumAddress(from), hash: toHex(keccak_256(raw)) };
}
