/**
 * Typed errors of Airlock's dense QR framing (docs/transport.md, "Dense frames"). Only the calls that
 * can fail outright throw them: encoding a payload that breaks a limit, asking for the result of an
 * unfinished transfer. Scanning never throws; `DenseDecoder.receive` returns verdicts, and a transfer
 * whose reassembled payload does not match its announced SHA-256 ends in the `failed` state carrying
 * one of these codes.
 */
import { QrTransportError } from '../errors.js';

/** Stable machine codes of the dense layer. Append-only: never rename one. */
export const DENSE_ERROR_CODES = [
  /** An empty payload: a transfer carries at least one byte (Airlock never sends an empty document). */
  'DENSE_EMPTY_PAYLOAD',
  /** The payload is larger than `DENSE_LIMITS.maxPayloadBytes`. */
  'DENSE_PAYLOAD_TOO_LARGE',
  /** An encoder option out of range (fragment length). */
  'DENSE_INVALID_OPTION',
  /** The payload would need more than `DENSE_LIMITS.maxFragmentCount` fragments at this fragment length. */
  'DENSE_TOO_MANY_FRAGMENTS',
  /** `result()` before the transfer completed. */
  'DENSE_INCOMPLETE',
  /** Every fragment was recovered but the payload does not inflate (compressed transfers). */
  'DENSE_INFLATE_FAILED',
  /** Every fragment was recovered but the bytes do not hash to the announced SHA-256. */
  'DENSE_DIGEST_MISMATCH',
  /** Every fragment was recovered but the padding after the payload is not zero. */
  'DENSE_PADDING_NONZERO',
] as const;

export type DenseErrorCode = (typeof DENSE_ERROR_CODES)[number];

export class DenseError extends QrTransportError {
  declare readonly code: DenseErrorCode;
  constructor(code: DenseErrorCode, message: string) {
    super(code, message);
  }
}
