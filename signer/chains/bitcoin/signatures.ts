/**
 * Signature encodings and checks for the witness: ECDSA as strict DER plus a sighash byte
 * (BIP-66, low-S as BIP-146 / Bitcoin Core policy require), BIP-340 Schnorr as 64 bytes (plus the
 * sighash byte when it is not SIGHASH_DEFAULT, BIP-341).
 *
 * Invariants: verification never throws (malformed input is `false`); ECDSA verification takes the
 * 32-byte digest as is (`prehash: false`) and rejects high-S; a parsed DER signature must re-encode
 * to the same bytes, so no alternative encoding of a signature is accepted.
 */
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { verifySecp256k1LowS } from '../../../hsm/ecdsa.js';
import { equalBytes } from './encoding.js';

/** DER || sighash byte, from a 64-byte compact r||s. Throws RangeError on high-S or a bad encoding. */
export function ecdsaWitnessSignature(compact: Uint8Array, hashType: number): Uint8Array {
  if (compact.length !== 64) throw new RangeError(`"compact" expected 64 bytes, got ${compact.length}`);
  const sig = secp256k1.Signature.fromBytes(compact, 'compact');
  if (sig.hasHighS()) throw new RangeError('"compact" has a high S value (BIP-146 requires low S)');
  return concatBytes(sig.toBytes('der'), Uint8Array.of(hashType));
}

/** Splits DER || sighash byte into the compact form; undefined unless strict DER with low S. */
export function parseEcdsaWitnessSignature(
  bytes: Uint8Array,
): { readonly compact: Uint8Array; readonly hashType: number } | undefined {
  if (bytes.length < 9 || bytes.length > 73) return undefined;
  const der = bytes.subarray(0, bytes.length - 1);
  try {
    const sig = secp256k1.Signature.fromBytes(der, 'der');
    if (sig.hasHighS() || !equalBytes(sig.toBytes('der'), der)) return undefined;
    return { compact: sig.toBytes('compact'), hashType: bytes[bytes.length - 1]! };
  } catch {
    return undefined;
  }
}

/** Low-S ECDSA verification over a 32-byte digest (hsm/ecdsa.ts: noble point arithmetic, cached key tables). */
export function verifyEcdsa(compact: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): boolean {
  return verifySecp256k1LowS(compact, digest, publicKey) !== undefined;
}

/** BIP-340 verification against an x-only key. */
export function verifySchnorr(signature: Uint8Array, digest: Uint8Array, xOnlyKey: Uint8Array): boolean {
  try {
    return signature.length === 64 && schnorr.verify(signature, digest, xOnlyKey);
  } catch {
    return false;
  }
}

/** The taproot key-path witness signature: 64 bytes for SIGHASH_DEFAULT, else 64 bytes || type. */
export function schnorrWitnessSignature(signature: Uint8Array, hashType: number): Uint8Array {
  if (signature.length !== 64) throw new RangeError(`"signature" expected 64 bytes, got ${signature.length}`);
  return hashType === 0 ? Uint8Array.from(signature) : concatBytes(signature, Uint8Array.of(hashType));
}
