/**
 * The file-system checks shared by USB import and export (docs/usb.md, "Rules"), Node only.
 *
 * The stick is hostile: any name on it may be a symbolic link, a device, a FIFO, or be swapped for one
 * between a check and a use. So a path below the USB root is walked one component at a time, each
 * component looked at with `lstat` (never `stat`) and then opened with O_NOFOLLOW, its descriptor's
 * `fstat` device and inode matched with the `lstat` ones: a link swapped in after the lstat fails the
 * open with ELOOP, anything else swapped in fails the match. Each step is taken *inside the directory
 * descriptor of the step before* (`/proc/self/fd/<fd>/<name>`, openat(2) semantics): checking the
 * directories by path, then opening the file by path, is not enough, since a directory swapped for a
 * link between the two makes the file's own lstat and open both land outside the root, on the same
 * inode (the race test in usb-hostile-stick.node.test.ts found exactly that). Files are opened with
 * O_NONBLOCK too (a FIFO swapped in cannot block the open). Everything after that goes through the one
 * descriptor. Linux only (the appliance runs Debian), as /proc/self/fd is.
 */
import { type BigIntStats, constants, existsSync } from 'node:fs';
import { type FileHandle, lstat, open } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  show,
  UsbFileChangedError,
  UsbIoError,
  UsbNotFoundError,
  UsbNotRegularFileError,
  UsbPathInvalidError,
  UsbRootInvalidError,
  UsbSymlinkError,
} from './errors.js';

/** Where removable volumes are mounted when neither `--usb-root` nor `AIRLOCK_USB_ROOT` says (Debian: /media/<user>/<label>). */
export const DEFAULT_USB_ROOT = '/media';

/** The USB root in force: the flag, else `AIRLOCK_USB_ROOT`, else /media. Resolved to an absolute path. */
export function resolveUsbRoot(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined && flag.length > 0) return resolve(flag);
  const fromEnv = env.AIRLOCK_USB_ROOT?.trim();
  return resolve(fromEnv ? fromEnv : DEFAULT_USB_ROOT);
}

export type UsbEntryType =
  | 'file'
  | 'directory'
  | 'symlink'
  | 'fifo'
  | 'socket'
  | 'character-device'
  | 'block-device'
  | 'other';

export function entryType(st: BigIntStats): UsbEntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'character-device';
  if (st.isBlockDevice()) return 'block-device';
  return 'other';
}

/** Operator words for what is not a regular file. */
export function describeType(st: BigIntStats): string {
  const t = entryType(st);
  switch (t) {
    case 'fifo':
      return 'FIFO (named pipe)';
    case 'character-device':
      return 'character device';
    case 'block-device':
      return 'block device';
    case 'symlink':
      return 'symbolic link';
    case 'other':
      return 'special file';
    case 'file':
    case 'directory':
    case 'socket':
      return t;
    default:
      return missingCaseError(t);
  }
}

function missingCaseError(x: never): never {
  throw new TypeError(`unexpected entry type ${String(x)}`);
}

export function errnoOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : ((err as Error | undefined)?.message ?? String(err));
}

