/**
 * The GF(2) repair code of the dense framing (docs/transport.md, "Fountain code", "GF(2) mixing"):
 * the code of dense version 1, kept in version 2 for large transfers (K above
 * `DENSE_LIMITS.maxGf256FragmentCount`, flag bit 1 set), where GF(256) elimination would cost too
 * much, and to keep reading version-1 frames.
 *
 * - Sequence numbers 0 .. K-1 carry the K plain fragments.
 * - A sequence number s >= K carries the XOR of a pseudo-random subset of the fragments: fragment i is
 *   in the subset when bit i of the stream SHA-256(TAG ‖ digest ‖ s ‖ 0) ‖ SHA-256(TAG ‖ digest ‖ s ‖ 1)
 *   ‖ … is 1 (bit i = bit `i mod 8`, least significant first, of byte `floor(i / 8)`; s and the block
 *   counter are 4-byte big-endian; TAG is the ASCII text `airlock-dense-v1/repair`). Each fragment is
 *   in with probability 1/2, so a subset holds about K/2 fragments; an empty subset becomes
 *   {s mod K}. Anyone holding the payload digest and K can recompute every subset.
 * - The decoder treats each frame as one equation (coefficient row, data row) and keeps them in row
 *   echelon form by incremental Gaussian elimination: a frame is useful exactly when it raises the
 *   rank. At rank K, back-substitution yields every fragment.
 *
 * Because repair rows are uniformly random, any K + m distinct frames are full rank with probability
 * at least 1 - 2^-m (about 0.75 at m = 2, 0.999 at m = 10), whatever mix of plain and repair frames
 * arrives, so losses cost the frames lost plus about 1.6 frames on average: 0.1 % of K at K = 2,000.
 */
import { sha256 } from '@noble/hashes/sha2.js';

/** The domain-separation tag of the GF(2) repair subsets. */
export const GF2_REPAIR_TAG = 'airlock-dense-v1/repair';
const TAG = new TextEncoder().encode(GF2_REPAIR_TAG);

/** Coefficient words needed for K fragments. */
export function coefficientWords(k: number): number {
  return (k + 31) >>> 5;
}

/**
 * The subset of fragments XORed into frame `seqNum` as a bit set over K bits (little-endian words: bit
 * i of the row is bit `i & 31` of word `i >>> 5`). Plain frames give a single bit.
 */
export function frameCoefficients(digest: Uint8Array, k: number, seqNum: number): Uint32Array {
  const row = new Uint32Array(coefficientWords(k));
  if (seqNum < k) {
    row[seqNum >>> 5] = 1 << (seqNum & 31);
    return row;
  }
  const input = new Uint8Array(TAG.length + 32 + 8);
  input.set(TAG, 0);
  input.set(digest.subarray(0, 32), TAG.length);
  const view = new DataView(input.buffer);
  view.setUint32(TAG.length + 32, seqNum >>> 0);
  const blocks = Math.ceil(k / 256);
  let any = 0;
  for (let b = 0; b < blocks; b++) {
    view.setUint32(TAG.length + 36, b);
    const h = sha256(input);
    for (let j = 0; j < 8; j++) {
      const w = b * 8 + j;
      if (w >= row.length) break;
      row[w] = (h[4 * j]! | (h[4 * j + 1]! << 8) | (h[4 * j + 2]! << 16) | (h[4 * j + 3]! << 24)) >>> 0;
    }
  }
  const tailBits = k & 31;
  if (tailBits !== 0) row[row.length - 1]! &= (1 << tailBits) - 1;
  for (const w of row) any |= w;
  if (any === 0) {
    const i = seqNum % k;
    row[i >>> 5] = 1 << (i & 31);
  }
  return row;
}

/** Index of the lowest set bit of a non-zero 32-bit word. */
function lowestBit(w: number): number {
  return 31 - Math.clz32(w & -w);
}

interface PivotRow {
  /** null for a unit row (only its pivot bit set): plain fragments cost no coefficient memory. */
  readonly coef: Uint32Array | null;
  readonly data: Uint32Array;
}

/**
 * Incremental Gaussian elimination over GF(2). Row i of `pivots` (when present) has its lowest set bit
 * at column i. Data rows are words (the fragment zero-padded to a multiple of 4 bytes).
 */
export class Gf2Solver {
  readonly k: number;
  readonly dataWords: number;
  private readonly pivots: (PivotRow | undefined)[];
  private rankValue = 0;

