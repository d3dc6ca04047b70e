/** Worker thread of the verifier pool: normalises and verifies chunks of raw ECDSA signatures. */
import { parentPort } from 'node:worker_threads';
import { normalizeSecp256k1 } from './ecdsa.js';
import type { VerifyChunk, VerifyChunkResult } from './verify-pool.js';

parentPort?.on('message', (chunk: VerifyChunk) => {
  let reply: VerifyChunkResult;
  try {
    reply = {
      id: chunk.id,
      ok: true,
      signatures: chunk.jobs.map((job) => normalizeSecp256k1(job.raw, job.digest, job.publicKey)),
    };
  } catch (err) {
    reply = { id: chunk.id, ok: false, message: (err as Error).message };
  }
  parentPort?.postMessage(reply);
});
