/**
 * Normalisation and verification of what a token's CKM_ECDSA / CKM_EDDSA returns.
 *
 * PKCS#11 CKM_ECDSA (v2.40 §2.3.6) yields raw `r || s` with either half of `s` and no recovery id.
 * Bitcoin (BIP-62/BIP-146 LOW_S) and Ethereum (EIP-2) require `s <= n/2`, and Ethereum needs the
 * recovery id (yParity). Both are derived here with @noble/curves; nothing leaves this module
 * unless it verifies against the key's public half. Pure: no PKCS#11, no I/O.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { RecoveryIdOverflowError, SignatureCheckError } from './errors.js';
import type { EcdsaSignature } from './types.js';

const N = secp256k1.Point.Fn.ORDER;
const HALF_N = N >> 1n;
const Fn = secp256k1.Point.Fn;

/** Public keys seen often get a precomputed multiplication table (costly once, ~4x faster after). */
const PRECOMPUTED = new Map<string, InstanceType<typeof secp256k1.Point>>();
const PRECOMPUTE_AFTER_USES = 8;
const PRECOMPUTED_MAX = 32;
const uses = new Map<string, number>();

function pointOf(publicKey: Uint8Array): InstanceType<typeof secp256k1.Point> {
  const hex = Buffer.from(publicKey).toString('hex');
  const cached = PRECOMPUTED.get(hex);
  if (cached) return cached;
  const point = secp256k1.Point.fromBytes(publicKey);
  const count = (uses.get(hex) ?? 0) + 1;
  if (count >= PRECOMPUTE_AFTER_USES && PRECOMPUTED.size < PRECOMPUTED_MAX) {
    point.precompute(6, false);
    PRECOMPUTED.set(hex, point);
    uses.delete(hex);
  } else if (uses.size < 1024) {
    uses.set(hex, count);
  }
  return point;
}

/** One raw token signature to normalise and verify. */
export interface RawEcdsaJob {
  readonly raw: Uint8Array;
  readonly digest: Uint8Array;
  readonly publicKey: Uint8Array;
}

/**
 * Low-S normalise a raw 64-byte `r || s` signature over a 32-byte digest, derive its recovery id
 * and verify it against `publicKey` (33-byte compressed or 65-byte uncompressed). Throws
 * SignatureCheckError when the token's output is not a valid signature by that key.
 *
 * Verification is the SEC 1 §4.1.4 equation computed once with noble's point arithmetic:
 * R = (e/s)·G + (r/s)·Q must be a finite point with x(R) = r; with low-S, the parity of y(R) is the
 * recovery id (EIP-155 yParity). x(R) ≥ n (recovery ids 2/3, probability ~2^-128) is refused, as
 * Ethereum cannot express it. Proven against Wycheproof and noble's own verify/recover in tests.
 */
export function normalizeSecp256k1(
  raw: Uint8Array,
  digest: Uint8Array,
  publicKey: Uint8Array,
): EcdsaSignature {
  return normalizeSecp256k1Batch([{ raw, digest, publicKey }])[0]!;
}

/** What the first, per-signature pass of a batch found: a failure, or the values to verify. */
type Prepared =
  | { readonly error: Error }
  | { readonly r: bigint; readonly s: bigint; readonly e: bigint; readonly Q: SecpPoint };

/**
 * `normalizeSecp256k1` of many signatures: the same checks, the same signatures, and the same
 * error as `jobs.map(normalizeSecp256k1)` would throw (the one of the first job in order that
 * fails), with the two field inversions of each signature (1/s mod n and the Z of R) done as one
 * batch inversion each (Montgomery's trick, noble's `invertBatch`). `remember: false` skips the
 * memo (a verifier-pool worker: its caller records what comes back).
 */
