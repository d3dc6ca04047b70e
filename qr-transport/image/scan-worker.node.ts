/**
 * The worker_threads entry of the scanner pool (scanner.node.ts): scans each image it is sent with
 * scanGray and answers with the frame or null (scan-protocol.ts). Node only.
 */
import { parentPort } from 'node:worker_threads';
import { handleScanRequest, responseTransferList } from './scan-protocol.js';

if (parentPort === null)
  throw new Error('scan-worker.node.js runs only as a worker thread (see scanner.node.ts)');
const port = parentPort;
port.on('message', (message: unknown) => {
  const response = handleScanRequest(message);
  port.postMessage(response, responseTransferList(response));
});
