/**
 * The one image type of the pixel layer: 8-bit grey, row-major, no padding (`data[y * width + x]`,
 * 0 black … 255 white). Camera frames, rendered QR codes, y4m luma planes and decoded PNGs all become
 * this, so the channel simulator and the scanner see one shape. Pure (browser and Node).
 */
import { ImageFormatError } from './errors.js';

export interface GrayImage {
  readonly width: number;
  readonly height: number;
  /** `width * height` bytes, row-major. */
  readonly data: Uint8Array;
}

/** The largest image the readers accept: 16 Mpixel (4K video is 8.3 Mpixel). */
export const MAX_IMAGE_PIXELS = 16 * 1024 * 1024;

/** Throws IMAGE_TOO_LARGE (or RangeError for a non-positive or fractional size) before allocating. */
export function checkImageSize(width: number, height: number, what: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`${what}: width and height must be positive integers, got ${width}x${height}`);
  }
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new ImageFormatError(
      'IMAGE_TOO_LARGE',
      `${what}: ${width}x${height} is more than the ${MAX_IMAGE_PIXELS}-pixel limit`,
    );
  }
}

/** A new image filled with one grey level (default white). */
export function createGrayImage(width: number, height: number, fill = 255): GrayImage {
  checkImageSize(width, height, 'createGrayImage');
  const data = new Uint8Array(width * height);
  if (fill !== 0) data.fill(fill);
  return { width, height, data };
}

/** Checks the invariant `data.length === width * height` (images arrive from workers and files). */
export function isGrayImage(value: unknown): value is GrayImage {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.width === 'number' &&
    typeof v.height === 'number' &&
    Number.isInteger(v.width) &&
    Number.isInteger(v.height) &&
    v.width > 0 &&
    v.height > 0 &&
    v.data instanceof Uint8Array &&
    v.data.length === v.width * v.height
  );
}
