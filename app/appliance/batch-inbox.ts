/**
 * The batches imported on this appliance by the operator console: `$AIRLOCK_HOME/batches/<digest>.json`,
 * each exactly the bytes that were scanned or read from USB, written atomically and never replaced.
 * The file name is the digest the console refers to; every use inspects the bytes afresh (they are
 * not trusted because they are stored here), so an edited file is refused like any other bad batch.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { LIMITS } from '../../signer/format/index.js';
import { ConfigError, type HomeLayout } from '../config/home.js';

const DIGEST = /^[0-9a-f]{64}$/;

export function inboxDir(layout: HomeLayout): string {
  return join(layout.home, 'batches');
}

function inboxPath(layout: HomeLayout, digest: string): string {
  if (!DIGEST.test(digest)) throw new TypeError('"digest" expected 64 lower-case hex digits');
  return join(inboxDir(layout), `${digest}.json`);
}

/** Keep `bytes` under `digest` (fsync'd, then renamed into place). A batch already kept stays as it is. */
export function keepBatch(layout: HomeLayout, digest: string, bytes: Uint8Array): void {
  const path = inboxPath(layout, digest);
  if (existsSync(path)) return;
  mkdirSync(inboxDir(layout), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export class BatchNotImportedError extends ConfigError {
  readonly code = 'BATCH_NOT_IMPORTED';
}

/** The kept bytes of the batch with this digest. */
export function keptBatch(layout: HomeLayout, digest: string): Uint8Array {
  const path = inboxPath(layout, digest);
  if (!existsSync(path))
    throw new BatchNotImportedError(`batch ${digest.slice(0, 16)}… was not imported on this appliance`);
  const size = statSync(path).size;
  if (size > LIMITS.maxBatchBytes)
    throw new ConfigError(`${path}: ${size} bytes, above the batch limit of ${LIMITS.maxBatchBytes}`);
  return Uint8Array.from(readFileSync(path));
}

/** Digests of the kept batches and when they were kept, newest first. */
export function keptBatches(layout: HomeLayout): { digest: string; keptAt: Date }[] {
  const dir = inboxDir(layout);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^[0-9a-f]{64}\.json$/.test(f))
    .map((f) => ({ digest: f.slice(0, 64), keptAt: statSync(join(dir, f)).mtime }))
    .sort((a, b) => b.keptAt.getTime() - a.keptAt.getTime());
}
