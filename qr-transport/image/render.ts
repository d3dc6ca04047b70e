/**
 * Rendering one frame: FrameContent → QR symbol (ISO/IEC 18004, via `qrcode`'s `QRCode.create` with a
 * single alphanumeric or byte segment) → an 8-bit grey image, dark modules 0 on white 255, centred on
 * a fixed canvas (1280x720 by default) with the quiet zone the standard asks for (4 modules), at the
 * largest integer number of pixels per module that fits. Integer scaling keeps every module edge on a
 * pixel edge, which is what a camera (and jsqr's binariser) reads best.
 *
 * Error correction defaults: M for UR/BBQr text (what BC-UR wallets show), and DENSE_DEFAULT_EC for
 * Airlock's dense byte frames (chosen by measurement: docs/transport-video.md). Version 23 is never
 * used (jsqr misreads it; see encodeQrMatrix). Pure (browser and Node).
 */
import QRCode from 'qrcode';
import type { FrameContent } from '../frames.js';
import { RenderError } from './errors.js';
import { checkImageSize, type GrayImage } from './gray-image.js';

export type ErrorCorrectionLevel = 'L' | 'M' | 'Q' | 'H';
export const ERROR_CORRECTION_LEVELS: readonly ErrorCorrectionLevel[] = ['L', 'M', 'Q', 'H'];

/** Default error correction of UR/BBQr text frames (QR alphanumeric mode). */
export const TEXT_DEFAULT_EC: ErrorCorrectionLevel = 'M';
/** Default error correction of dense byte frames (see docs/transport-video.md for the measurement). */
export const DENSE_DEFAULT_EC: ErrorCorrectionLevel = 'L';

export const DEFAULT_CANVAS = { width: 1280, height: 720 } as const;
/** ISO/IEC 18004 asks for a 4-module light border around the symbol. */
export const DEFAULT_QUIET_ZONE = 4;

export interface RenderOptions {
  /** Canvas width in pixels (default 1280). */
  readonly width?: number;
  /** Canvas height in pixels (default 720). */
  readonly height?: number;
  /** Default: TEXT_DEFAULT_EC for alphanumeric content, DENSE_DEFAULT_EC for bytes. */
  readonly errorCorrection?: ErrorCorrectionLevel;
  /** Light border in modules (default 4). */
  readonly quietZone?: number;
}

/** A QR symbol as modules: `modules[row * size + col]` is 1 for dark. */
export interface QrMatrix {
  readonly size: number;
  readonly version: number;
  readonly errorCorrection: ErrorCorrectionLevel;
  readonly modules: Uint8Array;
}

/** The QR version jsqr misreads; rendering uses the next one instead (see encodeQrMatrix). */
export const JSQR_UNREADABLE_VERSION = 23;

/** The characters of QR alphanumeric mode (ISO/IEC 18004 table 5). */
const ALPHANUMERIC = /^[0-9A-Z $%*+\-./:]*$/;

export function defaultErrorCorrection(content: FrameContent): ErrorCorrectionLevel {
  return content.mode === 'alphanumeric' ? TEXT_DEFAULT_EC : DENSE_DEFAULT_EC;
}

/**
 * Encode content into a QR symbol: the smallest version that holds it at the given level, except
 * version 23, which becomes 24.
 */
