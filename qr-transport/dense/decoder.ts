/**
 * The receiving side of the dense framing (frame.ts, fountain.ts): a state machine fed one scanned
 * byte string at a time. It never throws while scanning; each frame gets a verdict.
 *
 * The first valid frame fixes the transfer (its digest and every transfer-wide field); frames of any
 * other transfer are `foreign` and never mixed in. At rank K the fragments are solved, joined,
 * inflated when the frames say so (capped at the announced length) and hashed: the result is only ever
 * the payload whose SHA-256 every frame announced. Anything else ends in the `failed` state.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { FrameVerdict, TransferProgress } from '../frames.js';
import { DenseError, type DenseErrorCode } from './errors.js';
import { createSolver, type FountainSolver } from './fountain.js';
import { type DenseParseFailure, type DenseTransferParams, parseDenseFrame, sameTransfer } from './frame.js';
import { inflateRawCapped } from './raw-deflate.js';

export interface DenseResult {
  readonly payload: Uint8Array;
  readonly sha256: Uint8Array;
  /** True when the frames carried the payload raw-DEFLATE compressed. */
  readonly compressed: boolean;
}

export class DenseDecoder {
  private params: DenseTransferParams | null = null;
  private solver: FountainSolver | null = null;
  private resultValue: DenseResult | null = null;
  private failure: DenseError | null = null;
  private accepted = 0;
  private ignored = 0;
  /** Why the last frame was refused as corrupt (for diagnostics and tests). */
  lastRejection: DenseParseFailure | null = null;

  /** The transfer's parameters once a first valid frame arrived. */
  get transfer(): DenseTransferParams | null {
    return this.params;
  }

  receive(bytes: Uint8Array): FrameVerdict {
    if (this.resultValue !== null || this.failure !== null) return 'done';
    const parsed = parseDenseFrame(bytes);
    if (!parsed.ok) {
      this.lastRejection = parsed.reason;
      this.ignored++;
      return 'corrupt';
    }
    const f = parsed.frame;
    if (this.params === null) {
      this.params = { ...f, sha256: f.sha256.slice() };
      this.solver = createSolver(f.repairField, this.params.sha256, f.fragmentCount, f.fragmentLength);
    } else if (!sameTransfer(this.params, f)) {
      this.ignored++;
      return 'foreign';
    }
    const solver = this.solver!;
    const p = this.params;
    if (!solver.addFrame(f.seqNum, f.data)) {
      this.ignored++;
      return 'duplicate';
    }
    this.accepted++;
    if (solver.rank === p.fragmentCount) this.finish();
    return 'accepted';
  }

  private finish(): void {
    const p = this.params!;
    const fragments = this.solver!.solve();
    this.solver = null;
    const joined = new Uint8Array(p.fragmentCount * p.fragmentLength);
    fragments.forEach((fragment, i) => {
      joined.set(fragment.subarray(0, p.fragmentLength), i * p.fragmentLength);
    });
    for (let i = p.sentLength; i < joined.length; i++) {
      if (joined[i] !== 0) {
        this.fail(
          'DENSE_PADDING_NONZERO',
          `the padding after byte ${p.sentLength} of the last fragment is not zero`,
        );
        return;
      }
    }
    let payload: Uint8Array = joined.subarray(0, p.sentLength);
    if (p.compressed) {
      const inflated = inflateRawCapped(payload, p.originalLength);
      if (inflated === null || inflated.length !== p.originalLength) {
        this.fail(
          'DENSE_INFLATE_FAILED',
          `the ${p.sentLength} compressed bytes do not inflate to the announced ${p.originalLength} bytes`,
        );
        return;
      }
      payload = inflated;
    }
    const digest = sha256(payload);
    for (let i = 0; i < 32; i++) {
      if (digest[i] !== p.sha256[i]) {
        this.fail(
          'DENSE_DIGEST_MISMATCH',
          'the reassembled payload does not match the SHA-256 its frames announced',
        );
        return;
      }
    }
    this.resultValue = { payload: payload.slice(), sha256: digest, compressed: p.compressed };
  }

  private fail(code: DenseErrorCode, message: string): void {
    this.failure = new DenseError(code, message);
  }

  isComplete(): boolean {
    return this.resultValue !== null;
  }

  /** The error that ended the transfer, when it ended in `failed`. */
  get error(): DenseError | null {
    return this.failure;
  }

  /** Frames still needed at least: K minus the rank; 0 once complete, null before a frame or on failure. */
  get framesStillExpected(): number | null {
    if (this.params === null || this.failure !== null) return null;
    if (this.solver === null) return 0;
    return this.params.fragmentCount - this.solver.rank;
  }

  progress(): TransferProgress {
    const p = this.params;
    const failed = this.failure;
    // The solver is dropped once the transfer ends; a failed transfer had reached full rank.
    const rank = this.solver?.rank ?? (p === null ? 0 : p.fragmentCount);
    return {
      state: failed ? 'failed' : this.resultValue ? 'complete' : p ? 'receiving' : 'waiting',
      format: 'dense',
      percent: this.resultValue ? 100 : p ? Math.min(99, Math.floor((100 * rank) / p.fragmentCount)) : 0,
      framesAccepted: this.accepted,
      framesIgnored: this.ignored,
      framesStillExpected: this.framesStillExpected,
      error: failed ? { code: failed.code, message: failed.message } : null,
    };
  }

  /** The payload; throws DENSE_INCOMPLETE before completion, or the failure's error after one. */
  result(): DenseResult {
    if (this.failure) throw this.failure;
    if (!this.resultValue) {
      const still = this.framesStillExpected;
      throw new DenseError(
        'DENSE_INCOMPLETE',
        still === null
          ? 'no dense frame has been received yet'
          : `the transfer is incomplete: at least ${still} more frame(s) needed`,
      );
    }
    return this.resultValue;
  }
}
