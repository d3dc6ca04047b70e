/**
 * The signature envelope shared by batches and results, and the digest rule it covers.
 *
 * Rule: digest = SHA-256 of the RFC 8785 (JCS) bytes of the document object WITHOUT its `signature`
 * member; the signer signs those 32 bytes with Ed25519 (RFC 8032, pure Ed25519, no prehash, no context).
 * The `format` member ("airlock.batch/v1", "airlock.result/v1") is inside the signed object, so a batch
 * signature can never be replayed as a result signature or the other way round.
 *
 * Verification is RFC 8032 strict (`zip215: false`): non-canonical encodings of R, S or the public key
 * are refused rather than accepted, so one message has one valid signature encoding per key.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { digestOf } from './canonical.js';
import { type Codec, hexBytesCodec, Members, oneOf } from './fields.js';

export interface SignatureWire {
  readonly alg: 'ed25519';
  /** 128 lower-case hex digits: R || S. */
  readonly value: string;
}

export interface Signature {
  readonly alg: 'ed25519';
  /** 64 bytes: R || S. */
  readonly value: Uint8Array;
}

const algCodec = oneOf(['ed25519'] as const);
const valueCodec = hexBytesCodec('an Ed25519 signature', 64);

export const signatureCodec: Codec<SignatureWire, Signature> = {
  expected: '{ "alg": "ed25519", "value": 128 lower-case hex digits }',
  decode(wire, at) {
    const m = Members.read(wire, at, 'a signature object', ['alg', 'value']);
    return { alg: m.required('alg', algCodec), value: m.required('value', valueCodec) };
  },
  encode: (sig) => ({ alg: sig.alg, value: valueCodec.encode(sig.value) }),
};

/** The 32-byte digest a document's signature covers: JCS of the object without `signature`. */
export function unsignedDigest(document: object): Uint8Array {
  const { signature: _ignored, ...body } = document as Record<string, unknown>;
  return digestOf(body);
}

/** Return a new document: `body` plus `signature: { alg: "ed25519", value: hex }`. */
export function attachSignature<B extends { readonly format: string }>(
  body: B,
  signature: Uint8Array,
): B & { readonly signature: SignatureWire } {
  if (Object.hasOwn(body, 'signature')) throw new TypeError('"body" is already signed');
  if (!(signature instanceof Uint8Array) || signature.length !== 64) {
    throw new RangeError(
      `"signature" expected 64 bytes (Ed25519 R || S), got ${signature instanceof Uint8Array ? `${signature.length} bytes` : typeof signature}`,
    );
  }
  return Object.freeze({
    ...body,
    signature: Object.freeze({ alg: 'ed25519' as const, value: bytesToHex(signature) }),
  });
}

/** Strict Ed25519 verification of `signature` over `digest`. False for any failure, never throws on bad bytes. */
export function verifyEd25519(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return ed25519.verify(signature, digest, publicKey, { zip215: false });
  } catch {
    return false;
  }
}
