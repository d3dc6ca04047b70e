/**
 * Signing with a token key. What leaves here is normalised and verified:
 *  - secp256k1: CKM_ECDSA over a 32-byte digest → low-S `r || s` + recovery id, checked against the
 *    key's public half (hsm/ecdsa.ts);
 *  - Ed25519: CKM_EDDSA over the message → 64 bytes, checked with @noble/curves.
 */
import pkcs11js from 'pkcs11js';
import { CKM_EDDSA } from './constants.js';
import { checkEd25519, normalizeSecp256k1 } from './ecdsa.js';
import { RecoveryIdOverflowError } from './errors.js';
import type { TokenKey } from './keys.js';
import type { Session } from './session.js';
import type { EcdsaSignature } from './types.js';
import type { VerifierPool, VerifyJob } from './verify-pool.js';

/** Room for any signature these mechanisms return (64 bytes; DER-returning modules need up to 72). */
const SIGNATURE_BUFFER = 80;

/** Raw C_SignInit + C_Sign as one exclusive operation on the session. */
export function signRaw(session: Session, key: TokenKey, mechanism: number, data: Uint8Array): Buffer {
  return session.run('C_Sign', (raw, h) => {
    raw.C_SignInit(h, { mechanism }, key.privateHandle);
    return raw.C_Sign(
      h,
      Buffer.from(data.buffer, data.byteOffset, data.byteLength),
      Buffer.alloc(SIGNATURE_BUFFER),
    );
  });
}

/** ECDSA-sign a 32-byte digest: low-S, with recovery id, verified. */
export function signDigest(session: Session, key: TokenKey, digest: Uint8Array): EcdsaSignature {
  if (key.curve !== 'secp256k1')
    throw new TypeError(`key "${key.label}" is ${key.curve}; signDigest needs secp256k1`);
  if (digest.length !== 32) throw new RangeError(`"digest" expected 32 bytes, got ${digest.length}`);
  for (let attempt = 0; ; attempt++) {
    const raw = signRaw(session, key, pkcs11js.CKM_ECDSA, digest);
    try {
      return normalizeSecp256k1(raw, digest, key.publicKey);
    } catch (err) {
      // A fresh random k gives another R; anything else is a real failure.
      if (!(err instanceof RecoveryIdOverflowError) || attempt >= 2) throw err;
    }
  }
}

/** Ed25519-sign a message (pure EdDSA), verified. */
export function signEd25519(session: Session, key: TokenKey, message: Uint8Array): Uint8Array {
  if (key.curve !== 'ed25519')
    throw new TypeError(`key "${key.label}" is ${key.curve}; signEd25519 needs ed25519`);
  const sig = signRaw(session, key, CKM_EDDSA, message);
  return checkEd25519(Uint8Array.from(sig), message, key.publicKey);
}

/** Signatures handed to the verifier pool at a time. */
const CHUNK = 32;

/**
 * ECDSA-sign many digests with one key: the token signs on this thread while the verifier pool
 * normalises and verifies the previous chunk. Resolves only when every signature verified, in the
 * order of `digests`; rejects (SignatureCheckError) if any did not, and then returns nothing.
 */
export async function signDigests(
  session: Session,
  key: TokenKey,
  digests: readonly Uint8Array[],
  pool: VerifierPool,
): Promise<EcdsaSignature[]> {
  if (key.curve !== 'secp256k1')
    throw new TypeError(`key "${key.label}" is ${key.curve}; signDigests needs secp256k1`);
  for (const [i, d] of digests.entries()) {
    if (d.length !== 32) throw new RangeError(`"digests[${i}]" expected 32 bytes, got ${d.length}`);
  }
  const chunks: Promise<EcdsaSignature[]>[] = [];
  for (let start = 0; start < digests.length; start += CHUNK) {
    const jobs: VerifyJob[] = [];
    for (const digest of digests.slice(start, start + CHUNK)) {
      jobs.push({
        raw: Uint8Array.from(signRaw(session, key, pkcs11js.CKM_ECDSA, digest)),
        digest,
        publicKey: key.publicKey,
      });
    }
    const chunk = pool.verify(jobs);
    chunk.catch(() => {}); // observed below; avoids an unhandled rejection while later chunks sign
    chunks.push(chunk);
    // Let finished chunks come back so idle workers get the next ones.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  pool.drainHere();
  return (await Promise.all(chunks)).flat();
}
