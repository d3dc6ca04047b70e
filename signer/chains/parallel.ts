/**
 * The adapters' pure work for a whole batch (decode of every withdrawal; assembly of every signed
 * transaction) shared between the calling thread and one worker thread, synchronously: the caller
 * gets the same values, in input order, as calling the adapter on each item in turn, and for an item
 * that threw, that item's error (a RefusalError with its code, message and details; other errors
 * by their message). What the caller does with them (refuse at the first failure in batch order)
 * stays with the caller, so the outcome is the sequential one.
 *
 * Work stealing: the items are cut into chunks; each chunk is claimed once, by compare-and-swap on a
 * shared array, by whichever thread gets to it first (the caller from the front; the worker from the
 * back, sent a copy of a few chunks ahead of it at a time, never the whole batch). A worker that is
 * still starting, or slow, simply takes fewer chunks; one that never answers
 * a claimed chunk (killed) is waited for at most `STALL_MS`, then its chunks are done here: the
 * functions are pure, so doing one again gives the same result.
 *
 * Small batches (fewer than `PARALLEL_MIN` items) run on the calling thread alone.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { rememberVerifiedBytes } from '../../hsm/ecdsa.js';
import { RefusalError } from '../errors.js';
import type { AdapterContext, Chain, Decoded, DecodeInput, ProducedSignature, SignedTx } from './adapter.js';
import { ADAPTERS } from './index.js';

export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: Error };

export interface DecodeItem {
  readonly chain: Chain;
  readonly input: DecodeInput;
}

export interface AssembleItem {
  readonly chain: Chain;
  readonly decoded: Decoded<unknown>;
  readonly signatures: readonly ProducedSignature[];
  /**
   * Signatures of this item that the calling thread's hsm/ecdsa.ts memo holds as verified: the
   * worker records exactly those (keyed by signature, digest and key bytes) before assembling, so it
   * does not redo their curve arithmetic; anything else it verifies in full.
   */
  readonly verified?: readonly VerifiedSeed[];
}

/** A signature this thread verified (hsm/ecdsa.ts memo), passed along so the worker need not redo it. */
export interface VerifiedSeed {
  readonly compact: Uint8Array;
  readonly digest: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly recovery: 0 | 1;
}

export type ParallelJob =
  | { readonly kind: 'decode'; readonly items: readonly DecodeItem[]; readonly ctx: AdapterContext }
  | { readonly kind: 'assemble'; readonly items: readonly AssembleItem[] };

/** To the worker, once per call: the shared chunk states and the port the chunks come on. */
export interface StartMessage {
  readonly states: Int32Array;
  readonly port: MessagePort;
  readonly kind: ParallelJob['kind'];
  readonly ctx?: AdapterContext;
}

/** To the worker, per chunk it may take: that chunk's items only (bounded memory on both sides). */
export interface ChunkMessage {
  readonly chunk: number;
  readonly items: readonly (DecodeItem | AssembleItem)[];
}

/** An error as it crosses threads. */
export type WireError =
  | {
      readonly refusal: true;
      readonly code: string;
      readonly message: string;
      readonly details: Record<string, unknown>;
    }
  | { readonly refusal: false; readonly name: string; readonly message: string };

export type WireOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: WireError };

export interface ChunkResult {
  readonly chunk: number;
  readonly outcomes: readonly WireOutcome[];
}

/** Chunk states in the shared array. */
export const FREE = 0;
export const MINE = 1; // claimed by the calling thread
export const WORKER = 2; // claimed by the worker
export const POSTED = 3; // the worker posted its results
export const UNDELIVERED = 4; // the worker could not: the caller does it

export const CHUNK = 16;
const PARALLEL_MIN = 4 * CHUNK;
const STALL_MS = 10_000;
/** Chunks posted to the worker and not yet taken by it. */
const WINDOW = 3;

let worker: Worker | undefined;
let workerFailed = false;
let oneThread = false;
let workerChunks = 0;