export function encodeQrMatrix(content: FrameContent, errorCorrection?: ErrorCorrectionLevel): QrMatrix {
  const ec = errorCorrection ?? defaultErrorCorrection(content);
  if (!ERROR_CORRECTION_LEVELS.includes(ec)) {
    throw new RangeError(`"errorCorrection" expected one of L, M, Q, H, got ${String(ec)}`);
  }
  let segment: QRCode.QRCodeSegment;
  switch (content.mode) {
    case 'alphanumeric': {
      if (!ALPHANUMERIC.test(content.text)) {
        const bad = [...content.text].find((c) => !ALPHANUMERIC.test(c)) ?? '';
        throw new RenderError(
          'QR_TEXT_NOT_ALPHANUMERIC',
          `frame text holds ${JSON.stringify(bad)}, outside the QR alphanumeric set 0-9 A-Z space $%*+-./:`,
        );
      }
      segment = { mode: 'alphanumeric', data: content.text };
      break;
    }
    case 'byte':
      segment = { mode: 'byte', data: content.bytes };
      break;
    default:
      return missingCaseError(content);
  }
  let qr: QRCode.QRCode;
  try {
    qr = QRCode.create([segment], { errorCorrectionLevel: ec });
    // jsqr 1.4.0 has a wrong alignment-pattern centre for version 23 (74 instead of 78, ISO/IEC
    // 18004 table E.1; cozmo/jsQR#251): it never reads a version-23 symbol at level L and leans on
    // error correction at the others. Version 24 holds the same data, so Airlock never shows 23.
    if (qr.version === JSQR_UNREADABLE_VERSION) {
      qr = QRCode.create([segment], { errorCorrectionLevel: ec, version: JSQR_UNREADABLE_VERSION + 1 });
    }
  } catch (err) {
    const length =
      content.mode === 'alphanumeric' ? `${content.text.length} characters` : `${content.bytes.length} bytes`;
    throw new RenderError(
      'QR_DATA_TOO_LARGE',
      `a frame of ${length} does not fit in a QR code at error correction ${ec}: ${(err as Error).message}`,
    );
  }
  const size = qr.modules.size;
  // BitMatrix.data holds 1 for dark, with reserved (function-pattern) bits already applied.
  const modules = new Uint8Array(size * size);
  for (let i = 0; i < modules.length; i++) modules[i] = qr.modules.data[i] ? 1 : 0;
  return { size, version: qr.version, errorCorrection: ec, modules };
}

/** Pixels per module for a symbol of `size` modules on a canvas; 0 when it does not fit. */
export function moduleScale(size: number, width: number, height: number, quietZone: number): number {
  return Math.floor(Math.min(width, height) / (size + 2 * quietZone));
}

/** Draw a symbol centred on a white canvas at the largest integer scale that fits. */
export function renderMatrix(
  matrix: QrMatrix,
  options: Omit<RenderOptions, 'errorCorrection'> = {},
): GrayImage {
  const width = options.width ?? DEFAULT_CANVAS.width;
  const height = options.height ?? DEFAULT_CANVAS.height;
  const quietZone = options.quietZone ?? DEFAULT_QUIET_ZONE;
  checkImageSize(width, height, 'renderFrame canvas');
  if (!Number.isInteger(quietZone) || quietZone < 0) {
    throw new RangeError(`"quietZone" expected a non-negative integer, got ${quietZone}`);
  }
  const { size, modules } = matrix;
  const scale = moduleScale(size, width, height, quietZone);
  if (scale < 1) {
    throw new RenderError(
      'QR_CANVAS_TOO_SMALL',
      `a ${size}-module QR code with a ${quietZone}-module quiet zone needs at least ` +
        `${size + 2 * quietZone}x${size + 2 * quietZone} pixels; the canvas is ${width}x${height}`,
    );
  }
  const data = new Uint8Array(width * height).fill(255);
  const side = size * scale;
  const left = (width - side) >> 1;
  const top = (height - side) >> 1;
  const row = new Uint8Array(side);
  for (let r = 0; r < size; r++) {
    row.fill(255);
    for (let c = 0; c < size; c++) {
      if (modules[r * size + c]) row.fill(0, c * scale, (c + 1) * scale);
    }
    const y0 = top + r * scale;
    for (let dy = 0; dy < scale; dy++) data.set(row, (y0 + dy) * width + left);
  }
  return { width, height, data };
}

/** Render one frame: the QR code of `content`, centred on the canvas (default 1280x720). */
export function renderFrame(content: FrameContent, options: RenderOptions = {}): GrayImage {
  return renderMatrix(encodeQrMatrix(content, options.errorCorrection), options);
}

function missingCaseError(x: never): never {
  throw new TypeError(`unexpected frame content mode ${JSON.stringify((x as { mode?: unknown }).mode)}`);
}
