/**
 * The fountain code under the dense framing (docs/transport.md, "Fountain code"): a systematic random
 * linear code over GF(2^8) (random linear network coding), with the GF(2) code of fountain-gf2.ts for
 * very large transfers.
 *
 * - Sequence numbers 0 .. K-1 carry the K plain fragments.
 * - A sequence number s >= K carries Σ c_i · fragment_i over all K fragments, in GF(2^8) with the
 *   polynomial 0x11d (gf256.ts), byte by byte. The coefficients c_0 .. c_{K-1} are the **non-zero**
 *   bytes, in order, of the stream SHA-256(TAG ‖ digest ‖ s ‖ 0) ‖ SHA-256(TAG ‖ digest ‖ s ‖ 1) ‖ …
 *   (zero bytes are skipped; s and the block counter 4-byte big-endian; TAG the ASCII text
 *   `airlock-dense-v2/repair`). Anyone holding the payload digest and K can recompute them.
 * - The decoder treats each frame as one equation (coefficient row, data row) and keeps them in row
 *   echelon form by incremental Gaussian elimination over GF(2^8), each pivot row scaled to a leading
 *   1: a frame is useful exactly when it raises the rank. At rank K, back-substitution yields every
 *   fragment.
 *
 * A set of frames is full rank when the repair rows, restricted to the fragments whose plain frame is
 * missing, are: a random square matrix over GF(256), singular with probability about 1/256. So any K
 * distinct frames decode with probability about 0.996, any K + 1 with about 1 - 2^-16, whatever mix
 * of plain and repair frames arrives: a loss costs the lost frame and nothing more, on average 0.004
 * frames (GF(2) needs about 1.6, 15 % at K = 11).
 *
 * Cost: a repair frame takes K row operations of L bytes to make and up to K of K + L bytes to take in
 * (one table look-up a byte), and each held repair row K bytes of coefficients. That is bounded by
 * DENSE_LIMITS.maxGf256FragmentCount; larger transfers use the GF(2) code (flag bit 1), whose rows are
 * K bits and whose row operations XOR 32 bits at a time.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { Gf2FrameSolver } from './fountain-gf2.js';
import { GF_INV, mulAddWords, scaleWords } from './gf256.js';

/** The domain-separation tag of the GF(256) repair coefficients. */
export const REPAIR_TAG = 'airlock-dense-v2/repair';
const TAG = new TextEncoder().encode(REPAIR_TAG);

/** The field a transfer's repair frames are mixed in (the frame's flag bit 1; version 1 is always gf2). */
export type RepairField = 'gf256' | 'gf2';

/**
 * The K non-zero GF(256) coefficients of repair frame `seqNum` (>= K), written into `out` (a new array
 * when omitted). Plain frames have no coefficients: callers handle seqNum < K themselves.
 */
export function repairCoefficients(
  digest: Uint8Array,
  k: number,
  seqNum: number,
  out: Uint8Array = new Uint8Array(k),
): Uint8Array {
  if (seqNum < k) throw new RangeError(`"seqNum" ${seqNum} is a plain frame (K = ${k}), not a repair frame`);
  const input = new Uint8Array(TAG.length + 32 + 8);
  input.set(TAG, 0);
  input.set(digest.subarray(0, 32), TAG.length);
  const view = new DataView(input.buffer);
  view.setUint32(TAG.length + 32, seqNum >>> 0);
  let n = 0;
  for (let block = 0; n < k; block++) {
    view.setUint32(TAG.length + 36, block >>> 0);
    const h = sha256(input);
    for (let j = 0; j < 32 && n < k; j++) {
      const b = h[j]!;
      if (b !== 0) out[n++] = b;
    }
  }
  return out;
}

/**
 * The encoder's side: data of repair frame `seqNum` = Σ c_i · fragments[i], on fragments held as
 * 32-bit words (zero-padded to a multiple of 4 bytes); `acc` (zeroed by the caller) gets the sum.
 */
export function combineFragmentsGf256(
  digest: Uint8Array,
  seqNum: number,
  fragments: readonly Uint32Array[],
  acc: Uint32Array,
): void {
  const coef = repairCoefficients(digest, fragments.length, seqNum);
  for (let i = 0; i < fragments.length; i++) mulAddWords(acc, fragments[i]!, coef[i]!, 0, acc.length);
}

/** The decoder's view of a repair code: one equation a frame, the fragments at full rank. */
export interface FountainSolver {
  readonly k: number;
  readonly rank: number;
  /** Takes in frame `seqNum`'s data (L bytes, copied); true when the rank rose. */
  addFrame(seqNum: number, data: Uint8Array): boolean;
  /** Back-substitution once rank = K: the K fragments (L bytes each), in order. */
  solve(): Uint8Array[];
}

export function createSolver(
  field: RepairField,
  digest: Uint8Array,
  k: number,
  fragmentLength: number,
): FountainSolver {
  switch (field) {
    case 'gf256':
      return new Gf256Solver(digest, k, fragmentLength);
    case 'gf2':
      return new Gf2FrameSolver(digest, k, fragmentLength);
    default:
      return missingCaseError(field);
  }
}

