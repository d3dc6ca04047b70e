/**
 * scanGray's first step (scan.ts): the module grid of the code's region (estimateModuleGrid) and jsqr
 * on the region area-averaged to 2 pixels a module, aligned to that grid (scanGrayResampled). Codes
 * at 3 to 8 pixels a module, placed off the grid of the crop, clean and through the channel
 * simulator (blur, noise, scaling): the grid is found, the resampled step reads them, and scanGray
 * returns exactly the code's bytes, the same as a whole-frame scan wherever that one reads. Frames
 * without a code (blank, noise, stripes, text) give null; random images never throw.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { FrameContent } from '../frames.js';
import { type ChannelConfig, createChannel } from './channel.js';
import type { GrayImage } from './gray-image.js';
import { encodeQrMatrix, renderFrame, renderMatrix } from './render.js';
import {
  estimateModuleGrid,
  findCodeRegion,
  MIN_RESAMPLE_PITCH,
  scanGray,
  scanGrayFullFrame,
  scanGrayFullResolution,
  scanGrayResampled,
} from './scan.js';

function bytesOf(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** A code at `scale` pixels a module (4-module quiet zone) pasted into a white 1280x720 frame at (x, y). */
function placed(content: FrameContent, scale: number, at: { x: number; y: number }): GrayImage {
  const matrix = encodeQrMatrix(content);
  const side = (matrix.size + 8) * scale;
  const tile = renderMatrix(matrix, { width: side, height: side });
  const width = 1280;
  const data = new Uint8Array(width * 720).fill(255);
  for (let r = 0; r < side; r++)
    data.set(tile.data.subarray(r * side, (r + 1) * side), (at.y + r) * width + at.x);
  return { width, height: 720, data };
}

function bytesOfContent(content: FrameContent): Uint8Array {
  return content.mode === 'byte' ? content.bytes : new TextEncoder().encode(content.text);
}

const CAMERA: Omit<ChannelConfig, 'seed'> = { blur: { kind: 'gaussian', radius: 1 }, noiseSigma: 4 };

/** Distance between two phases on a circle of circumference `pitch`. */
function phaseDistance(a: number, b: number, pitch: number): number {
  const d = (((a - b) % pitch) + pitch) % pitch;
  return Math.min(d, pitch - d);
}

test('the module grid: pitch and phase of codes at 3 to 8 pixels a module, clean and through the camera', () => {
  const content: FrameContent = { mode: 'byte', bytes: bytesOf(400, 1) }; // version 15 at L
  for (const scale of [3, 4, 5, 6, 7, 8]) {
    const at = { x: 13 + 29 * scale, y: 5 + 3 * scale };
    const clean = placed(content, scale, at);
    for (const [what, img] of [
      ['clean', clean],
      ['camera', createChannel({ seed: scale, ...CAMERA }).transmit(clean)!],
    ] as const) {
      const region = findCodeRegion(img);
      assert.ok(region, `${scale} px, ${what}: no region`);
      const grid = estimateModuleGrid(img, region);
      assert.ok(grid, `${scale} px, ${what}: no grid`);
      for (const [axis, origin] of [
        [grid.x, at.x],
        [grid.y, at.y],
      ] as const) {
        assert.ok(Math.abs(axis.pitch - scale) < 0.01, `${scale} px, ${what}: pitch ${axis.pitch}`);
        // Module edges lie on multiples of the scale from the tile's corner.
        assert.ok(
          phaseDistance(axis.phase, origin, scale) < 0.1,
          `${scale} px, ${what}: phase ${axis.phase}`,
        );
        assert.ok(axis.coherence > 0.9, `${scale} px, ${what}: coherence ${axis.coherence}`);
      }
    }
  }
  // Scaled by the camera: 5 pixels a module seen at 0.75 is 3.75.
  const frame = renderFrame({ mode: 'byte', bytes: bytesOf(1161, 2) });
  const seen = createChannel({
    seed: 3,
    scale: { width: 960, height: 540, method: 'bilinear' },
    ...CAMERA,
  }).transmit(frame)!;
  const grid = estimateModuleGrid(seen, findCodeRegion(seen)!);
  assert.ok(grid && Math.abs(grid.x.pitch - 3.75) < 0.01 && Math.abs(grid.y.pitch - 3.75) < 0.01);
});

