/**
 * Walker-Vose alias sampling (Keith Schwarz, "Darts, Dice, and Coins"), in the exact variant of
 * BCR-2024-001 / BlockchainCommons/bc-ur `random-sampler.cpp`: probabilities scaled by n/sum, the
 * small/large work lists filled in reverse index order, leftovers set to 1. The floating-point steps
 * are written in the reference's order so that every table entry, and so every draw, is bit-identical.
 */
import { UrError } from './errors.js';

export class RandomSampler {
  private readonly probs: Float64Array;
  private readonly aliases: Int32Array;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new UrError('UR_ARGUMENT', '"weights" expected at least one probability');
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) {
        throw new UrError('UR_ARGUMENT', `"weights[${i}]" expected a finite number >= 0, got ${w}`);
      }
      sum += w;
    }
    if (!(sum > 0)) throw new UrError('UR_ARGUMENT', '"weights" expected a positive sum');

    const p = new Float64Array(n);
    for (let i = 0; i < n; i++) p[i] = (weights[i]! * n) / sum;
    const small: number[] = [];
    const large: number[] = [];
    // At variance from Schwarz, the reference fills the lists in reverse index order.
    for (let i = n - 1; i >= 0; i--) (p[i]! < 1 ? small : large).push(i);

    this.probs = new Float64Array(n);
    this.aliases = new Int32Array(n);
    while (small.length > 0 && large.length > 0) {
      const a = small.pop()!;
      const g = large.pop()!;
      this.probs[a] = p[a]!;
      this.aliases[a] = g;
      p[g] = p[g]! + (p[a]! - 1); // the reference's `P[g] += P[a] - 1`, in that order
      (p[g]! < 1 ? small : large).push(g);
    }
    for (const i of large) this.probs[i] = 1;
    // Only through numeric instability:
    for (const i of small) this.probs[i] = 1;
  }

  /** One draw: two doubles from `rng` (column, then coin), an index in [0, n). */
  next(rng: () => number): number {
    const r1 = rng();
    const r2 = rng();
    const n = this.probs.length;
    // r1 can be exactly 1 only if the generator's output rounds up to 2^64 (p ~ 2^-54); stay in range.
    const i = Math.min(Math.floor(n * r1), n - 1);
    return r2 < this.probs[i]! ? i : this.aliases[i]!;
  }
}