/** A row as bytes (to read one element) and as 32-bit words (to operate on it): one buffer. */
interface Row {
  readonly bytes: Uint8Array;
  readonly words: Uint32Array;
}

function newRow(elements: number): Row {
  const words = new Uint32Array((elements + 3) >>> 2);
  return { bytes: new Uint8Array(words.buffer), words };
}

/**
 * Incremental Gaussian elimination over GF(256). Pivot row `col` (when present) is zero before column
 * `col` and 1 at it. Plain fragments that arrive before anything covers their column are stored as
 * unit rows (no coefficient memory). Two scratch rows take each frame in; they are kept as a pivot row
 * only when the frame is useful, so duplicates allocate nothing. Rows are operated on a word (four
 * elements) at a time, from the word holding the current column: the elements before it are zero in
 * both rows, so they stay zero.
 */
export class Gf256Solver implements FountainSolver {
  readonly k: number;
  private readonly digest: Uint8Array;
  private readonly fragmentLength: number;
  private readonly coefWords: number;
  private readonly dataWords: number;
  /** Per column: undefined = no pivot yet, null = unit row, else the pivot's coefficients. */
  private readonly coefRows: (Row | null | undefined)[];
  private readonly dataRows: (Row | undefined)[];
  private scratchCoef: Row;
  private scratchData: Row;
  private rankValue = 0;

  constructor(digest: Uint8Array, k: number, fragmentLength: number) {
    this.digest = digest.slice(0, 32);
    this.k = k;
    this.fragmentLength = fragmentLength;
    this.coefWords = (k + 3) >>> 2;
    this.dataWords = (fragmentLength + 3) >>> 2;
    this.coefRows = new Array<Row | null | undefined>(k);
    this.dataRows = new Array<Row | undefined>(k);
    this.scratchCoef = newRow(k);
    this.scratchData = newRow(fragmentLength);
  }

  get rank(): number {
    return this.rankValue;
  }

  addFrame(seqNum: number, frameData: Uint8Array): boolean {
    const { k, fragmentLength: len, coefWords, dataWords } = this;
    const fragment = frameData.subarray(0, len);
    if (seqNum < k && this.dataRows[seqNum] === undefined) {
      // The common case: a plain fragment whose column nothing covers yet.
      const row = newRow(len);
      row.bytes.set(fragment);
      this.coefRows[seqNum] = null;
      this.dataRows[seqNum] = row;
      this.rankValue++;
      return true;
    }
    const coef = this.scratchCoef;
    const data = this.scratchData;
    let start: number;
    if (seqNum < k) {
      coef.words.fill(0);
      coef.bytes[seqNum] = 1;
      start = seqNum;
    } else {
      repairCoefficients(this.digest, k, seqNum, coef.bytes);
      start = 0;
    }
    data.bytes.set(fragment);
    const c8 = coef.bytes;
    for (let col = start; col < k; col++) {
      const c = c8[col]!;
      if (c === 0) continue;
      const pivotData = this.dataRows[col];
      if (pivotData === undefined) {
        const inv = GF_INV[c]!;
        scaleWords(coef.words, inv, col >>> 2, coefWords);
        scaleWords(data.words, inv, 0, dataWords);
        let unit = true;
        for (let j = col + 1; j < k; j++) {
          if (c8[j] !== 0) {
            unit = false;
            break;
          }
        }
        this.coefRows[col] = unit ? null : coef;
        this.dataRows[col] = data;
        this.rankValue++;
        if (!unit) this.scratchCoef = newRow(k);
        this.scratchData = newRow(len);
        return true;
      }
      const pivotCoef = this.coefRows[col];
      if (pivotCoef) mulAddWords(coef.words, pivotCoef.words, c, col >>> 2, coefWords);
      else c8[col] = 0;
      mulAddWords(data.words, pivotData.words, c, 0, dataWords);
    }
    return false;
  }

  solve(): Uint8Array[] {
    const { k, fragmentLength: len, dataWords } = this;
    if (this.rankValue !== k) throw new RangeError(`solve() needs rank ${k}, have ${this.rankValue}`);
    const out = new Array<Row>(k);
    for (let col = k - 1; col >= 0; col--) {
      const data = this.dataRows[col]!;
      const coef = this.coefRows[col];
      // Entries right of the pivot refer to fragments already solved.
      if (coef) {
        const c8 = coef.bytes;
        for (let j = col + 1; j < k; j++) {
          const c = c8[j]!;
          if (c !== 0) mulAddWords(data.words, out[j]!.words, c, 0, dataWords);
        }
      }
      out[col] = data;
    }
    return out.map((row) => row.bytes.subarray(0, len));
  }
}

function missingCaseError(x: never): never {
  throw new TypeError(`unexpected repair field ${JSON.stringify(x)}`);
}