test('codes at 3 to 8 pixels a module, through blur, noise and scaling: read by the resampled step, exactly', () => {
  const contents: [string, FrameContent][] = [
    ['dense, version 24', { mode: 'byte', bytes: bytesOf(1161, 3) }],
    ['version 15', { mode: 'byte', bytes: bytesOf(400, 4) }],
    ['UR', { mode: 'alphanumeric', text: `UR:BYTES/${'7ABC'.repeat(60)}` }],
    ['small, version 2', { mode: 'byte', bytes: bytesOf(20, 5) }],
  ];
  const channels: [string, Omit<ChannelConfig, 'seed'> | null][] = [
    ['clean', null],
    ['camera', CAMERA],
    ['blur 2, noise 8', { blur: { kind: 'gaussian', radius: 2 }, noiseSigma: 8 }],
    ['scale 0.75, camera', { scale: { width: 960, height: 540, method: 'bilinear' }, ...CAMERA }],
  ];
  let cases = 0;
  let resampled = 0;
  for (const [what, content] of contents) {
    const size = encodeQrMatrix(content).size;
    for (const scale of [3, 4, 5, 6, 8]) {
      if ((size + 8) * scale > 720) continue;
      const clean = placed(content, scale, { x: 31 + 7 * scale, y: 720 - (size + 8) * scale });
      for (const [channel, config] of channels) {
        const img = config ? createChannel({ seed: 40 + scale, ...config }).transmit(clean)! : clean;
        const label = `${what}, ${scale} px, ${channel}`;
        const whole = scanGrayFullFrame(img);
        const got = scanGray(img);
        cases++;
        assert.ok(got, `${label}: not read`);
        assert.deepEqual(got.bytes, bytesOfContent(content), label);
        if (whole !== null) assert.deepEqual(got, whole, label);
        assert.deepEqual(scanGrayFullResolution(img)?.bytes ?? got.bytes, got.bytes, label);
        const step = scanGrayResampled(img);
        if (step !== null) {
          resampled++;
          assert.deepEqual(step, got, label);
        }
        // The camera's own frames (modules of 4 pixels and more, mild blur and noise): the first
        // step reads them, not a fallback.
        const seenPitch = config?.scale ? scale * 0.75 : scale;
        if ((channel === 'clean' || channel === 'camera') && seenPitch >= 4)
          assert.ok(step, `${label}: the resampled step did not read`);
        if (seenPitch < MIN_RESAMPLE_PITCH)
          assert.equal(step, null, `${label}: modules too small to resample`);
      }
    }
  }
  assert.ok(resampled >= cases * 0.6, `${resampled} of ${cases} read by the resampled step`);
});

test("the benchmark's dense frames through its camera: the resampled step reads every one, as the whole frame does", () => {
  const ch = createChannel({ seed: 4242, ...CAMERA });
  for (let i = 0; i < 6; i++) {
    const bytes = bytesOf(1161 + i, 100 + i);
    const seen = ch.transmit(renderFrame({ mode: 'byte', bytes }))!;
    const step = scanGrayResampled(seen);
    assert.ok(step, `frame ${i}`);
    assert.deepEqual(step.bytes, bytes);
    assert.deepEqual(scanGray(seen), scanGrayFullFrame(seen));
  }
});

test('frames without a code give null: blank, noise, regular stripes and checks, blocks of "text"', () => {
  const w = 1280;
  const h = 720;
  const blank = { width: w, height: h, data: new Uint8Array(w * h).fill(255) };
  const noisy = createChannel({ seed: 7, noiseSigma: 6 }).transmit(blank)!;
  // Regular gratings: a perfectly coherent grid with nothing to read.
  const stripes = {
    width: w,
    height: h,
    data: Uint8Array.from({ length: w * h }, (_, i) => (((i % w) / 5) & 1 ? 0 : 255)),
  };
  const checks = {
    width: w,
    height: h,
    data: Uint8Array.from({ length: w * h }, (_, i) => ((((i % w) / 4) ^ (i / w / 4)) & 1 ? 20 : 240)),
  };
  const text = new Uint8Array(w * h).fill(250);
  for (let line = 100; line < 600; line += 40)
    for (let x = 100; x < 1100; x += 14)
      for (let y = line; y < line + 16; y++) text.fill(30, y * w + x, y * w + x + 8);
  for (const [what, img] of [
    ['blank', blank],
    ['noise', noisy],
    ['stripes', stripes],
    ['checks', checks],
    ['text', { width: w, height: h, data: text }],
  ] as const) {
    assert.equal(scanGrayResampled(img), null, what);
    assert.equal(scanGray(img), null, what);
  }
  // Half a code: its grid is there, its data is not.
  const half = placed({ mode: 'byte', bytes: bytesOf(1161, 6) }, 5, { x: 300, y: 50 });
  half.data.fill(255, 360 * w);
  assert.equal(scanGray(half), null);
});

test('property: random images, and random codes cut and speckled, never make the grid or the scan throw', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 240 }),
      fc.integer({ min: 1, max: 240 }),
      fc.integer(),
      fc.integer({ min: 1, max: 12 }),
      (width, height, seed, period) => {
        // Stripes of a random period with random speckles: regular enough to fit a grid sometimes.
        const noise = bytesOf(width * height, seed);
        const data = Uint8Array.from(noise, (b, i) =>
          b < 40 ? b : (Math.floor((i % width) / period) + Math.floor(i / width / period)) & 1 ? 10 : 245,
        );
        const img = { width, height, data };
        const region = findCodeRegion(img);
        if (region !== null) {
          const grid = estimateModuleGrid(img, region);
          if (grid !== null) {
            for (const axis of [grid.x, grid.y]) {
              assert.ok(Number.isFinite(axis.pitch) && axis.pitch > 0);
              assert.ok(axis.phase >= 0 && axis.phase < axis.pitch);
              assert.ok(axis.coherence >= 0 && axis.coherence <= 1 + 1e-9);
            }
          }
        }
        for (const scan of [scanGray, scanGrayResampled]) {
          const r = scan(img);
          assert.ok(r === null || typeof r.text === 'string');
        }
      },
    ),
    { numRuns: 300 },
  );
  // Codes that are cut off at the image's edge, at every module size.
  for (const scale of [3, 4, 5, 6]) {
    const img = placed({ mode: 'byte', bytes: bytesOf(300, scale) }, scale, { x: 0, y: 0 });
    const cut = { width: 200, height: 150, data: new Uint8Array(200 * 150) };
    for (let y = 0; y < 150; y++) cut.data.set(img.data.subarray(y * 1280 + 60, y * 1280 + 260), y * 200);
    assert.equal(scanGray(cut), null);
  }
});