  constructor(k: number, dataWords: number) {
    this.k = k;
    this.dataWords = dataWords;
    this.pivots = new Array<PivotRow | undefined>(k);
  }

  get rank(): number {
    return this.rankValue;
  }

  /**
   * Adds one equation; `coef` and `data` are consumed (modified in place). Returns true when the rank
   * rose, false when the equation was implied by those already held.
   */
  add(coef: Uint32Array, data: Uint32Array): boolean {
    const words = coef.length;
    for (let w = 0; w < words; w++) {
      while (coef[w] !== 0) {
        const bit = lowestBit(coef[w]!);
        const col = (w << 5) | bit;
        const p = this.pivots[col];
        if (p === undefined) {
          this.pivots[col] = { coef: isUnit(coef, w, bit) ? null : coef, data };
          this.rankValue++;
          return true;
        }
        if (p.coef === null) {
          coef[w] = coef[w]! & ~(1 << bit);
        } else {
          const pc = p.coef;
          for (let j = w; j < words; j++) coef[j] = coef[j]! ^ pc[j]!;
        }
        const pd = p.data;
        for (let j = 0; j < data.length; j++) data[j] = data[j]! ^ pd[j]!;
      }
    }
    return false;
  }

  /** Back-substitution once rank = K: the K fragments' data words, in order. */
  solve(): Uint32Array[] {
    if (this.rankValue !== this.k)
      throw new RangeError(`solve() needs rank ${this.k}, have ${this.rankValue}`);
    const out = new Array<Uint32Array>(this.k);
    for (let col = this.k - 1; col >= 0; col--) {
      const p = this.pivots[col]!;
      const data = p.data;
      if (p.coef !== null) {
        const c = p.coef;
        // Bits above the pivot refer to fragments already solved.
        for (let w = col >>> 5; w < c.length; w++) {
          let bits = c[w]!;
          if (w === col >>> 5) bits &= ~((2 ** ((col & 31) + 1) - 1) >>> 0);
          while (bits !== 0) {
            const b = lowestBit(bits);
            bits = (bits & ~(1 << b)) >>> 0;
            const solved = out[(w << 5) | b]!;
            for (let j = 0; j < data.length; j++) data[j] = data[j]! ^ solved[j]!;
          }
        }
      }
      out[col] = data;
    }
    return out;
  }
}

function isUnit(coef: Uint32Array, w: number, bit: number): boolean {
  if (coef[w] !== (1 << bit) >>> 0) return false;
  for (let j = w + 1; j < coef.length; j++) if (coef[j] !== 0) return false;
  return true;
}

/** XORs into `acc` the fragments whose bits are set in `coef` (the encoder's side of the code). */
export function combineFragments(
  coef: Uint32Array,
  fragments: readonly Uint32Array[],
  acc: Uint32Array,
): void {
  for (let w = 0; w < coef.length; w++) {
    let bits = coef[w]!;
    while (bits !== 0) {
      const b = lowestBit(bits);
      bits = (bits & ~(1 << b)) >>> 0;
      const f = fragments[(w << 5) | b]!;
      for (let j = 0; j < acc.length; j++) acc[j] = acc[j]! ^ f[j]!;
    }
  }
}

/** The GF(2) code seen frame by frame (the decoder's side): see FountainSolver in fountain.ts. */
export class Gf2FrameSolver {
  readonly k: number;
  private readonly digest: Uint8Array;
  private readonly fragmentLength: number;
  private readonly solver: Gf2Solver;

  constructor(digest: Uint8Array, k: number, fragmentLength: number) {
    this.digest = digest;
    this.k = k;
    this.fragmentLength = fragmentLength;
    this.solver = new Gf2Solver(k, (fragmentLength + 3) >>> 2);
  }

  get rank(): number {
    return this.solver.rank;
  }

  addFrame(seqNum: number, data: Uint8Array): boolean {
    const words = new Uint32Array(this.solver.dataWords);
    new Uint8Array(words.buffer).set(data.subarray(0, this.fragmentLength));
    return this.solver.add(frameCoefficients(this.digest, this.k, seqNum), words);
  }

  solve(): Uint8Array[] {
    return this.solver.solve().map((w) => new Uint8Array(w.buffer, w.byteOffset, this.fragmentLength));
  }
}
