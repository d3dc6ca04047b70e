/**
 * Verification beside signing: worker threads that low-S normalise, derive the recovery id of and
 * verify the raw signatures a token returns, while the main thread keeps the token busy. When the
 * token is done, the calling thread verifies whatever is still queued itself (`drainHere`), so on a
 * two-core machine signing and checking run side by side (figures in docs/perf.md).
 *
 * Nothing is returned to the caller until every signature of the call has verified.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { normalizeSecp256k1Batch, rememberVerified } from './ecdsa.js';
import { SignatureCheckError } from './errors.js';
import type { EcdsaSignature } from './types.js';

export interface VerifyJob {
  readonly raw: Uint8Array;
  readonly digest: Uint8Array;
  readonly publicKey: Uint8Array;
}
export interface VerifyChunk {
  readonly id: number;
  readonly jobs: readonly VerifyJob[];
}
export type VerifyChunkResult =
  | { readonly id: number; readonly ok: true; readonly signatures: EcdsaSignature[] }
  | { readonly id: number; readonly ok: false; readonly message: string };

interface Task {
  readonly chunk: VerifyChunk;
  resolve(sigs: EcdsaSignature[]): void;
  reject(err: Error): void;
}

/** Chunks posted to one worker before it answers: enough to keep it busy while the caller signs. */
const IN_FLIGHT_PER_WORKER = 2;

export class VerifierPool {
  private readonly workers: { worker: Worker; inFlight: number }[];
  private readonly queue: Task[] = [];
  private readonly running = new Map<number, Task>();
  private nextId = 0;
  private closed = false;

  constructor(size: number = Math.max(1, availableParallelism() - 1)) {
    const url = new URL('./verify-worker.js', import.meta.url);
    this.workers = Array.from({ length: size }, () => {
      const slot = {
        worker: new Worker(url, {
          resourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 },
        }),
        inFlight: 0,
      };
      slot.worker.unref();
      slot.worker.on('message', (result: VerifyChunkResult) => {
        slot.inFlight--;
        this.settle(result);
        this.pump();
      });
      slot.worker.on('error', (err) => this.failAll(err));
      return slot;
    });
  }

  /** Queue one chunk; it runs on a worker or, via `drainHere`, on the calling thread. */
  verify(jobs: readonly VerifyJob[]): Promise<EcdsaSignature[]> {
    if (this.closed) return Promise.reject(new Error('verifier pool is closed'));
    const promise = new Promise<EcdsaSignature[]>((resolve, reject) => {
      this.queue.push({ chunk: { id: this.nextId++, jobs }, resolve, reject });
    });
    this.pump();
    return promise;
  }

  /** Verify every chunk no worker has taken yet on the calling thread. */
  drainHere(): void {
    for (let task = this.queue.shift(); task; task = this.queue.shift()) {
      try {
        task.resolve(normalizeSecp256k1Batch(task.chunk.jobs));
      } catch (err) {
        task.reject(err instanceof Error ? err : new SignatureCheckError(String(err)));
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new Error('verifier pool closed'));
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private pump(): void {
    for (const slot of this.workers) {
      while (slot.inFlight < IN_FLIGHT_PER_WORKER && this.queue.length > 0) {
        const task = this.queue.shift()!;
        this.running.set(task.chunk.id, task);
        slot.inFlight++;
        slot.worker.postMessage(task.chunk);
      }
    }
  }

  private settle(result: VerifyChunkResult): void {
    const task = this.running.get(result.id);
    if (!task) return;
    this.running.delete(result.id);
    if (result.ok) {
      result.signatures.forEach((sig, i) => {
        const job = task.chunk.jobs[i]!;
        rememberVerified(sig, job.digest, job.publicKey);
      });
      task.resolve(result.signatures);
    } else task.reject(new SignatureCheckError(result.message));
  }

  private failAll(err: Error): void {
    for (const task of [...this.running.values(), ...this.queue]) task.reject(err);
    this.running.clear();
    this.queue.length = 0;
  }
}
