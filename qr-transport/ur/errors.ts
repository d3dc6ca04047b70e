/**
 * Typed errors of the BC-UR codec (BCR-2020-005 UR, BCR-2020-012 Bytewords, BCR-2024-001 multipart).
 *
 * Thrown only by the calls that can fail outright (encoding, single-part decoding, unwrapping CBOR,
 * asking an unfinished decoder for its result). `UrDecoder.receive()` never throws: it turns every one
 * of these into a verdict.
 */
import { QrTransportError } from '../errors.js';

export type UrErrorCode =
  /** The text is not a UR: scheme, type, path or sequence component malformed. */
  | 'UR_INVALID'
  /** A Bytewords body holds a word that is not a Byteword, or is too short. */
  | 'UR_BYTEWORDS'
  /** A CRC-32 did not match: the Bytewords body's, or the rebuilt message's announced checksum. */
  | 'UR_CHECKSUM'
  /** CBOR that is not canonical, of an unsupported kind, or not of the expected shape. */
  | 'UR_CBOR'
  /** A length or count beyond the codec's caps (message, sequence, fragment). */
  | 'UR_TOO_LARGE'
  /** An argument given to an encoder or helper is out of range or of the wrong kind. */
  | 'UR_ARGUMENT'
  /** The result was asked for before the transfer completed. */
  | 'UR_INCOMPLETE';

export class UrError extends QrTransportError {
  declare readonly code: UrErrorCode;
  constructor(code: UrErrorCode, message: string) {
    super(code, message);
  }
}
