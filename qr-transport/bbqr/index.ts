/** BBQr (coinkite/BBQr): reading any BBQr series, and writing one (docs/transport.md, "BBQr"). */
export {
  BBQR_FILE_TYPES,
  BBQR_HEADER_LENGTH,
  BBQR_LIMITS,
  BbqrDecoder,
  type BbqrEncoded,
  type BbqrEncodeOptions,
  type BbqrEncoding,
  type BbqrFileType,
  type BbqrHeader,
  type BbqrPart,
  type BbqrResult,
  DEFAULT_BBQR_PART_BYTES,
  encodeBbqr,
  parseBbqrPart,
  toBase36Pair,
} from './bbqr.js';
export { BBQR_WINDOW, deflateRaw1k } from './deflate-1k.js';
export { BBQR_ERROR_CODES, BbqrError, type BbqrErrorCode } from './errors.js';
