/**
 * `airlock qr encode | decode | show` as a user runs them, on real files in a temporary directory:
 * a payload encoded to a y4m video (or PNG frames) and decoded back is the same bytes, for the dense
 * and the UR format; an incomplete recording is refused with a typed error and writes nothing; outputs
 * are never overwritten.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { repoRoot } from '../../test-support/paths.js';
import { EXIT } from './exit-codes.js';

let dir: string;

function airlock(args: string[]) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'airlock.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, AIRLOCK_HOME: join(dir, 'home') },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-qr-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function payloadFile(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

test('dense: encode to y4m, decode back the identical bytes (several fragments, repair frames included)', () => {
  const payload = randomBytes(6000); // incompressible: 5 fragments of at most 1200 bytes
  const input = payloadFile('dense.bin', payload);
  const video = join(dir, 'dense.y4m');
  const enc = airlock(['qr', 'encode', input, '--out', video, '--format', 'dense', '--fps', '12']);
  assert.equal(enc.code, EXIT.OK, enc.stderr);
  assert.match(enc.stdout, /wrote 8 frames .*dense, 5 fragment\(s\) of a 6000-byte payload/);
  const header = readFileSync(video).subarray(0, 64).toString('latin1');
  assert.ok(header.startsWith('YUV4MPEG2 W1280 H720 F12:1 Ip A1:1 C420jpeg\nFRAME\n'), header);

  const output = join(dir, 'dense.out');
  const dec = airlock(['qr', 'decode', video, '--out', output]);
  assert.equal(dec.code, EXIT.OK, dec.stderr);
  assert.deepEqual(readFileSync(output), payload);
  assert.match(dec.stdout, new RegExp(`6000 bytes\\tdense\\tsha256 ${bytesToHex(sha256(payload))}`));
  assert.match(dec.stderr, /complete \(dense\)/);
  // Refuses to overwrite what it wrote.
  const again = airlock(['qr', 'decode', video, '--out', output]);
  assert.equal(again.code, EXIT.USAGE);
  assert.match(again.stderr, /already exists/);
});

test('UR (crypto-psbt): encode to y4m, decode back the identical bytes and the UR type', () => {
  const payload = randomBytes(1000);
  const input = payloadFile('psbt.bin', payload);
  const video = join(dir, 'ur.y4m');
  const enc = airlock(['qr', 'encode', input, '--out', video, '--format', 'ur', '--ur-type', 'crypto-psbt']);
  assert.equal(enc.code, EXIT.OK, enc.stderr);
  assert.match(enc.stdout, /ur, 6 fragment\(s\)/);
  const output = join(dir, 'ur.out');
  const dec = airlock(['qr', 'decode', video, '--out', output]);
  assert.equal(dec.code, EXIT.OK, dec.stderr);
  assert.deepEqual(readFileSync(output), payload);
  assert.match(dec.stdout, /1000 bytes\tur ur:crypto-psbt\t/);
});

test('PNG frames: a directory of numbered PNGs decodes, as a directory or as files in any order', () => {
  const withdrawals = Array.from({ length: 20 }, (_, i) => ({
    id: `w${i}`,
    txid: randomBytes(32).toString('hex'),
  }));
  const payload = new TextEncoder().encode(JSON.stringify({ withdrawals }));
  const input = payloadFile('batch.json', payload);
  const frames = join(dir, 'frames');
  const enc = airlock([
    'qr',
    'encode',
    input,
    '--out',
    frames,
    '--fragment-length',
    '300',
    '--repeat-factor',
    '1',
  ]);
  assert.equal(enc.code, EXIT.OK, enc.stderr);
  const names = readdirSync(frames);
  assert.ok(names.length >= 2 && names.every((n) => /^frame-\d{5}\.png$/.test(n)), names.join(' '));
  const fromDir = airlock(['qr', 'decode', frames, '--out', join(dir, 'batch.dir.out')]);
  assert.equal(fromDir.code, EXIT.OK, fromDir.stderr);
  assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'batch.dir.out'))), payload);
  const reversed = names.map((n) => join(frames, n)).reverse();
  const fromFiles = airlock(['qr', 'decode', ...reversed, '--out', join(dir, 'batch.files.out')]);
  assert.equal(fromFiles.code, EXIT.OK, fromFiles.stderr);
  assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'batch.files.out'))), payload);
  // An existing non-empty directory is never written into.
  const over = airlock(['qr', 'encode', input, '--out', frames]);
  assert.equal(over.code, EXIT.USAGE);
  assert.deepEqual(readdirSync(frames), names);
});

test('an incomplete recording is refused (TRANSFER_INCOMPLETE, exit 3) and writes nothing', () => {
  const input = payloadFile('short.bin', randomBytes(3000));
  const video = join(dir, 'short.y4m');
  const enc = airlock(['qr', 'encode', input, '--out', video, '--frames', '2']);
  assert.equal(enc.code, EXIT.OK, enc.stderr);
  assert.match(enc.stderr, /fewer than the 3 fragments/);
  const output = join(dir, 'short.out');
  const dec = airlock(['qr', 'decode', video, '--out', output]);
  assert.equal(dec.code, EXIT.REFUSED, dec.stderr);
  assert.match(dec.stderr, /TransferError: the dense transfer is incomplete \(66%, at least 1 more frame/);
  assert.equal(existsSync(output), false);
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.includes('short.out')),
    [],
  );
});

test('inputs that are not frames: usage errors for unknown files, typed refusals for damaged videos', () => {
  const junk = payloadFile('junk.bin', randomBytes(500));
  const dec = airlock(['qr', 'decode', junk, '--out', join(dir, 'junk.out')]);
  assert.equal(dec.code, EXIT.USAGE);
  assert.match(dec.stderr, /neither a PNG nor a y4m video/);
  const truncated = payloadFile(
    'trunc.y4m',
    new TextEncoder().encode('YUV4MPEG2 W64 H64 F10:1 C420jpeg\nFRAME\nxyz'),
  );
  const bad = airlock(['qr', 'decode', truncated, '--out', join(dir, 'trunc.out')]);
  assert.equal(bad.code, EXIT.REFUSED);
  assert.match(bad.stderr, /ImageFormatError: the y4m stream is truncated inside frame 0/);
  const usage = airlock(['qr', 'encode', junk, '--out', join(dir, 'x.y4m'), '--ec', 'Z']);
  assert.equal(usage.code, EXIT.USAGE);
  assert.equal(existsSync(join(dir, 'x.y4m')), false);
});

test('show: a small payload is one QR code of half blocks on stdout; a large one is refused', () => {
  const small = payloadFile('small.bin', new TextEncoder().encode('airlock'));
  const r = airlock(['qr', 'show', small]);
  assert.equal(r.code, EXIT.OK, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.ok(lines.length >= 10 && lines.every((l) => /^[ ▀▄█]+$/.test(l)), r.stdout);
  assert.match(r.stderr, /ur, 7 bytes, QR version \d+ at M/);
  const large = airlock(['qr', 'show', payloadFile('large.bin', randomBytes(2000))]);
  assert.equal(large.code, EXIT.USAGE);
  assert.match(large.stderr, /too large to show as one QR code/);
});
