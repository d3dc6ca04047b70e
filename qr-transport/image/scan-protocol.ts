/**
 * The message contract of the scan workers, shared by the Node pool (scanner.node.ts with
 * scan-worker.node.ts) and the Web Worker entry (scan-worker.browser.ts): a request carries one grey
 * image, the response the frame read from it or null. The handler never throws: a malformed request
 * is answered with null, so a worker never dies of its input. Pure.
 */
import type { ScannedFrame } from '../frames.js';
import { scanGray } from './scan.js';

export interface ScanRequest {
  readonly id: number;
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export interface ScanResponse {
  /** The request's id; -1 when the request had none. */
  readonly id: number;
  readonly frame: ScannedFrame | null;
}

export function handleScanRequest(message: unknown): ScanResponse {
  const m = (typeof message === 'object' && message !== null ? message : {}) as Partial<ScanRequest>;
  const id = typeof m.id === 'number' && Number.isSafeInteger(m.id) ? m.id : -1;
  if (id < 0) return { id: -1, frame: null };
  // scanGray checks the image's shape itself and returns null for anything malformed.
  return {
    id,
    frame: scanGray({ width: m.width as number, height: m.height as number, data: m.data as Uint8Array }),
  };
}

/** The buffers a response can hand over without copying. */
export function responseTransferList(response: ScanResponse): ArrayBuffer[] {
  const buffer = response.frame?.bytes.buffer;
  return buffer instanceof ArrayBuffer ? [buffer] : [];
}