/** Run `fn` (synchronous) with this module on the calling thread only: benchmarks measuring one core. */
export function onOneThread<T>(fn: () => T): T {
  const before = oneThread;
  oneThread = true;
  try {
    return fn();
  } finally {
    oneThread = before;
  }
}

/**
 * Let the worker go (its heap with it) until the next call needs one: the signing pipeline calls
 * this after assembly, before the result (the largest allocations of a batch) is built.
 */
export async function releaseWorker(): Promise<void> {
  const w = worker;
  worker = undefined;
  if (w) await w.terminate();
}

/** Chunks the worker has delivered in this process (tests check the worker path really ran). */
export function workerChunksDelivered(): number {
  return workerChunks;
}

function theWorker(): Worker | undefined {
  if (workerFailed) return undefined;
  if (!worker) {
    try {
      const created = new Worker(new URL('./parallel-worker.js', import.meta.url), {
        resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 4 },
      });
      created.unref();
      // A worker that fails is not started again in this process: everything runs here instead.
      created.on('error', () => {
        workerFailed = true;
        if (worker === created) worker = undefined;
      });
      created.on('exit', () => {
        if (worker === created) worker = undefined;
      });
      worker = created;
    } catch {
      workerFailed = true;
      return undefined;
    }
  }
  return worker;
}

/** Worker side: one item, its error made transferable. */
export function runOne(job: ParallelJob, index: number): WireOutcome {
  try {
    if (job.kind === 'decode') {
      const item = job.items[index]!;
      return { ok: true, value: ADAPTERS[item.chain].decode(item.input, job.ctx) };
    }
    const item = job.items[index]!;
    if (item.verified) recordSeeds(item.verified);
    return { ok: true, value: ADAPTERS[item.chain].assemble(item.decoded, item.signatures) };
  } catch (err) {
    return { ok: false, error: toWire(err) };
  }
}

