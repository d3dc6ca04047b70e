/**
 * Worker thread of signer/chains/parallel.ts: for each call, takes the chunks posted to it that the
 * calling thread has not claimed first, and posts back their outcomes.
 */
import { parentPort } from 'node:worker_threads';
import {
  type ChunkMessage,
  type ChunkResult,
  FREE,
  type ParallelJob,
  POSTED,
  runOne,
  type StartMessage,
  UNDELIVERED,
  WORKER,
} from './parallel.js';

parentPort?.on('message', (start: StartMessage) => {
  const { states, port, kind, ctx } = start;
  port.on('message', (msg: ChunkMessage) => {
    if (Atomics.compareExchange(states, msg.chunk, FREE, WORKER) !== FREE) return; // taken by the caller
    try {
      const job = (
        kind === 'decode' ? { kind, items: msg.items, ctx } : { kind, items: msg.items }
      ) as ParallelJob;
      const outcomes = msg.items.map((_, k) => runOne(job, k));
      const result: ChunkResult = { chunk: msg.chunk, outcomes };
      port.postMessage(result);
      Atomics.store(states, msg.chunk, POSTED);
    } catch {
      Atomics.store(states, msg.chunk, UNDELIVERED); // the caller does this chunk itself
    }
    Atomics.notify(states, msg.chunk);
  });
  port.on('close', () => port.removeAllListeners());
});
