/**
 * Airlock's dense QR framing: byte-mode frames, a systematic fountain code over GF(256) (GF(2) for very
 * large transfers) (docs/transport.md).
 */
export { DenseDecoder, type DenseResult } from './decoder.js';
export { type DenseEncodeOptions, DenseEncoder } from './encoder.js';
export { DENSE_ERROR_CODES, DenseError, type DenseErrorCode } from './errors.js';
export type { RepairField } from './fountain.js';
export {
  DEFAULT_DENSE_FRAGMENT_LENGTH,
  DENSE_LIMITS,
  DENSE_MAGIC,
  DENSE_READ_VERSIONS,
  DENSE_VERSION,
  type DenseFrame,
  type DenseParseFailure,
  type DenseParseResult,
  type DenseTransferParams,
  FRAME_OVERHEAD,
  hasDenseMagic,
  parseDenseFrame,
} from './frame.js';