export function normalizeSecp256k1Batch(
  jobs: readonly RawEcdsaJob[],
  options: { readonly remember?: boolean } = {},
): EcdsaSignature[] {
  const prepared: Prepared[] = jobs.map(prepare);
  // 1/s for every signature that passed the range checks, in one inversion.
  const live = prepared.flatMap((p, i) => ('error' in p ? [] : [i]));
  const sInv = Fn.invertBatch(live.map((i) => (prepared[i] as { s: bigint }).s));
  const points = new Map<number, SecpPoint>();
  live.forEach((i, k) => {
    const p = prepared[i] as Exclude<Prepared, { error: Error }>;
    const inv = sInv[k]!;
    const R = secp256k1.Point.BASE.multiplyUnsafe(Fn.mul(p.e, inv)).add(p.Q.multiplyUnsafe(Fn.mul(p.r, inv)));
    if (!R.is0()) points.set(i, R);
  });
  // Affine x(R), y(R) for every finite R, with one inversion of all the Z coordinates.
  const finite = [...points.keys()];
  const zInv = Fp.invertBatch(finite.map((i) => points.get(i)!.Z));
  const affine = new Map<number, { x: bigint; y: bigint }>();
  finite.forEach((i, k) => {
    // toAffine checks Z · Z⁻¹ = 1, so a wrong batch inverse could not pass unnoticed.
    affine.set(i, points.get(i)!.toAffine(zInv[k]));
  });
  const remember = options.remember ?? true;
  return prepared.map((p, i) => {
    if ('error' in p) throw p.error;
    const sig = finish(p.r, p.s, affine.get(i));
    const job = jobs[i]!;
    if (remember) rememberVerified(sig, job.digest, job.publicKey);
    return sig;
  });
}

type SecpPoint = InstanceType<typeof secp256k1.Point>;
const Fp = secp256k1.Point.Fp;

/** The checks before any curve arithmetic, in the order `normalizeSecp256k1` has always made them. */
function prepare(job: RawEcdsaJob): Prepared {
  const { raw, digest, publicKey } = job;
  if (digest.length !== 32)
    return { error: new RangeError(`"digest" expected 32 bytes, got ${digest.length}`) };
  if (raw.length !== 64) {
    return {
      error: new SignatureCheckError(
        `token returned a ${raw.length}-byte ECDSA signature, expected 64 (r || s)`,
      ),
    };
  }
  const r = bytesToBigInt(raw.subarray(0, 32));
  const highS = bytesToBigInt(raw.subarray(32, 64));
  if (r <= 0n || r >= N || highS <= 0n || highS >= N) {
    return {
      error: new SignatureCheckError(
        'token returned an ECDSA signature with r or s out of range; nothing exported',
      ),
    };
  }
  const s = highS > HALF_N ? N - highS : highS;
  let Q: SecpPoint;
  try {
    Q = pointOf(publicKey);
  } catch {
    return {
      error: new SignatureCheckError("the key's public half is not a secp256k1 point; nothing exported"),
    };
  }
  // bits2int then mod n (SEC 1 §4.1.4 step 5): a 32-byte digest is already 256 bits.
  return { r, s, e: Fn.create(bytesToBigInt(digest)), Q };
}

/** x(R) = r or a refusal; the recovery id from y(R); the normalised signature. */
function finish(r: bigint, s: bigint, R: { x: bigint; y: bigint } | undefined): EcdsaSignature {
  if (!R)
    throw new SignatureCheckError(
      'the token returned an ECDSA signature that does not verify; nothing exported',
    );
  const { x, y } = R;
  if (x !== r) {
    if (x % N === r) {
      throw new RecoveryIdOverflowError(
        'the signature needs recovery id 2 or 3 (x(R) >= n), which Ethereum cannot express; sign again',
      );
    }
    throw new SignatureCheckError(
      'the token returned an ECDSA signature that does not verify against the key; nothing exported',
    );
  }
  const recovery = (y & 1n) === 1n ? 1 : 0;
  const compact = new Uint8Array(64);
  compact.set(bigIntToBytes32(r), 0);
  compact.set(bigIntToBytes32(s), 32);
  return { scheme: 'ecdsa-secp256k1', r, s, recovery, compact };
}

/** R = (e/s)·G + (r/s)·Q in affine form, or undefined at infinity. r, s in [1, n). */
function verificationPoint(
  r: bigint,
  s: bigint,
  digest: Uint8Array,
  Q: SecpPoint,
): { x: bigint; y: bigint } | undefined {
  // bits2int then mod n (SEC 1 §4.1.4 step 5): a 32-byte digest is already 256 bits.
  const e = Fn.create(bytesToBigInt(digest));
  const sInv = Fn.inv(s);
  const R = secp256k1.Point.BASE.multiplyUnsafe(Fn.mul(e, sInv)).add(Q.multiplyUnsafe(Fn.mul(r, sInv)));
  return R.is0() ? undefined : R.toAffine();
}

