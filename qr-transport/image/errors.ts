/**
 * Typed errors of the pixel layer (qr-transport/image/): rendering a frame, reading and writing PNG,
 * y4m and GIF, the scanner pool. Scanning itself never throws: `scanGray` returns null for an image
 * without a readable code. Every error extends QrTransportError and carries a stable `code`.
 */
import { QrTransportError } from '../errors.js';

export type RenderErrorCode =
  /** The content does not fit in a QR code (version 40) at the chosen error-correction level. */
  | 'QR_DATA_TOO_LARGE'
  /** Alphanumeric content holds a character outside the QR alphanumeric set. */
  | 'QR_TEXT_NOT_ALPHANUMERIC'
  /** The canvas is too small for one pixel per module plus the quiet zone. */
  | 'QR_CANVAS_TOO_SMALL';

/** A frame could not be rendered. */
export class RenderError extends QrTransportError {
  declare readonly code: RenderErrorCode;
  constructor(code: RenderErrorCode, message: string) {
    super(code, message);
  }
}

export type ImageFormatErrorCode =
  /** Not a PNG, or a damaged one (signature, chunk CRC, zlib stream, filter, size). */
  | 'PNG_INVALID'
  /** A valid PNG Airlock does not read (16-bit, interlaced, …). */
  | 'PNG_UNSUPPORTED'
  /** Not a YUV4MPEG2 stream, or a truncated or damaged one. */
  | 'Y4M_INVALID'
  /** A valid YUV4MPEG2 stream Airlock does not read (interlaced, high bit depth, …). */
  | 'Y4M_UNSUPPORTED'
  /** Width times height beyond the limit the reader accepts (a guard against decompression bombs). */
  | 'IMAGE_TOO_LARGE'
  /** Writing a frame whose size differs from the stream's. */
  | 'FRAME_SIZE_MISMATCH';

/** An image or video file could not be read or written. */
export class ImageFormatError extends QrTransportError {
  declare readonly code: ImageFormatErrorCode;
  constructor(code: ImageFormatErrorCode, message: string) {
    super(code, message);
  }
}

export type ScannerErrorCode =
  /** The pool was closed before (or while) the scan ran. */
  | 'SCANNER_CLOSED'
  /** A worker thread died; its scans are failed and the worker is replaced. */
  | 'SCANNER_WORKER_FAILED';

/** The scanner pool failed (never because an image held no code: that is a null result). */
export class ScannerError extends QrTransportError {
  declare readonly code: ScannerErrorCode;
  constructor(code: ScannerErrorCode, message: string) {
    super(code, message);
  }
}
