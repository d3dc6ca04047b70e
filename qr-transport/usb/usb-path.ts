/**
 * Names of files on a USB stick, relative to the USB root (docs/usb.md, "Rules"). A name is split into
 * segments here, before any file-system call, and refused when it could point anywhere but below the
 * root: absolute paths and `..` segments (USB_PATH_OUTSIDE_ROOT), and anything a careful reader would
 * not write (USB_PATH_INVALID): empty names or segments (`a//b`), `.` segments, NUL, backslashes (a
 * Windows `..\`), over-long names.
 *
 * Pure (no `node:` imports). Symbolic links are the file-system layer's business (usb-fs.node.ts).
 */
import { UsbPathInvalidError, UsbPathOutsideRootError } from './errors.js';

/** Linux PATH_MAX and NAME_MAX, in UTF-8 bytes. */
export const MAX_PATH_BYTES = 4096;
export const MAX_SEGMENT_BYTES = 255;
/** Directory levels below the root that a name (or a listing) may reach. */
export const MAX_DEPTH = 8;

const encoder = new TextEncoder();

/**
 * The segments of `relativePath`, each a plain file or directory name. Throws UsbPathOutsideRootError
 * or UsbPathInvalidError. A trailing `/` is refused (a file name never ends in one).
 */
export function usbPathSegments(relativePath: string): string[] {
  if (typeof relativePath !== 'string')
    throw new TypeError(`"relativePath" expected a string, got ${typeof relativePath}`);
  const p = relativePath;
  if (p.length === 0) throw new UsbPathInvalidError(p, 'the name is empty');
  if (p.includes('\0')) throw new UsbPathInvalidError(p, 'it contains a NUL character');
  if (p.startsWith('/')) throw new UsbPathOutsideRootError(p, 'it is an absolute path');
  const segments = p.split('/');
  if (p.includes('\\')) {
    // A backslash is a path separator to Windows: `..\x` is an escape attempt, the rest merely odd.
    if (p.split(/[\\/]/).includes('..'))
      throw new UsbPathOutsideRootError(p, 'it has a ".." segment (with a backslash)');
    throw new UsbPathInvalidError(p, 'it contains a backslash');
  }
  if (segments.includes('..')) throw new UsbPathOutsideRootError(p, 'it has a ".." segment');
  if (encoder.encode(p).length > MAX_PATH_BYTES)
    throw new UsbPathInvalidError(p, `it is longer than ${MAX_PATH_BYTES} bytes`);
  if (segments.length > MAX_DEPTH + 1)
    throw new UsbPathInvalidError(p, `it is more than ${MAX_DEPTH} directories deep`);
  for (const s of segments) {
    if (s === '')
      throw new UsbPathInvalidError(p, 'it has an empty segment (a leading, trailing or double "/")');
    if (s === '.') throw new UsbPathInvalidError(p, 'it has a "." segment');
    if (encoder.encode(s).length > MAX_SEGMENT_BYTES)
      throw new UsbPathInvalidError(p, `a segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
  return segments;
}