/**
 * Signatures this process already verified (normalised here, or by a verifier-pool worker running
 * this same code), keyed by signature, digest and key: a memo of a pure function, so assembling a
 * transaction does not repeat the curve arithmetic for a signature checked a moment before.
 */
const VERIFIED = new Map<string, 0 | 1>();
const VERIFIED_MAX = 20_000;

/** The lengths, then the three byte strings one char per byte (latin1): injective, half the size of hex. */
function memoKey(compact: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): string {
  const bytes = Buffer.concat([compact, digest, publicKey]).toString('latin1');
  return `${compact.length}:${digest.length}:${publicKey.length}:${bytes}`;
}

/** Record a signature that `normalizeSecp256k1` accepted (also for results coming back from workers). */
export function rememberVerified(sig: EcdsaSignature, digest: Uint8Array, publicKey: Uint8Array): void {
  rememberVerifiedBytes(sig.compact, digest, publicKey, sig.recovery);
}

/**
 * The same, by bytes: for a thread of this process handing on entries of another thread's memo
 * (`verifiedRecovery` there), never for signatures nobody here verified.
 */
export function rememberVerifiedBytes(
  compact: Uint8Array,
  digest: Uint8Array,
  publicKey: Uint8Array,
  recovery: 0 | 1,
): void {
  if (VERIFIED.size >= VERIFIED_MAX) VERIFIED.clear();
  VERIFIED.set(memoKey(compact, digest, publicKey), recovery);
}

/** The recovery id this thread's memo holds for exactly these bytes, if `normalizeSecp256k1` verified them. */
export function verifiedRecovery(
  compact: Uint8Array,
  digest: Uint8Array,
  publicKey: Uint8Array,
): 0 | 1 | undefined {
  return VERIFIED.get(memoKey(compact, digest, publicKey));
}

/**
 * Verify a compact low-S ECDSA signature over a 32-byte digest (no prehash), the same equation as
 * `normalizeSecp256k1`, with the key's multiplication table cached for keys used often. Returns
 * the recovery id the signature has with this key, or undefined when it does not verify (high-S,
 * out-of-range r/s, wrong key or digest, x(R) >= n). Never throws for bad input.
 */
export function verifySecp256k1LowS(
  compact: Uint8Array,
  digest: Uint8Array,
  publicKey: Uint8Array,
): 0 | 1 | undefined {
  if (compact.length !== 64 || digest.length !== 32) return undefined;
  const known = VERIFIED.get(memoKey(compact, digest, publicKey));
  if (known !== undefined) return known;
  const r = bytesToBigInt(compact.subarray(0, 32));
  const s = bytesToBigInt(compact.subarray(32, 64));
  if (r <= 0n || r >= N || s <= 0n || s > HALF_N) return undefined;
  let Q: InstanceType<typeof secp256k1.Point>;
  try {
    Q = pointOf(publicKey);
  } catch {
    return undefined;
  }
  const R = verificationPoint(r, s, digest, Q);
  if (!R || R.x !== r) return undefined;
  return (R.y & 1n) === 1n ? 1 : 0;
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

function bigIntToBytes32(n: bigint): Uint8Array {
  return Buffer.from(n.toString(16).padStart(64, '0'), 'hex');
}

/** Strict verification as Bitcoin Core does it: DER, low-S only, over a 32-byte digest. */
export function verifySecp256k1DerLowS(der: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    const sig = secp256k1.Signature.fromBytes(der, 'der');
    if (sig.s > HALF_N) return false;
    return secp256k1.verify(sig.toBytes('compact'), digest, publicKey, { prehash: false, lowS: true });
  } catch {
    return false;
  }
}

/** Verify an Ed25519 signature (RFC 8032, strict: canonical S, no small-order keys accepted by noble's zip215: false). */
export function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** Throw unless an Ed25519 signature from the token verifies. */
export function checkEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Uint8Array {
  if (signature.length !== 64 || !verifyEd25519(signature, message, publicKey)) {
    throw new SignatureCheckError(
      'the token returned an Ed25519 signature that does not verify against the key; nothing exported',
    );
  }
  return signature;
}

/** 33-byte SEC1 compressed form of a secp256k1 public key given compressed or uncompressed. */
export function toCompressed(publicKey: Uint8Array): Uint8Array {
  if (publicKey.length === 33) return publicKey;
  return secp256k1.Point.fromBytes(publicKey).toBytes(true);
}
