/**
 * Scanning one grey image for one QR code with jsqr (a port of ZXing's QR reader). jsqr reads RGBA,
 * so the grey image is widened (R=G=B=grey, A=255) first. Inverted codes are not tried
 * (`inversionAttempts: 'dontInvert'`): Airlock always shows dark modules on white, and trying both
 * would double the time per frame.
 *
 * Never throws: an image without a readable code, or anything that is not a well-formed GrayImage,
 * gives null. Pure (browser and Node); scanner.node.ts and scan-worker.browser.ts run it off the
 * main thread.
 */
import jsQRModule from 'jsqr';
import type { ScannedFrame } from '../frames.js';
import { type GrayImage, isGrayImage } from './gray-image.js';

// jsqr is a UMD bundle: its module object is the function itself (with `.default` pointing to it),
// so `.default` is the function under Node's CommonJS interop and under bundlers alike.
const jsQR = jsQRModule.default;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** One RGBA buffer per thread, reused across frames of the same size (the common case: video). */
let rgba: Uint8ClampedArray | null = null;

/** Scan a grey image; the code's data as text and as bytes, or null when none could be read. */
export function scanGray(img: GrayImage): ScannedFrame | null {
  try {
    if (!isGrayImage(img)) return null;
    const pixels = img.width * img.height;
    if (rgba === null || rgba.length !== pixels * 4) rgba = new Uint8ClampedArray(pixels * 4);
    // One 32-bit store per pixel: R=G=B=grey and A=255, laid out for the platform's byte order.
    const out = new Uint32Array(rgba.buffer, rgba.byteOffset, pixels);
    const src = img.data;
    if (LITTLE_ENDIAN) for (let i = 0; i < pixels; i++) out[i] = (src[i]! * 0x010101) | 0xff000000;
    else for (let i = 0; i < pixels; i++) out[i] = (src[i]! * 0x01010100) | 0xff;
    const code = jsQR(rgba, img.width, img.height, { inversionAttempts: 'dontInvert' });
    if (code === null) return null;
    return { text: code.data, bytes: Uint8Array.from(code.binaryData) };
  } catch {
    // jsqr can throw on pathological input (seen with damaged format information); a scan that
    // fails is a frame without a code.
    return null;
  }
}
