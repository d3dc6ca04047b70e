/**
 * The dense frame layout (frame.ts, docs/transport.md "Dense frames"): every field at its documented
 * offset, CRC-32 as zlib computes it, and a parser that refuses every damaged, truncated, extended or
 * inconsistent frame.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { crc32 as zlibCrc32 } from 'node:zlib';
import QRCode from 'qrcode';
import { readVector } from '../../test-support/paths.js';
import { crc32 } from '../crc32.js';
import { DenseEncoder } from './encoder.js';
import { REPAIR_TAG } from './fountain.js';
import {
  DEFAULT_DENSE_FRAGMENT_LENGTH,
  DENSE_LIMITS,
  FRAME_OVERHEAD,
  HEADER_BYTES,
  OFFSET,
  parseDenseFrame,
} from './frame.js';

interface Crc32Vector {
  readonly inputUtf8?: string;
  readonly inputHex?: string;
  readonly crc32Hex: string;
}

test('CRC-32: check value 0xCBF43926 and the Blockchain Commons vectors', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  const vectors = readVector<{ crc32: Crc32Vector[] }>('bc-ur/bc-ur_test_vectors.json').crc32;
  assert.ok(vectors.length >= 2);
  for (const v of vectors) {
    const input =
      v.inputUtf8 !== undefined
        ? new TextEncoder().encode(v.inputUtf8)
        : Uint8Array.from(Buffer.from(v.inputHex!, 'hex'));
    assert.equal(crc32(input).toString(16).padStart(8, '0'), v.crc32Hex);
  }
});

function be32(b: Uint8Array, at: number): number {
  return new DataView(b.buffer, b.byteOffset).getUint32(at);
}
function be16(b: Uint8Array, at: number): number {
  return new DataView(b.buffer, b.byteOffset).getUint16(at);
}

test('layout: magic A1 7C, version 2, flags, SHA-256, lengths, K, L, seqNum, data, CRC-32 at the documented offsets', () => {
  const payload = new Uint8Array(250).map((_, i) => (i * 37 + 11) & 0xff);
  const enc = new DenseEncoder(payload, { fragmentLength: 100, compress: false });
  const digest = createHash('sha256').update(payload).digest();
  for (let seq = 0; seq < 5; seq++) {
    const f = enc.frame(seq);
    assert.equal(f.length, FRAME_OVERHEAD + 84); // 250 bytes in 3 even fragments of 84 (the last padded)
    assert.deepEqual([...f.subarray(0, 4)], [0xa1, 0x7c, 0x02, 0x00]);
    assert.deepEqual(Buffer.from(f.subarray(4, 36)), digest);
    assert.equal(be32(f, 36), 250);
    assert.equal(be32(f, 40), 250);
    assert.equal(be16(f, 44), 3);
    assert.equal(be16(f, 46), 84);
    assert.equal(be32(f, 48), seq);
    assert.equal(be32(f, 52 + 84), zlibCrc32(f.subarray(0, 52 + 84)));
    if (seq < 3) {
      const expected = new Uint8Array(84);
      expected.set(payload.subarray(seq * 84, Math.min(250, seq * 84 + 84)));
      assert.deepEqual(f.subarray(52, 52 + 84), expected, `plain frame ${seq} carries fragment ${seq}`);
    }
  }
  assert.equal(HEADER_BYTES, 52);
  assert.deepEqual(OFFSET, {
    magic: 0,
    version: 2,
    flags: 3,
    sha256: 4,
    originalLength: 36,
    sentLength: 40,
    fragmentCount: 44,
    fragmentLength: 46,
    seqNum: 48,
    data: 52,
  });
});

test('compressed transfers set flag bit 0 and announce the original and the sent length', () => {
  const json = new TextEncoder().encode(
    JSON.stringify({ withdrawals: Array.from({ length: 50 }, (_, i) => ({ i })) }),
  );
  const enc = new DenseEncoder(json);
  const f = enc.frame(0);
  assert.equal(f[3], 0x01);
  assert.equal(be32(f, 36), json.length);
  assert.ok(be32(f, 40) < json.length);
});

test('every single bit flip of a frame is refused (CRC-32, magic or version)', () => {
  const enc = new DenseEncoder(new TextEncoder().encode('airlock dense frame'), { compress: false });
  const frame = enc.frame(0);
  assert.ok(parseDenseFrame(frame).ok);
  let refused = 0;
  for (let byte = 0; byte < frame.length; byte++) {
    for (let bit = 0; bit < 8; bit++) {
      const bad = frame.slice();
      bad[byte]! ^= 1 << bit;
      const r = parseDenseFrame(bad);
      assert.equal(r.ok, false, `flip of bit ${bit} of byte ${byte} was accepted`);
      refused++;
    }
  }
  assert.equal(refused, frame.length * 8);
});

test('truncated and extended frames are refused', () => {
  const frame = new DenseEncoder(new Uint8Array(300).fill(7), { fragmentLength: 64, compress: false }).frame(
    2,
  );
  for (let len = 0; len < frame.length; len++) {
    const r = parseDenseFrame(frame.subarray(0, len));
    assert.equal(r.ok, false, `a ${len}-byte prefix was accepted`);
    if (len >= 2) assert.notEqual(r.ok ? '' : r.reason, 'not-dense');
  }
  const longer = new Uint8Array(frame.length + 1);
  longer.set(frame);
  assert.deepEqual(parseDenseFrame(longer), { ok: false, reason: 'bad-length' });
});

/** Rewrites a header field and recomputes the CRC, as a hostile (not a damaged) frame would. */
function forge(frame: Uint8Array, edit: (view: DataView, bytes: Uint8Array) => void): Uint8Array {
  const f = frame.slice();
  const view = new DataView(f.buffer);
  edit(view, f);
  const body = f.length - 4;
  view.setUint32(body, crc32(f, 0, body));
  return f;
}

