/**
 * The import screen's view of a camera transfer (scan-tracker.ts) on real frames: payloads encoded
 * by the transfer encoder in each format, drawn as camera images and read by the project scanner.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DenseEncoder } from '../../qr-transport/dense/encoder.js';
import { encodeDenseFrame } from '../../qr-transport/dense/frame.js';
import type { ScannedFrame } from '../../qr-transport/frames.js';
import { renderFrame } from '../../qr-transport/image/render.js';
import { scanGray } from '../../qr-transport/image/scan.js';
import { createTransferEncoder, type EncodeOptions } from '../../qr-transport/transfer.js';
import { ScanTracker } from './scan-tracker.js';

function payloadOf(n: number, seed: number): Uint8Array {
  // Incompressible, so dense frames cannot shrink it into one frame.
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Frames as the camera would read them: rendered at 1280x720 and scanned. */
function cameraFrames(payload: Uint8Array, opts: EncodeOptions, count: number): ScannedFrame[] {
  const enc = createTransferEncoder(payload, opts);
  const frames: ScannedFrame[] = [];
  for (let i = 0; i < count; i++) {
    const read = scanGray(renderFrame(enc.nextFrame()));
    assert.ok(read, `frame ${i} reads`);
    frames.push(read);
  }
  return frames;
}

describe('ScanTracker', () => {
  for (const opts of [
    { format: 'dense', fragmentLength: 600 },
    { format: 'ur', fragmentLength: 300 },
    { format: 'bbqr', fragmentLength: 600 },
  ] as EncodeOptions[]) {
    it(`completes a ${opts.format} transfer with the same bytes, counting images, codes and useful frames`, () => {
      const payload = payloadOf(1500, 7);
      const enc = createTransferEncoder(payload, opts);
      const frames = cameraFrames(payload, opts, enc.fragmentCount + 4);
      const t = new ScanTracker();
      assert.equal(t.offer(null).seen, 1); // an image without a code
      let snap = t.snapshot();
      for (const f of frames) {
        snap = t.offer(f);
        if (snap.state === 'complete') break;
      }
      assert.equal(snap.state, 'complete');
      assert.equal(snap.format, opts.format);
      assert.equal(snap.percent, 100);
      assert.equal(snap.read, snap.seen - 1);
      assert.ok(snap.useful >= enc.fragmentCount && snap.useful <= snap.read, `${snap.useful} useful`);
      assert.deepEqual(t.result()?.payload, payload);
      // After completion further images change nothing but the count seen.
      const after = t.offer(frames[0]!);
      assert.equal(after.read, snap.read);
      assert.equal(after.seen, snap.seen + 1);
    });
  }

  it('reports another transfer’s frames and junk codes without stopping, then completes', () => {
    const payload = payloadOf(1500, 11);
    const other = payloadOf(1500, 12);
    const mine = cameraFrames(payload, { format: 'dense', fragmentLength: 600 }, 5);
    const theirs = cameraFrames(other, { format: 'dense', fragmentLength: 600 }, 1);
    const t = new ScanTracker();
    let s = t.offer(mine[0]!);
    assert.equal(s.state, 'receiving');
    assert.equal(s.useful, 1);
    s = t.offer(theirs[0]!);
    assert.equal(s.notice?.code, 'FOREIGN_FRAME');
    s = t.offer({ text: 'hello', bytes: new TextEncoder().encode('hello') });
    assert.equal(s.notice?.code, 'UNREADABLE_FRAME');
    for (const f of mine.slice(1)) s = t.offer(f);
    assert.equal(s.state, 'complete');
    assert.equal(s.notice, null);
    assert.deepEqual(t.result()?.payload, payload);
  });

  it('starts over after a whole-transfer failure (payload not matching its digest) and still completes', () => {
    const payload = payloadOf(900, 21);
    const enc = new DenseEncoder(payload, { fragmentLength: 300, compress: false });
    const { params } = enc;
    assert.equal(params.compressed, false);
    const fragment = (i: number) => {
      const data = new Uint8Array(params.fragmentLength);
      data.set(payload.subarray(i * params.fragmentLength, (i + 1) * params.fragmentLength));
      return data;
    };
    const asScanned = (bytes: Uint8Array): ScannedFrame => ({ text: '', bytes });
    // Every frame well-formed (its CRC is right), one fragment's data altered: the digest check fails.
    const forged = Array.from({ length: params.fragmentCount }, (_, i) => {
      const data = fragment(i);
      if (i === 1) data[0] = data[0]! ^ 0xff;
      return asScanned(encodeDenseFrame(params, i, data));
    });
    const t = new ScanTracker();
    let s = t.snapshot();
    for (const f of forged) s = t.offer(f);
    assert.equal(s.restarts, 1);
    assert.equal(s.notice?.code, 'DENSE_DIGEST_MISMATCH');
    assert.equal(s.state, 'waiting');
    assert.equal(s.useful, 0);
    assert.equal(t.result(), null);
    // The scan goes on: the genuine frames complete a fresh transfer.
    for (let i = 0; i < params.fragmentCount; i++) s = t.offer(asScanned(enc.nextFrame()));
    assert.equal(s.state, 'complete');
    assert.deepEqual(t.result()?.payload, payload);
  });
});