/** Same file: device and inode (bigint, so a 64-bit inode is compared exactly). */
export function sameFile(a: BigIntStats, b: BigIntStats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/**
 * A directory of the stick held open. `at(name)` is the path of `name` inside *this* directory,
 * `/proc/self/fd/<fd>/<name>`: the kernel resolves the descriptor's directory itself, whatever has been
 * renamed or swapped for a link since, so each step of a walk is relative to the step before (openat(2)
 * semantics, which Node does not expose).
 */
export interface UsbDir {
  readonly handle: FileHandle;
  /** lstat of the directory, matched against the descriptor's fstat. */
  readonly stat: BigIntStats;
  /** Relative to the USB root, "." for the root. */
  readonly shown: string;
  at(name: string): string;
  close(): Promise<void>;
}

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

function fdPath(handle: FileHandle, name?: string): string {
  return name === undefined ? `/proc/self/fd/${handle.fd}` : `/proc/self/fd/${handle.fd}/${name}`;
}

function usbDir(handle: FileHandle, stat: BigIntStats, shown: string): UsbDir {
  let closed = false;
  return {
    handle,
    stat,
    shown,
    at: (name) => fdPath(handle, name),
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}

/**
 * Open the USB root: it must exist, be a directory and not itself be a symbolic link (give the mount
 * point, not a link to it); the descriptor must be the directory that lstat saw.
 */
export async function openUsbRoot(root: string): Promise<UsbDir & { readonly path: string }> {
  if (typeof root !== 'string' || root.trim().length === 0)
    throw new UsbRootInvalidError(String(root), 'is empty; give the mount point of the USB stick');
  if (root.includes('\0')) throw new UsbRootInvalidError(root, 'contains a NUL character');
  // resolve() also drops a trailing "/", which would make lstat follow a link at the root.
  const path = resolve(root);
  if (process.platform !== 'linux' || !existsSync('/proc/self/fd'))
    throw new UsbIoError(
      path,
      'opening the USB root',
      'Airlock walks a USB stick through Linux /proc/self/fd, which is not available',
    );
  let st: BigIntStats;
  try {
    st = await lstat(path, { bigint: true });
  } catch (err) {
    const code = errnoOf(err);
    throw new UsbRootInvalidError(
      path,
      code === 'ENOENT' || code === 'ENOTDIR'
        ? 'does not exist: is the USB stick mounted?'
        : `cannot be examined (${code})`,
    );
  }
  if (st.isSymbolicLink())
    throw new UsbRootInvalidError(path, 'is a symbolic link; give the mount point itself');
  if (!st.isDirectory()) throw new UsbRootInvalidError(path, `is a ${describeType(st)}, not a directory`);
  let handle: FileHandle;
  try {
    handle = await open(path, DIR_FLAGS);
  } catch (err) {
    throw new UsbRootInvalidError(path, `cannot be opened (${errnoOf(err)})`);
  }
  try {
    if (!sameFile(await handle.stat({ bigint: true }), st))
      throw new UsbRootInvalidError(path, 'was replaced while it was opened');
  } catch (err) {
    await handle.close();
    throw err;
  }
  return Object.assign(usbDir(handle, st, '.'), { path });
}

/** lstat, or null when nothing is there. Other failures are USB_IO_ERROR. */
export async function lstatOrNull(full: string, relativePath: string): Promise<BigIntStats | null> {
  try {
    return await lstat(full, { bigint: true });
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    if (code === 'ENAMETOOLONG')
      throw new UsbPathInvalidError(relativePath, 'the system says it is too long');
    throw new UsbIoError(relativePath, 'examining', code);
  }
}

/**
 * Open the directory `name` inside `parent`: lstat it (no link, a directory), open it with
 * O_DIRECTORY | O_NOFOLLOW relative to the parent's descriptor, and match device and inode.
 */
export async function openChildDir(parent: UsbDir, name: string, relativePath: string): Promise<UsbDir> {
  const shown = parent.shown === '.' ? name : `${parent.shown}/${name}`;
  const st = await lstatOrNull(parent.at(name), relativePath);
  if (st === null) throw new UsbNotFoundError(relativePath, `there is no directory ${show(shown)}`);
  if (st.isSymbolicLink()) throw new UsbSymlinkError(relativePath, shown);
  if (!st.isDirectory())
    throw new UsbNotFoundError(relativePath, `${show(shown)} is a ${describeType(st)}, not a directory`);
  let handle: FileHandle;
  try {
    handle = await open(parent.at(name), DIR_FLAGS);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ELOOP') throw new UsbSymlinkError(relativePath, shown);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UsbFileChangedError(shown);
    throw new UsbIoError(relativePath, `opening the directory ${show(shown)} for`, code);
  }
  try {
    if (!sameFile(await handle.stat({ bigint: true }), st)) throw new UsbFileChangedError(shown);
  } catch (err) {
    await handle.close();
    throw err;
  }
  return usbDir(handle, st, shown);
}

/**
 * Open every directory of `segments` (all but the last) from the root down, each relative to the one
 * before. Returns the root's absolute path and the last directory, open (close it); the ones on the
 * way are closed.
 */
export async function openParent(
  root: string,
  segments: readonly string[],
  relativePath: string,
): Promise<{ rootPath: string; parent: UsbDir }> {
  const rootDir = await openUsbRoot(root);
  let dir: UsbDir = rootDir;
  try {
    for (const name of segments.slice(0, -1)) {
      const next = await openChildDir(dir, name, relativePath);
      await dir.close();
      dir = next;
    }
  } catch (err) {
    await dir.close();
    throw err;
  }
  return { rootPath: rootDir.path, parent: dir };
}

/** Refuse anything but a regular file (the lstat of the last component). */
export function requireRegularFile(st: BigIntStats, relativePath: string): void {
  if (st.isSymbolicLink()) throw new UsbSymlinkError(relativePath, relativePath);
  if (!st.isFile()) throw new UsbNotRegularFileError(relativePath, describeType(st));
}

/** Flags for reading a file that was checked with lstat: never follow a link, never block, never a tty. */
export const READ_FLAGS =
  constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;
