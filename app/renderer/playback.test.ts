/** The export screen's frame timing and module geometry (playback.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeQrMatrix } from '../../qr-transport/image/render.js';
import { scanGray } from '../../qr-transport/image/scan.js';
import { createTransferEncoder } from '../../qr-transport/transfer.js';
import { rgbaToGray } from './gray.js';
import { canvasSide, EXPORT_QUIET_ZONE, FrameScheduler, fitScale, matrixToRgba } from './playback.js';

/** Frames shown by a scheduler ticked every `tickMs` for `durationMs`. */
function shownAt(s: FrameScheduler, tickMs: number, durationMs: number, start = 1000): number[] {
  const shown: number[] = [];
  for (let t = start; t < start + durationMs; t += tickMs) if (s.tick(t)) shown.push(t);
  return shown;
}

describe('FrameScheduler', () => {
  it('shows the first frame at once, then one every 1000/fps ms on a 60 Hz display', () => {
    const s = new FrameScheduler(10);
    const shown = shownAt(s, 1000 / 60, 2000);
    assert.equal(shown[0], 1000);
    // 2 s at 10 fps: 20 frames (±1 for where the ticks fall).
    assert.ok(shown.length >= 19 && shown.length <= 21, `${shown.length} frames`);
    for (let i = 1; i < shown.length; i++) {
      const gap = shown[i]! - shown[i - 1]!;
      assert.ok(gap >= 99 && gap <= 100 + 1000 / 60, `gap ${gap}`);
    }
  });

  it('never bursts after a stall: a late tick shows one frame and restarts the cadence', () => {
    const s = new FrameScheduler(10);
    assert.equal(s.tick(0), true);
    assert.equal(s.tick(50), false);
    assert.equal(s.tick(2000), true); // stalled for 2 s: one frame, not twenty
    assert.equal(s.tick(2016), false);
    assert.equal(s.tick(2099), false);
    assert.equal(s.tick(2100), true);
  });

  it('shows nothing while paused and a frame at once on resume', () => {
    const s = new FrameScheduler(5);
    assert.equal(s.tick(0), true);
    s.pause();
    assert.equal(s.paused, true);
    assert.deepEqual(shownAt(s, 16, 1000, 10), []);
    s.resume();
    assert.equal(s.tick(1500), true);
    assert.equal(s.tick(1600), false);
  });

  it('changes speed from the next frame and refuses speeds out of range', () => {
    const s = new FrameScheduler(10);
    assert.equal(s.tick(0), true);
    s.setFps(2);
    assert.equal(s.fps, 2);
    assert.equal(s.tick(10), true);
    assert.equal(s.tick(400), false);
    assert.equal(s.tick(510), true);
    assert.throws(() => s.setFps(0), RangeError);
    assert.throws(() => new FrameScheduler(31), RangeError);
    assert.throws(() => new FrameScheduler(Number.NaN), RangeError);
  });
});

describe('QR geometry on the export canvas', () => {
  it('fits the largest integer scale, at least 1 and at most the cap', () => {
    // Version 25: 117 modules + 8 quiet = 125.
    assert.equal(fitScale(117, 4, 700), 5);
    assert.equal(fitScale(117, 4, 749), 5);
    assert.equal(fitScale(117, 4, 750), 6);
    assert.equal(fitScale(117, 4, 50), 1);
    assert.equal(fitScale(21, 4, 10_000, 12), 12);
    assert.equal(canvasSide(117, 4, 5), 625);
    assert.throws(() => fitScale(20, 4, 100), RangeError);
  });

  it('draws a symbol whose pixels the project scanner reads back (dense frame, integer scale)', () => {
    const payload = new TextEncoder().encode('signed result '.repeat(200));
    const encoder = createTransferEncoder(payload, { format: 'dense' });
    const content = encoder.nextFrame();
    const matrix = encodeQrMatrix(content);
    const scale = fitScale(matrix.size, EXPORT_QUIET_ZONE, 640);
    const img = matrixToRgba(matrix, scale, EXPORT_QUIET_ZONE);
    assert.equal(img.width, canvasSide(matrix.size, EXPORT_QUIET_ZONE, scale));
    // Corners are quiet zone (white), the top-left finder's corner module is black.
    const at = (x: number, y: number) => img.data[(y * img.width + x) * 4]!;
    assert.equal(at(0, 0), 255);
    const q = EXPORT_QUIET_ZONE * scale;
    assert.equal(at(q, q), 0);
    assert.equal(img.data[(q * img.width + q) * 4 + 3], 255);
    const read = scanGray(rgbaToGray(img.data, img.width, img.height));
    assert.ok(read, 'the scanner reads the drawn frame');
    assert.ok(content.mode === 'byte');
    assert.deepEqual(read.bytes, content.bytes);
  });

  it('refuses a fractional scale', () => {
    assert.throws(() => matrixToRgba({ size: 21, modules: new Uint8Array(441) }, 1.5, 4), RangeError);
  });
});

describe('rgbaToGray', () => {
  it('uses BT.601 weights that keep white white and black black', () => {
    const rgba = new Uint8ClampedArray([255, 255, 255, 255, 0, 0, 0, 255, 255, 0, 0, 255, 0, 255, 0, 255]);
    const g = rgbaToGray(rgba, 4, 1);
    assert.deepEqual([...g.data], [255, 0, 76, 149]);
  });

  it('refuses a buffer of the wrong size', () => {
    assert.throws(() => rgbaToGray(new Uint8ClampedArray(12), 2, 2), RangeError);
    assert.throws(() => rgbaToGray(new Uint8ClampedArray(0), 0, 0), RangeError);
  });
});
