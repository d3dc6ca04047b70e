/**
 * Arithmetic in GF(2^8) for the dense fountain code (fountain.ts): the field of the QR code's own
 * Reed-Solomon blocks, polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d), generator α = 2 (ISO/IEC 18004
 * §7.5.2). Addition is XOR. Multiplication goes through log / antilog tables, expanded once into a
 * 64 KiB product table so that the inner loops of the encoder and the decoder do one look-up a byte
 * (`MUL[c << 8 | x]` = c · x).
 *
 * Pure (browser and Node); the tables are built at module load (about 0.1 ms).
 */

/** The field's reduction polynomial, x^8 + x^4 + x^3 + x^2 + 1. */
export const GF256_POLYNOMIAL = 0x11d;

/** α^i for i = 0 .. 509 (doubled, so that a sum of two logs needs no reduction mod 255). */
export const GF_EXP: Uint8Array = new Uint8Array(510);
/** log_α(x) for x = 1 .. 255; GF_LOG[0] is unused (0 has no logarithm). */
export const GF_LOG: Uint8Array = new Uint8Array(256);
/** The product table: GF_MUL[(a << 8) | b] = a · b. */
export const GF_MUL: Uint8Array = new Uint8Array(65536);
/** Multiplicative inverses; GF_INV[0] is unused. */
export const GF_INV: Uint8Array = new Uint8Array(256);

{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    GF_EXP[i] = x;
    GF_EXP[i + 255] = x;
    GF_LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= GF256_POLYNOMIAL;
  }
  for (let a = 1; a < 256; a++) {
    const la = GF_LOG[a]!;
    const base = a << 8;
    for (let b = 1; b < 256; b++) GF_MUL[base | b] = GF_EXP[la + GF_LOG[b]!]!;
    GF_INV[a] = GF_EXP[255 - la]!;
  }
}

/** a · b in GF(2^8). */
export function gfMul(a: number, b: number): number {
  return GF_MUL[((a & 0xff) << 8) | (b & 0xff)]!;
}

/**
 * dst[from .. end) ^= c · src[from .. end), on rows held as 32-bit words (4 field elements a word,
 * each byte mapped on its own, so the result does not depend on the platform's byte order). Word
 * access halves the loads and stores of a byte loop.
 */
export function mulAddWords(dst: Uint32Array, src: Uint32Array, c: number, from: number, end: number): void {
  if (c === 0) return;
  if (c === 1) {
    for (let j = from; j < end; j++) dst[j] = dst[j]! ^ src[j]!;
    return;
  }
  const base = c << 8;
  const mul = GF_MUL;
  for (let j = from; j < end; j++) {
    const s = src[j]!;
    if (s === 0) continue;
    dst[j] =
      dst[j]! ^
      (mul[base | (s & 0xff)]! |
        (mul[base | ((s >>> 8) & 0xff)]! << 8) |
        (mul[base | ((s >>> 16) & 0xff)]! << 16) |
        (mul[base | (s >>> 24)]! << 24));
  }
}

/** row[from .. end) *= c, on 32-bit words as mulAddWords. */
export function scaleWords(row: Uint32Array, c: number, from: number, end: number): void {
  if (c === 1) return;
  const base = c << 8;
  const mul = GF_MUL;
  for (let j = from; j < end; j++) {
    const s = row[j]!;
    if (s === 0) continue;
    row[j] =
      mul[base | (s & 0xff)]! |
      (mul[base | ((s >>> 8) & 0xff)]! << 8) |
      (mul[base | ((s >>> 16) & 0xff)]! << 16) |
      (mul[base | (s >>> 24)]! << 24);
  }
}
