/**
 * The Web Worker entry of the scanner, for the Electron renderer: `new Worker(new URL(
 * './scan-worker.browser.js', import.meta.url), { type: 'module' })`, then post
 * `{ id, width, height, data }` (transfer `data.buffer` to avoid a copy) and receive
 * `{ id, frame: { text, bytes } | null }`. The same handler as the Node pool (scan-protocol.ts).
 * Browser only (no `node:`, no Electron).
 */
import { handleScanRequest, responseTransferList } from './scan-protocol.js';

/** The part of DedicatedWorkerGlobalScope this entry uses (the project compiles with the DOM lib). */
interface WorkerScope {
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
}

const scope = globalThis as unknown as WorkerScope;
scope.onmessage = (event) => {
  const response = handleScanRequest(event.data);
  scope.postMessage(response, responseTransferList(response));
};
