/**
 * Reading from a USB stick (docs/usb.md): `readUsbFile` reads one file below the USB root, refusing every
 * path attack a hostile stick can mount; `listUsbFiles` says what the stick offers, following nothing.
 *
 * Rules, in order (each refusal is its own typed error, errors.ts):
 * 1. the root exists, is a directory and is not a symbolic link (USB_ROOT_INVALID);
 * 2. the name is relative and has no `..` (USB_PATH_OUTSIDE_ROOT) nor odd segments (USB_PATH_INVALID);
 * 3. every component is walked with lstat, each directory opened (O_NOFOLLOW, device and inode matched)
 *    and the next component looked up inside that descriptor (usb-fs.node.ts): a link anywhere is
 *    USB_SYMLINK, a missing component USB_NOT_FOUND, a swapped one USB_FILE_CHANGED;
 * 4. the last one must be a regular file (USB_NOT_REGULAR_FILE: directory, device, FIFO, socket) no
 *    larger than `maxBytes` (USB_TOO_LARGE);
 * 5. it is opened with O_NOFOLLOW | O_NONBLOCK and its fstat must be a regular file with the lstat's
 *    device and inode (USB_FILE_CHANGED) and size within the limit;
 * 6. it is read through that one descriptor, and reading stops one byte past the limit: a file that
 *    grows after the fstat is refused too (USB_TOO_LARGE), never read without bound.
 * Whatever is read is still untrusted: the caller parses and verifies it before use.
 */
import { type FileHandle, open, readdir } from 'node:fs/promises';
import {
  UsbFileChangedError,
  UsbIoError,
  UsbNotFoundError,
  UsbNotRegularFileError,
  UsbSymlinkError,
  UsbTooLargeError,
} from './errors.js';
import {
  describeType,
  entryType,
  errnoOf,
  lstatOrNull,
  openChildDir,
  openParent,
  openUsbRoot,
  READ_FLAGS,
  requireRegularFile,
  sameFile,
  type UsbDir,
  type UsbEntryType,
} from './usb-fs.node.js';
import { MAX_DEPTH, usbPathSegments } from './usb-path.js';

export interface UsbReadOptions {
  /** The most bytes the file may hold; a larger file is refused before and while reading. */
  readonly maxBytes: number;
}

