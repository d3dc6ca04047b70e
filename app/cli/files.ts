/** File I/O for the CLI: bounded reads and atomic, never-overwriting writes. */
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { UsageError } from './command.js';

/** Read a whole file, refusing anything that is not a regular file or is larger than `maxBytes`. */
export function readInputFile(path: string, maxBytes: number): Buffer {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new UsageError(`${path} is not a regular file`);
    size = st.size;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  if (size > maxBytes) throw new UsageError(`${path} is ${size} bytes, more than the ${maxBytes}-byte limit`);
  return readFileSync(path);
}

/**
 * Write `data` to `path` atomically without ever replacing an existing file: write a temporary file,
 * fsync it, then hard-link it into place (link fails if `path` exists) and remove the temporary name.
 */
export function writeNewFileAtomic(path: string, data: string | Uint8Array): void {
  if (existsSync(path)) throw new UsageError(`${path} already exists; Airlock never overwrites an output`);
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
  } catch (err) {
    throw new UsageError(
      `cannot create ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  } finally {
    unlinkSync(tmp);
  }
}
