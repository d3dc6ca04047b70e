/**
 * Camera pixels to the scanner's image type: RGBA (what a canvas's getImageData gives) to the 8-bit
 * grey `GrayImage` of qr-transport/image/gray-image.ts, by the BT.601 luma weights in integer
 * arithmetic ((77 R + 150 G + 29 B) >> 8; the weights sum to 256, so white stays 255). Pure.
 */
import type { GrayImage } from '../../qr-transport/image/gray-image.js';

export function rgbaToGray(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): GrayImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new RangeError(`width and height must be positive integers, got ${width}x${height}`);
  if (rgba.length !== width * height * 4)
    throw new RangeError(
      `"rgba" expected ${width * height * 4} bytes for ${width}x${height}, got ${rgba.length}`,
    );
  const data = new Uint8Array(width * height);
  for (let i = 0, j = 0; i < data.length; i++, j += 4) {
    data[i] = (77 * rgba[j]! + 150 * rgba[j + 1]! + 29 * rgba[j + 2]!) >> 8;
  }
  return { width, height, data };
}
