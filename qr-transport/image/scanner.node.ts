/**
 * A pool of worker threads running scanGray off the main thread, for the CLI (`airlock qr decode`)
 * and anything else in Node that scans many frames: jsqr takes tens of milliseconds per 720p frame,
 * so scanning on the main thread would stall reading and decoding. Each image goes to the least busy
 * worker; results come back as promises (a frame, or null when no code was read — never a rejection
 * for a bad image). A worker that dies fails only its own scans (SCANNER_WORKER_FAILED) and is
 * replaced. Node only.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ScannedFrame } from '../frames.js';
import { ScannerError } from './errors.js';
import { type GrayImage, isGrayImage } from './gray-image.js';
import type { ScanRequest, ScanResponse } from './scan-protocol.js';

export interface ScannerPoolOptions {
  /** Worker threads (default: the available cores, at most 4). */
  readonly size?: number;
}

export interface ScanOptions {
  /** Move the image's buffer to the worker instead of copying it (the caller's image is then detached). */
  readonly transfer?: boolean;
}

interface Pending {
  resolve(frame: ScannedFrame | null): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

const WORKER_URL = new URL('./scan-worker.node.js', import.meta.url);

export function defaultPoolSize(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

export class ScannerPool {
  readonly size: number;
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private closed = false;

  constructor(options: ScannerPoolOptions = {}) {
    const size = options.size ?? defaultPoolSize();
    if (!Number.isInteger(size) || size < 1 || size > 64)
      throw new RangeError(`"size" expected 1..64, got ${size}`);
    this.size = size;
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** Scans in flight. */
  get pending(): number {
    return this.slots.reduce((n, s) => n + s.pending.size, 0);
  }

  /** Scan one image on a worker: the frame read, or null (no code, or not a well-formed image). */
  scan(img: GrayImage, options: ScanOptions = {}): Promise<ScannedFrame | null> {
    if (this.closed) return Promise.reject(new ScannerError('SCANNER_CLOSED', 'the scanner pool is closed'));
    if (!isGrayImage(img)) return Promise.resolve(null);
    const slot = this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    const request: ScanRequest = { id, width: img.width, height: img.height, data: img.data };
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      const buffer = img.data.buffer;
      slot.worker.postMessage(request, options.transfer && buffer instanceof ArrayBuffer ? [buffer] : []);
    });
  }

  /** Stop the workers; scans still in flight are rejected with SCANNER_CLOSED. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new ScannerError('SCANNER_CLOSED', 'the scanner pool was closed while the scan ran');
    await Promise.all(
      this.slots.map(async (slot) => {
        for (const p of slot.pending.values()) p.reject(err);
        slot.pending.clear();
        await slot.worker.terminate();
      }),
    );
  }

  private spawn(): Slot {
    const slot: Slot = { worker: new Worker(WORKER_URL), pending: new Map() };
    slot.worker.on('message', (response: ScanResponse) => {
      const p = slot.pending.get(response.id);
      if (p === undefined) return;
      slot.pending.delete(response.id);
      p.resolve(response.frame);
    });
    const fail = (why: string) => {
      if (this.closed) return;
      const err = new ScannerError('SCANNER_WORKER_FAILED', `a scanner worker thread ${why}`);
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots[index] = this.spawn();
    };
    slot.worker.on('error', (e) => fail(`failed: ${e.message}`));
    slot.worker.on('exit', (code) => fail(`exited with code ${code}`));
    return slot;
  }
}
