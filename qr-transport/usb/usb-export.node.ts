/**
 * Writing to a USB stick (docs/usb.md): atomically, and never over an existing file.
 *
 * The name obeys the same rules as an import (usb-path.ts; every directory on the way walked with lstat,
 * no link anywhere, each opened with O_NOFOLLOW and matched by device and inode, each step taken inside
 * the descriptor of the one before: usb-fs.node.ts). Every name below is then taken inside the open
 * directory's descriptor. Then:
 * 1. the bytes go to a temporary file in the same directory, created with O_EXCL | O_NOFOLLOW, mode 0644,
 *    and fsync'd;
 * 2. `link()` gives it the final name: the kernel refuses with EEXIST if the name exists in any form
 *    (file, link, directory), which is USB_EXISTS, and the temporary file is removed;
 * 3. the temporary name is unlinked and the directory fsync'd, so the new name survives a power cut.
 * A reader of the stick sees the final name either absent or with all the bytes, never a part.
 * Any failure removes the temporary file.
 *
 * FAT and exFAT, the usual file systems of USB sticks, have no hard links (link() fails with EPERM).
 * There the `exclusive-rename` strategy is used instead: the final name is created empty with O_EXCL
 * (so an existing file is still never replaced), then the complete temporary file is renamed over that
 * placeholder of ours. A crash between the two leaves an empty file, which no Airlock reader accepts.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, link, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { UsbExistsError, UsbIoError, UsbSymlinkError } from './errors.js';
import { errnoOf, lstatOrNull, openParent } from './usb-fs.node.js';
import { usbPathSegments } from './usb-path.js';

/** How the complete temporary file gets its final name (see above). */
export type UsbWriteStrategy = 'link' | 'exclusive-rename';

export interface UsbWriteOptions {
  /**
   * `auto` (the default): `link`, and `exclusive-rename` when the file system has no hard links.
   * Naming one forces it.
   */
  readonly strategy?: UsbWriteStrategy | 'auto';
}

export interface UsbWriteReport {
  /** The name relative to the USB root. */
  readonly path: string;
  /** The absolute path written. */
  readonly fullPath: string;
  readonly bytes: number;
  readonly strategy: UsbWriteStrategy;
}

/** The permissions of an exported file: anyone may read it on the online node. */
export const EXPORT_MODE = 0o644;

const CREATE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | constants.O_NOCTTY;

/** link() errors that mean "this file system has no hard links", not "refused". */
const NO_HARD_LINKS = new Set(['EPERM', 'EOPNOTSUPP', 'ENOTSUP', 'ENOSYS']);

/** Write `bytes` to `relativeName` below `root`, atomically, refusing to replace anything. */
export async function writeUsbFileAtomic(
  root: string,
  relativeName: string,
  bytes: Uint8Array,
  options: UsbWriteOptions = {},
): Promise<UsbWriteReport> {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`"bytes" expected a Uint8Array, got ${typeof bytes}`);
  const strategy = options.strategy ?? 'auto';
  if (strategy !== 'auto' && strategy !== 'link' && strategy !== 'exclusive-rename')
    throw new RangeError(`"strategy" expected auto, link or exclusive-rename, got ${String(strategy)}`);
  const rel = relativeName;
  const segments = usbPathSegments(rel);
  const last = segments[segments.length - 1]!;
  const { rootPath, parent } = await openParent(root, segments, rel);
  const final = parent.at(last);
  let tmp: string | undefined;
  try {
    const existing = await lstatOrNull(final, rel);
    if (existing?.isSymbolicLink()) throw new UsbSymlinkError(rel, rel);
    if (existing !== null) throw new UsbExistsError(rel);

    tmp = parent.at(`.airlock-tmp-${process.pid}-${randomBytes(8).toString('hex')}`);
    await writeSynced(tmp, bytes, rel);

    let used: UsbWriteStrategy = strategy === 'exclusive-rename' ? 'exclusive-rename' : 'link';
    if (used === 'link') {
      try {
        await link(tmp, final);
      } catch (err) {
        const code = errnoOf(err);
        if (code === 'EEXIST') throw new UsbExistsError(rel);
        if (!(strategy === 'auto' && NO_HARD_LINKS.has(code))) throw new UsbIoError(rel, 'linking', code);
        used = 'exclusive-rename';
      }
    }
    if (used === 'link') await unlinkOrFail(tmp, rel);
    else await renameOverOwnPlaceholder(tmp, final, rel);
    tmp = undefined;
    try {
      await parent.handle.sync();
    } catch (err) {
      // Some file systems cannot fsync a directory (EINVAL); the file's own data was fsync'd already.
      if (errnoOf(err) !== 'EINVAL') throw new UsbIoError(rel, 'syncing the directory of', errnoOf(err));
    }
    return { path: rel, fullPath: join(rootPath, ...segments), bytes: bytes.length, strategy: used };
  } finally {
    if (tmp !== undefined) await unlink(tmp).catch(() => undefined);
    await parent.close();
  }
}

/** Create `path` exclusively (mode 0644), write all of `bytes`, fsync, close. */
async function writeSynced(path: string, bytes: Uint8Array, rel: string): Promise<void> {
  let fh: FileHandle;
  try {
    fh = await open(path, CREATE_FLAGS, EXPORT_MODE);
  } catch (err) {
    throw new UsbIoError(rel, 'creating a temporary file for', errnoOf(err));
  }
  try {
    try {
      await fh.chmod(EXPORT_MODE); // the umask may have taken bits away
    } catch (err) {
      if (errnoOf(err) !== 'EPERM') throw err; // FAT: no permissions to set
    }
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await fh.write(bytes, written, bytes.length - written, written);
      if (bytesWritten === 0) throw new UsbIoError(rel, 'writing', 'no progress (0 bytes written)');
      written += bytesWritten;
    }
    await fh.sync();
  } catch (err) {
    if (err instanceof UsbIoError) throw err;
    throw new UsbIoError(rel, 'writing', errnoOf(err));
  } finally {
    await fh.close();
  }
}

async function unlinkOrFail(path: string, rel: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    throw new UsbIoError(rel, 'removing the temporary file of', errnoOf(err));
  }
}

/** The exclusive-rename strategy: an empty placeholder created with O_EXCL, then rename() over it. */
async function renameOverOwnPlaceholder(tmp: string, final: string, rel: string): Promise<void> {
  let placeholder: FileHandle;
  try {
    placeholder = await open(final, CREATE_FLAGS, EXPORT_MODE);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'EEXIST') throw new UsbExistsError(rel);
    throw new UsbIoError(rel, 'creating', code);
  }
  await placeholder.close();
  try {
    await rename(tmp, final);
  } catch (err) {
    await unlink(final).catch(() => undefined); // our own empty placeholder
    throw new UsbIoError(rel, 'renaming into place', errnoOf(err));
  }
}