test('frames with a valid CRC but inconsistent or out-of-range fields are refused as bad-header', () => {
  const frame = new DenseEncoder(new Uint8Array(1000).fill(3), {
    fragmentLength: 100,
    compress: false,
  }).frame(0);
  assert.ok(parseDenseFrame(frame).ok);
  const cases: [string, (v: DataView, b: Uint8Array) => void][] = [
    ['reserved flag bit 2', (_v, b) => (b[3] = 0x04)],
    ['reserved flag bit 7', (_v, b) => (b[3] = 0x80)],
    ['compressed but not smaller', (_v, b) => (b[3] = 0x01)],
    ['original length 0', (v) => v.setUint32(36, 0)],
    ['original length above 16 MiB', (v) => v.setUint32(36, DENSE_LIMITS.maxPayloadBytes + 1)],
    ['sent length differs (uncompressed)', (v) => v.setUint32(40, 999)],
    ['K inconsistent with the lengths', (v) => v.setUint16(44, 11)],
    ['K zero', (v) => v.setUint16(44, 0)],
  ];
  for (const [what, edit] of cases) {
    assert.deepEqual(parseDenseFrame(forge(frame, edit)), { ok: false, reason: 'bad-header' }, what);
  }
  for (const version of [0, 3, 0xff]) {
    const other = forge(frame, (_v, b) => (b[2] = version));
    assert.deepEqual(parseDenseFrame(other), { ok: false, reason: 'unknown-version' }, `version ${version}`);
  }
  // Version 1 knew only the compression flag: bit 1 is reserved there.
  const v1 = forge(frame, (_v, b) => (b[2] = 1));
  assert.equal(parseDenseFrame(v1).ok, true);
  assert.deepEqual(parseDenseFrame(forge(v1, (_v, b) => (b[3] = 0x02))), { ok: false, reason: 'bad-header' });
  assert.deepEqual(parseDenseFrame(new TextEncoder().encode('UR:BYTES/ABC')), {
    ok: false,
    reason: 'not-dense',
  });
});

