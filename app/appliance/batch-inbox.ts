/**
 * The batches imported on this appliance by the operator console: `$AIRLOCK_HOME/batches/<digest>.json`,
 * each exactly the bytes that were scanned or read from USB, written atomically and never replaced.
 * The file name is the digest the console refers to; reading checks that the bytes hash to it, and
 * every use inspects them afresh (they are not trusted because they are stored here).
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
import { bytesToHex } from '@noble/hashes/utils.js';
import { batchDigest, LIMITS, parseBatch } from '../../signer/format/index.js';
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

/**
 * The kept bytes of the batch with this digest, checked to hash to it (a file edited or swapped on
 * disk is refused here, before anything acts on the digest the operator chose).
 */
export function keptBatch(layout: HomeLayout, digest: string): Uint8Array {
  const path = inboxPath(layout, digest);
  if (!existsSync(path))
    throw new BatchNotImportedError(`batch ${digest.slice(0, 16)}… was not imported on this appliance`);
  const size = statSync(path).size;
  if (size > LIMITS.maxBatchBytes)
    throw new ConfigError(`${path}: ${size} bytes, above the batch limit of ${LIMITS.maxBatchBytes}`);
  const bytes = Uint8Array.from(readFileSync(path));
  let found: string;
  try {
    found = bytesToHex(batchDigest(parseBatch(bytes)));
  } catch (err) {
    throw new ConfigError(`${path}: the kept batch no longer reads as a batch (${(err as Error).message})`);
  }
  if (found !== digest) throw new ConfigError(`${path}: the kept batch hashes to ${found}, not to its name`);
  return bytes;
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