export function toWire(err: unknown): WireError {
  if (err instanceof RefusalError) {
    const { withdrawalId, field, expected, found } = err;
    return {
      refusal: true,
      code: err.code,
      message: err.message,
      details: { withdrawalId, field, expected, found },
    };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return { refusal: false, name: e.name, message: e.message };
}

function fromWire(w: WireError): Error {
  if (w.refusal) {
    const d = w.details as { withdrawalId?: string; field?: string; expected?: string; found?: string };
    return new RefusalError(w.code as RefusalError['code'], w.message, {
      ...(d.withdrawalId === undefined ? {} : { withdrawalId: d.withdrawalId }),
      ...(d.field === undefined ? {} : { field: d.field }),
      ...(d.expected === undefined ? {} : { expected: d.expected }),
      ...(d.found === undefined ? {} : { found: d.found }),
    });
  }
  const Ctor = w.name === 'TypeError' ? TypeError : w.name === 'RangeError' ? RangeError : Error;
  return new Ctor(w.message);
}

/**
 * What crossed the thread boundary comes back as a structured clone: unfrozen. Freeze what the
 * adapter froze (the Ethereum adapter freezes its view, requests and state; both freeze the asset).
 */
function refreeze(job: ParallelJob, index: number, value: unknown): unknown {
  if (job.kind !== 'decode') return value; // assemble returns plain objects
  const d = value as Decoded<unknown>;
  Object.freeze(d.view.asset);
  if (job.items[index]!.chain === 'ethereum') {
    Object.freeze(d.view.change);
    Object.freeze(d.view.replayKeys);
    Object.freeze(d.view.details);
    Object.freeze(d.view);
    for (const r of d.signing) Object.freeze(r);
    Object.freeze(d.signing);
    Object.freeze(d.state);
  }
  return d;
}

function settle(job: ParallelJob, index: number, w: WireOutcome): Outcome<unknown> {
  if (!w.ok) return { ok: false, error: fromWire(w.error) };
  return { ok: true, value: refreeze(job, index, w.value) };
}

function runAll(job: ParallelJob): Outcome<unknown>[] {
  const n = job.items.length;
  // Here, errors keep their class and stack: exactly what the adapter threw.
  const here = (i: number): Outcome<unknown> => {
    try {
      if (job.kind === 'decode') {
        const it = job.items[i]!;
        return { ok: true, value: ADAPTERS[it.chain].decode(it.input, job.ctx) };
      }
      const it = job.items[i]!;
      return { ok: true, value: ADAPTERS[it.chain].assemble(it.decoded, it.signatures) };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
    }
  };
  const w = n >= PARALLEL_MIN && !oneThread ? theWorker() : undefined;
  if (!w) return Array.from({ length: n }, (_, i) => here(i));

  const chunks = Math.ceil(n / CHUNK);
  const states = new Int32Array(new SharedArrayBuffer(4 * chunks));
  const { port1, port2 } = new MessageChannel();
  const out: (Outcome<unknown> | undefined)[] = new Array(n);
  const range = (c: number) => ({ from: c * CHUNK, to: Math.min(n, (c + 1) * CHUNK) });
  const doChunk = (c: number) => {
    const { from, to } = range(c);
    for (let i = from; i < to; i++) out[i] = here(i);
  };
  try {
    const start: StartMessage = {
      states,
      port: port2,
      kind: job.kind,
      ...(job.kind === 'decode' ? { ctx: job.ctx } : {}),
    };
    w.postMessage(start, [port2]);
    // The worker gets chunks from the back, a few ahead of it at a time (each posted chunk is a
    // copy of its items); this thread works from the front. Every chunk is claimed exactly once.
    let nextPost = chunks - 1;
    let posted = 0;
    const topUp = (mine: number) => {
      let waiting = 0;
      for (let c = nextPost + 1; c < chunks && waiting < WINDOW; c++)
        if (Atomics.load(states, c) === FREE) waiting++;
      while (waiting < WINDOW && nextPost > mine) {
        const { from, to } = range(nextPost);
        const msg: ChunkMessage = { chunk: nextPost, items: job.items.slice(from, to) };
        port1.postMessage(msg);
        nextPost--;
        posted++;
        waiting++;
      }
    };
    for (let c = 0; c < chunks; c++) {
      topUp(c);
      if (Atomics.compareExchange(states, c, FREE, MINE) === FREE) doChunk(c);
    }
    // Wait for what the worker claimed (if it stops answering, its chunks are done here below).
    let lastProgress = Date.now();
    for (let c = 0; c < chunks && posted > 0; c++) {
      while (Atomics.load(states, c) === WORKER) {
        if (Atomics.wait(states, c, WORKER, 100) === 'ok') lastProgress = Date.now();
        if (Date.now() - lastProgress > STALL_MS) break;
      }
      if (Atomics.load(states, c) === POSTED) lastProgress = Date.now();
    }
    for (let m = receiveMessageOnPort(port1); m; m = receiveMessageOnPort(port1)) {
      const r = m.message as ChunkResult;
      workerChunks++;
      r.outcomes.forEach((o, k) => {
        const i = r.chunk * CHUNK + k;
        out[i] = settle(job, i, o);
      });
    }
    // Anything the worker claimed and never delivered: do it here.
    for (let i = 0; i < n; i++) if (out[i] === undefined) out[i] = here(i);
  } finally {
    port1.close();
  }
  return out as Outcome<unknown>[];
}

/** `ADAPTERS[chain].decode(input, ctx)` of every item, in order. */
export function decodeAll(items: readonly DecodeItem[], ctx: AdapterContext): Outcome<Decoded<unknown>>[] {
  return runAll({ kind: 'decode', items, ctx }) as Outcome<Decoded<unknown>>[];
}

/** `ADAPTERS[chain].assemble(decoded, signatures)` of every item, in order (see AssembleItem.verified). */
export function assembleAll(items: readonly AssembleItem[]): Outcome<SignedTx>[] {
  return runAll({ kind: 'assemble', items }) as Outcome<SignedTx>[];
}

/** Worker side: record the seeds (used by parallel-worker.ts). */
export function recordSeeds(seeds: readonly VerifiedSeed[]): void {
  for (const s of seeds) {
    rememberVerifiedBytes(s.compact, s.digest, s.publicKey, s.recovery);
  }
}
