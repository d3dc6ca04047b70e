/**
 * The public codec API of qr-transport: the shared frame vocabulary, the transfer facade, and the
 * three framings under it (BC-UR, Airlock's dense frames, BBQr). Pure: no `node:` imports, no Electron.
 */
export * from './bbqr/index.js';
export * from './dense/index.js';
export { QrTransportError } from './errors.js';
export type { FrameContent, FrameVerdict, ScannedFrame, TransferFormat, TransferProgress } from './frames.js';
export {
  createTransferEncoder,
  DEFAULT_UR_FRAGMENT_LENGTH,
  detectFrameFormat,
  type EncodeOptions,
  PAYLOAD_UR_TYPES,
  type PayloadUrType,
  type ReceivedTransfer,
  TRANSFER_ERROR_CODES,
  TransferDecoder,
  type TransferEncoder,
  TransferError,
  type TransferErrorCode,
} from './transfer.js';
export * from './ur/index.js';
