/**
 * Typed errors of the BBQr codec (coinkite/BBQr, BBQr.md). Scanning never throws: `BbqrDecoder.receive`
 * returns verdicts, and a set of parts that does not decode ends in the `failed` state with one of
 * these codes.
 */
import { QrTransportError } from '../errors.js';

/** Stable machine codes of the BBQr layer. Append-only: never rename one. */
export const BBQR_ERROR_CODES = [
  /** An empty payload: BBQr parts carry at least one byte. */
  'BBQR_EMPTY_PAYLOAD',
  /** A file type or encoding outside the spec's tables, or a part length out of range. */
  'BBQR_INVALID_OPTION',
  /** More than 1295 parts (`ZZ` in base 36) would be needed: use longer parts. */
  'BBQR_TOO_MANY_PARTS',
  /** The payload is larger than `BBQR_LIMITS.maxPayloadBytes`. */
  'BBQR_PAYLOAD_TOO_LARGE',
  /** `result()` before every part arrived. */
  'BBQR_INCOMPLETE',
  /** Every part arrived but the `Z` data does not inflate (or inflates past the limit). */
  'BBQR_INFLATE_FAILED',
] as const;

export type BbqrErrorCode = (typeof BBQR_ERROR_CODES)[number];

export class BbqrError extends QrTransportError {
  declare readonly code: BbqrErrorCode;
  constructor(code: BbqrErrorCode, message: string) {
    super(code, message);
  }
}
