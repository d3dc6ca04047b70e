/**
 * Test helper for pin-guard.test.ts: a worker thread that opens its own PinGuard handle on a shared file
 * and records `count` wrong PINs for one key as fast as it can, then reports the counts it saw. Two of
 * these racing on one file prove that no failure is lost between handles (no SIGKILL involved).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PinGuard } from './pin-guard.js';

interface Job {
  readonly path: string;
  readonly count: number;
  readonly maxFailures: number;
  readonly token: string;
  readonly subject: string;
}

const job = workerData as Job;
const guard = PinGuard.open(job.path, { maxFailures: job.maxFailures, busyTimeoutMs: 30_000 });
const seen: number[] = [];
try {
  for (let i = 0; i < job.count; i++) {
    seen.push(guard.recordFailure({ token: job.token, subject: job.subject }).failures);
  }
} finally {
  guard.close();
}
parentPort?.postMessage(seen);
