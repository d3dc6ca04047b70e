/**
 * Typed refusals of the USB hand-off (docs/usb.md): one class per rule a hostile stick can break, each
 * a `QrTransportError` with a stable `code`. Messages name the file (relative to the USB root), the
 * rule, and what was found, in words an operator understands.
 *
 * Pure (no `node:` imports): the renderer may show these errors too.
 */
import { QrTransportError } from '../errors.js';

/** Stable machine codes of the USB layer. Append-only: never rename one. */
export const USB_ERROR_CODES = [
  /** An absolute path or a `..` segment: the name points outside the USB root. */
  'USB_PATH_OUTSIDE_ROOT',
  /** A name that is empty, too long, has a NUL, a backslash, an empty or `.` segment. */
  'USB_PATH_INVALID',
  /** A symbolic link somewhere on the path (any component, not only the last). */
  'USB_SYMLINK',
  /** A directory, device, FIFO or socket where a regular file was expected. */
  'USB_NOT_REGULAR_FILE',
  /** Larger than the limit, by its size or by what could be read from it. */
  'USB_TOO_LARGE',
  /** No such file (or a path component that is not a directory). */
  'USB_NOT_FOUND',
  /** The USB root is missing, a symbolic link, or not a directory. */
  'USB_ROOT_INVALID',
  /** Export: the name exists already; Airlock never overwrites. */
  'USB_EXISTS',
  /** The file opened is not the file checked (replaced between the check and the open). */
  'USB_FILE_CHANGED',
  /** The kind of file is not one this command accepts. */
  'USB_KIND_REFUSED',
  /** The file is of an accepted kind but does not check out (e.g. an audit export whose chain is broken). */
  'USB_CONTENT_INVALID',
  /** The operating system failed to read or write the stick (EIO, ENOSPC, read-only, …). */
  'USB_IO_ERROR',
] as const;

export type UsbErrorCode = (typeof USB_ERROR_CODES)[number];

/** Base of every USB refusal. `path` is the name relative to the USB root, as the caller gave it. */
export class UsbError extends QrTransportError {
  declare readonly code: UsbErrorCode;
  constructor(
    code: UsbErrorCode,
    /** The name relative to the USB root (or the root itself for USB_ROOT_INVALID). */
    readonly path: string,
    message: string,
  ) {
    super(code, message);
  }
}

export class UsbPathOutsideRootError extends UsbError {
  constructor(path: string, why: string) {
    super('USB_PATH_OUTSIDE_ROOT', path, `${show(path)} points outside the USB root: ${why}`);
  }
}

export class UsbPathInvalidError extends UsbError {
  constructor(path: string, why: string) {
    super('USB_PATH_INVALID', path, `${show(path)} is not an acceptable file name: ${why}`);
  }
}

export class UsbSymlinkError extends UsbError {
  constructor(
    path: string,
    /** The component that is a symbolic link, relative to the root. */
    readonly component: string,
  ) {
    super(
      'USB_SYMLINK',
      path,
      component === path
        ? `${show(path)} is a symbolic link; Airlock never follows links on a USB stick`
        : `${show(path)}: its directory ${show(component)} is a symbolic link; Airlock never follows links on a USB stick`,
    );
  }
}

export class UsbNotRegularFileError extends UsbError {
  constructor(
    path: string,
    /** What was found: `directory`, `FIFO`, `character device`, `block device`, `socket`. */
    readonly found: string,
  ) {
    super('USB_NOT_REGULAR_FILE', path, `${show(path)} is a ${found}, not a regular file`);
  }
}

export class UsbTooLargeError extends UsbError {
  constructor(
    path: string,
    readonly maxBytes: number,
    /** The size found (fstat), or a lower bound when the file grew while it was read. */
    readonly found: number,
    grew = false,
  ) {
    super(
      'USB_TOO_LARGE',
      path,
      grew
        ? `${show(path)} grew while it was read: more than ${count(maxBytes)} bytes, above the limit`
        : `${show(path)} is ${count(found)} bytes, above the limit of ${count(maxBytes)} bytes`,
    );
  }
}

export class UsbNotFoundError extends UsbError {
  constructor(path: string, why = 'no such file on the USB stick') {
    super('USB_NOT_FOUND', path, `${show(path)}: ${why}`);
  }
}

export class UsbRootInvalidError extends UsbError {
  constructor(root: string, why: string) {
    super('USB_ROOT_INVALID', root, `USB root ${show(root)} ${why}`);
  }
}

export class UsbExistsError extends UsbError {
  constructor(path: string) {
    super(
      'USB_EXISTS',
      path,
      `${show(path)} already exists on the USB stick; Airlock never overwrites a file`,
    );
  }
}

export class UsbFileChangedError extends UsbError {
  constructor(path: string) {
    super(
      'USB_FILE_CHANGED',
      path,
      `${show(path)} was replaced between its check and its opening (device/inode differ); refused`,
    );
  }
}

export class UsbKindRefusedError extends UsbError {
  constructor(
    path: string,
    /** What the file is (e.g. `unknown`, `batch`). */
    readonly kind: string,
    expected: string,
  ) {
    super(
      'USB_KIND_REFUSED',
      path,
      `${show(path)} is ${kind === 'unknown' ? 'of no known Airlock format' : `${article(kind)} ${kind}`}; expected ${expected}`,
    );
  }
}

export class UsbContentInvalidError extends UsbError {
  constructor(
    path: string,
    readonly kind: string,
    why: string,
  ) {
    super(
      'USB_CONTENT_INVALID',
      path,
      `${show(path)} is ${article(kind)} ${kind} that does not check out: ${why}`,
    );
  }
}

export class UsbIoError extends UsbError {
  constructor(
    path: string,
    /** What Airlock was doing: `reading`, `writing`, `linking`, … */
    readonly operation: string,
    /** The errno name (`EIO`, `ENOSPC`, `EROFS`) or the message. */
    readonly reason: string,
  ) {
    super('USB_IO_ERROR', path, `${operation} ${show(path)} failed: ${reason}`);
  }
}

/**
 * A name as an operator reads it: quoted, with control characters, bidi overrides and other invisible
 * characters escaped, so a hostile file name cannot rewrite the terminal or pose as another name.
 */
export function show(name: string): string {
  return JSON.stringify(name).replace(
    /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const count = (n: number): string => n.toLocaleString('en-US');
const article = (word: string): string => (/^[aeiou]/i.test(word) ? 'an' : 'a');
