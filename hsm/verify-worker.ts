/** Worker thread of the verifier pool: normalises and verifies chunks of raw ECDSA signatures. */
import { parentPort } from 'node:worker_threads';
import { normalizeSecp256k1Batch } from './ecdsa.js';
import type { VerifyChunk, VerifyChunkResult } from './verify-pool.js';

parentPort?.on('message', (chunk: VerifyChunk) => {
  let reply: VerifyChunkResult;
  try {
    reply = {
      id: chunk.id,
      ok: true,
      // The pool records what comes back on the calling thread; nothing to remember here.
      signatures: normalizeSecp256k1Batch(chunk.jobs, { remember: false }),
    };
  } catch (err) {
    reply = { id: chunk.id, ok: false, message: (err as Error).message };
  }
  parentPort?.postMessage(reply);
});