/** A file on the stick, opened after every check passed. Read it through this object only; then close it. */
export interface UsbFile {
  /** The name relative to the USB root. */
  readonly path: string;
  /** Its size when opened (fstat). */
  readonly size: number;
  /** The whole file, at most `maxBytes` (USB_TOO_LARGE if it holds more, even if it grew since the open). */
  readAll(): Promise<Uint8Array>;
  /** At most the first `bytes` bytes (for a look at a header), whatever the file's size. */
  readHead(bytes: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

function checkMaxBytes(maxBytes: unknown): number {
  if (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes < 0)
    throw new RangeError(`"maxBytes" expected a non-negative safe integer, got ${String(maxBytes)}`);
  return maxBytes;
}

/** Open `relativePath` below `root` after every check of the rules above. */
export async function openUsbFile(
  root: string,
  relativePath: string,
  options: UsbReadOptions,
): Promise<UsbFile> {
  const maxBytes = checkMaxBytes(options?.maxBytes);
  const segments = usbPathSegments(relativePath);
  const { parent } = await openParent(root, segments, relativePath);
  try {
    const at = parent.at(segments[segments.length - 1]!);
    const checked = await lstatOrNull(at, relativePath);
    if (checked === null) throw new UsbNotFoundError(relativePath);
    requireRegularFile(checked, relativePath);
    if (checked.size > BigInt(maxBytes))
      throw new UsbTooLargeError(relativePath, maxBytes, Number(checked.size));

    let handle: FileHandle;
    try {
      handle = await open(at, READ_FLAGS);
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ELOOP') throw new UsbSymlinkError(relativePath, relativePath);
      if (code === 'ENOENT') throw new UsbNotFoundError(relativePath, 'it disappeared while it was checked');
      throw new UsbIoError(relativePath, 'opening', code);
    }
    try {
      const st = await handle.stat({ bigint: true });
      if (!st.isFile()) throw new UsbNotRegularFileError(relativePath, describeType(st));
      if (!sameFile(st, checked)) throw new UsbFileChangedError(relativePath);
      if (st.size > BigInt(maxBytes)) throw new UsbTooLargeError(relativePath, maxBytes, Number(st.size));
      return openedFile(handle, relativePath, Number(st.size), maxBytes);
    } catch (err) {
      await handle.close();
      throw err;
    }
  } finally {
    await parent.close();
  }
}

function openedFile(handle: FileHandle, path: string, size: number, maxBytes: number): UsbFile {
  let closed = false;
  const readUpTo = async (limit: number, refuseBeyond: boolean): Promise<Uint8Array> => {
    // One byte past the limit tells "exactly the limit" from "more than the limit".
    const cap = refuseBeyond ? limit + 1 : limit;
    let buffer = new Uint8Array(Math.min(cap, Math.max(size + 1, 1)));
    let filled = 0;
    for (;;) {
      if (filled === buffer.length) {
        if (buffer.length >= cap) break;
        const grown = new Uint8Array(Math.min(cap, buffer.length * 2));
        grown.set(buffer);
        buffer = grown;
      }
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled));
      } catch (err) {
        throw new UsbIoError(path, 'reading', errnoOf(err));
      }
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (refuseBeyond && filled > limit) throw new UsbTooLargeError(path, limit, filled, true);
    return buffer.subarray(0, filled);
  };
  return {
    path,
    size,
    readAll: () => readUpTo(maxBytes, true),
    readHead: (bytes) => readUpTo(checkMaxBytes(bytes), false),
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}

/** Read the whole of `relativePath` below `root` (see the rules above). */
export async function readUsbFile(
  root: string,
  relativePath: string,
  options: UsbReadOptions,
): Promise<Uint8Array> {
  const file = await openUsbFile(root, relativePath, options);
  try {
    return await file.readAll();
  } finally {
    await file.close();
  }
}

// --- listing -----------------------------------------------------------------------------------------

export interface UsbEntry {
  /** Relative to the USB root, `/`-separated. */
  readonly path: string;
  /** What lstat says it is: links are reported, never followed. */
  readonly type: UsbEntryType;
  /** Bytes (lstat); 0 for anything but a regular file. */
  readonly size: number;
}

export interface UsbListing {
  /** The USB root, absolute. */
  readonly root: string;
  /** Sorted by path. */
  readonly entries: readonly UsbEntry[];
  /** True when the listing stopped at `maxEntries`. */
  readonly truncated: boolean;
}

export interface UsbListOptions {
  /** Entries listed at most (a stick may hold millions); 10,000 by default. */
  readonly maxEntries?: number;
  /** Directory levels below the root descended into (as deep as a name may reach); MAX_DEPTH (8) at most, the default. */
  readonly maxDepth?: number;
}

/**
 * Everything below `root`, walked with lstat only: directories are descended into, links and special
 * files are listed as what they are and never followed or opened.
 */
export async function listUsbFiles(root: string, options: UsbListOptions = {}): Promise<UsbListing> {
  const maxEntries = checkMaxBytes(options.maxEntries ?? 10_000);
  const maxDepth = Math.min(checkMaxBytes(options.maxDepth ?? MAX_DEPTH), MAX_DEPTH);
  const rootDir = await openUsbRoot(root);
  const entries: UsbEntry[] = [];
  let truncated = false;

  /** List the open directory `dir` (its entries are at level depth + 1), descending into real directories. */
  const walk = async (dir: UsbDir, depth: number): Promise<void> => {
    const prefix = dir.shown === '.' ? '' : dir.shown;
    let names: string[];
    try {
      names = (await readdir(dir.at('.'))).sort();
    } catch (err) {
      throw new UsbIoError(dir.shown, 'listing', errnoOf(err));
    }
    for (const name of names) {
      if (entries.length >= maxEntries) {
        truncated = true;
        return;
      }
      const rel = prefix ? `${prefix}/${name}` : name;
      const st = await lstatOrNull(dir.at(name), rel);
      if (st === null) continue; // removed meanwhile
      const type = entryType(st);
      entries.push({ path: rel, type, size: type === 'file' ? Number(st.size) : 0 });
      if (type === 'directory' && depth + 1 <= maxDepth) {
        const child = await openChildDir(dir, name, rel);
        try {
          await walk(child, depth + 1);
        } finally {
          await child.close();
        }
      }
      if (truncated) return;
    }
  };
  try {
    await walk(rootDir, 0);
  } finally {
    await rootDir.close();
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { root: rootDir.path, entries, truncated };
}