test('a fragment length above 2897 cannot be encoded, and a frame claiming one cannot be parsed', () => {
  assert.equal(DENSE_LIMITS.maxFragmentLength, 2897);
  assert.throws(() => new DenseEncoder(new Uint8Array(10), { fragmentLength: 2898 }), {
    code: 'DENSE_INVALID_OPTION',
  });
  assert.throws(() => new DenseEncoder(new Uint8Array(10), { fragmentLength: 0 }), {
    code: 'DENSE_INVALID_OPTION',
  });
  const big = new Uint8Array(FRAME_OVERHEAD + 2898);
  big.set([0xa1, 0x7c, 1, 0]);
  new DataView(big.buffer).setUint16(46, 2898);
  const view = new DataView(big.buffer);
  view.setUint32(36, 2898);
  view.setUint32(40, 2898);
  view.setUint16(44, 1);
  view.setUint32(big.length - 4, crc32(big, 0, big.length - 4));
  assert.deepEqual(parseDenseFrame(big), { ok: false, reason: 'bad-header' });
});

test('the largest frame fits a version-40-L QR code, the default one version 25-L / 29-M', () => {
  const largest = new DenseEncoder(
    new Uint8Array(2 * 2897).map((_, i) => i * 7),
    {
      fragmentLength: DENSE_LIMITS.maxFragmentLength,
      compress: false,
    },
  ).frame(0);
  assert.equal(largest.length, 2953);
  assert.equal(QRCode.create([{ data: largest, mode: 'byte' }], { errorCorrectionLevel: 'L' }).version, 40);
  const enc = new DenseEncoder(
    new Uint8Array(12_000).map((_, i) => (i * 131) ^ (i >> 3)),
    { compress: false },
  );
  assert.equal(enc.frameBytes, FRAME_OVERHEAD + DEFAULT_DENSE_FRAGMENT_LENGTH);
  const f = enc.frame(0);
  assert.equal(QRCode.create([{ data: f, mode: 'byte' }], { errorCorrectionLevel: 'L' }).version, 25);
  assert.equal(QRCode.create([{ data: f, mode: 'byte' }], { errorCorrectionLevel: 'M' }).version, 29);
});

test('flags bit 1 marks GF(2) repair frames; version 1 frames read as GF(2); a GF(256) frame is capped at K = 1000', () => {
  const payload = new Uint8Array(1500).map((_, i) => i * 31);
  const gf256 = parseDenseFrame(
    new DenseEncoder(payload, { fragmentLength: 100, compress: false }).frame(20),
  );
  assert.ok(gf256.ok);
  assert.equal(gf256.frame.version, 2);
  assert.equal(gf256.frame.repairField, 'gf256');
  const gf2Frame = new DenseEncoder(payload, {
    fragmentLength: 100,
    compress: false,
    repairField: 'gf2',
  }).frame(20);
  assert.equal(gf2Frame[3], 0x02);
  const gf2 = parseDenseFrame(gf2Frame);
  assert.ok(gf2.ok);
  assert.equal(gf2.frame.repairField, 'gf2');
  const v1 = parseDenseFrame(
    forge(gf2Frame, (_v, b) => {
      b[2] = 1;
      b[3] = 0;
    }),
  );
  assert.ok(v1.ok);
  assert.deepEqual([v1.frame.version, v1.frame.repairField], [1, 'gf2']);

  // A hostile GF(256) frame announcing 1,001 one-byte fragments (the sender's encoder would use GF(2)).
  const big = new DenseEncoder(
    new Uint8Array(1001).map((_, i) => i),
    {
      fragmentLength: 1,
      compress: false,
    },
  ).frame(0);
  assert.equal(big[3], 0x02);
  assert.equal(parseDenseFrame(big).ok, true);
  assert.deepEqual(parseDenseFrame(forge(big, (_v, b) => (b[3] = 0))), { ok: false, reason: 'bad-header' });
  const at1000 = new DenseEncoder(
    new Uint8Array(1000).map((_, i) => i),
    { fragmentLength: 1, compress: false },
  );
  assert.equal(at1000.frame(0)[3], 0x00);
  assert.equal(parseDenseFrame(at1000.frame(1000)).ok, true);
  assert.equal(DENSE_LIMITS.maxGf256FragmentCount, 1000);
  assert.equal(REPAIR_TAG, 'airlock-dense-v2/repair');
});
