/**
 * The scanner pool gives what scanGray gives, for codes, channel-damaged frames and garbage, in any
 * order of completion; moving buffers works; a closed pool refuses work. The shared worker protocol
 * answers malformed messages with null.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createChannel } from './channel.js';
import { ScannerError } from './errors.js';
import type { GrayImage } from './gray-image.js';
import { renderFrame } from './render.js';
import { scanGray } from './scan.js';
import { handleScanRequest } from './scan-protocol.js';
import { ScannerPool } from './scanner.node.js';

function images(): GrayImage[] {
  const enc = new TextEncoder();
  const ch = createChannel({ seed: 4, blur: { kind: 'gaussian', radius: 2 }, noiseSigma: 5 });
  const out: GrayImage[] = [];
  for (let i = 0; i < 6; i++) {
    const img = renderFrame(
      i % 2
        ? { mode: 'alphanumeric', text: `UR:BYTES/${i}`.repeat(20) }
        : { mode: 'byte', bytes: enc.encode(`dense ${i} `.repeat(40)) },
      { width: 640, height: 360 },
    );
    out.push(i % 3 === 0 ? ch.transmit(img)! : img);
  }
  out.push({ width: 64, height: 64, data: Uint8Array.from({ length: 4096 }, (_, i) => (i * 97) & 255) });
  out.push({ width: 64, height: 64, data: new Uint8Array(3) });
  return out;
}

test('pool results equal scanGray results, image by image', async () => {
  const imgs = images();
  const expected = imgs.map((img) => scanGray(img));
  assert.ok(expected.filter((x) => x !== null).length >= 5, 'most test images hold a readable code');
  const pool = new ScannerPool({ size: 2 });
  try {
    const got = await Promise.all(imgs.map((img) => pool.scan(img)));
    assert.deepEqual(got, expected);
    assert.equal(pool.pending, 0);
    // With transfer the buffer moves to the worker (detached here) and the result is the same.
    const copy = { ...imgs[1]!, data: imgs[1]!.data.slice() };
    const moved = await pool.scan(copy, { transfer: true });
    assert.equal(copy.data.byteLength, 0);
    assert.deepEqual(moved, expected[1]);
    assert.equal(await pool.scan('not an image' as never), null);
  } finally {
    await pool.close();
  }
});

test('a closed pool rejects with SCANNER_CLOSED, including scans in flight', async () => {
  const pool = new ScannerPool({ size: 1 });
  const img = renderFrame({ mode: 'byte', bytes: new Uint8Array(500) });
  const inFlight = assert.rejects(
    pool.scan(img),
    (e) => e instanceof ScannerError && e.code === 'SCANNER_CLOSED',
  );
  await pool.close();
  await inFlight;
  await assert.rejects(pool.scan(img), (e) => e instanceof ScannerError && e.code === 'SCANNER_CLOSED');
  assert.throws(() => new ScannerPool({ size: 0 }), RangeError);
});

test('the worker protocol answers anything malformed with null and never throws', () => {
  for (const m of [
    null,
    7,
    'x',
    {},
    { id: 'a' },
    { id: 1.5 },
    { id: 3 },
    { id: 3, width: 2, height: 2, data: [1, 2, 3, 4] },
  ]) {
    const r = handleScanRequest(m);
    assert.equal(r.frame, null);
  }
  assert.deepEqual(handleScanRequest({ id: 3 }), { id: 3, frame: null });
  const img = renderFrame({ mode: 'alphanumeric', text: 'UR:BYTES/ABC' }, { width: 200, height: 200 });
  assert.deepEqual(handleScanRequest({ id: 9, ...img }), { id: 9, frame: scanGray(img) });
});
