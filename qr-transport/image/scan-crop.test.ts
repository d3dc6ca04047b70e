/**
 * The region search in front of jsqr (scan.ts, findCodeRegion): it finds codes wherever they sit in
 * the frame, small or large, through the channel simulator's blur, noise and scaling; the crop it
 * gives holds the whole code; a frame without a code gives null; and scanGray (crop first, the whole
 * frame when the crop reads nothing) reads exactly what jsqr reads on the whole frame, on the images
 * the other scanner tests use.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { FrameContent } from '../frames.js';
import { type ChannelConfig, createChannel } from './channel.js';
import type { GrayImage } from './gray-image.js';
import { encodeQrMatrix, moduleScale, renderFrame, renderMatrix } from './render.js';
import { type CodeRegion, findCodeRegion, scanGray, scanGrayFullFrame } from './scan.js';

function bytesOf(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** A code drawn at `scale` pixels a module (4-module quiet zone) pasted into a white frame at (x, y). */
function placed(
  content: FrameContent,
  scale: number,
  at: { x: number; y: number },
  frame = { width: 1280, height: 720 },
): { img: GrayImage; code: CodeRegion } {
  const matrix = encodeQrMatrix(content);
  const side = (matrix.size + 8) * scale;
  const tile = renderMatrix(matrix, { width: side, height: side });
  assert.equal(moduleScale(matrix.size, side, side, 4), scale);
  const data = new Uint8Array(frame.width * frame.height).fill(255);
  for (let r = 0; r < side; r++)
    data.set(tile.data.subarray(r * side, (r + 1) * side), (at.y + r) * frame.width + at.x);
  // The symbol itself, without its quiet zone.
  const code = {
    x: at.x + 4 * scale,
    y: at.y + 4 * scale,
    width: matrix.size * scale,
    height: matrix.size * scale,
  };
  return { img: { ...frame, data }, code };
}

function contains(outer: CodeRegion, inner: CodeRegion): boolean {
  return (
    outer.x <= inner.x &&
    outer.y <= inner.y &&
    outer.x + outer.width >= inner.x + inner.width &&
    outer.y + outer.height >= inner.y + inner.height
  );
}

const CAMERA: Omit<ChannelConfig, 'seed'> = { blur: { kind: 'gaussian', radius: 1 }, noiseSigma: 4 };

test('codes off-centre, small and large: the region holds the whole code, tightly, and the crop reads it', () => {
  const dense: FrameContent = { mode: 'byte', bytes: bytesOf(1161, 1) }; // version 24 at L
  const ur: FrameContent = { mode: 'alphanumeric', text: `UR:BYTES/${'7ABC'.repeat(60)}` };
  const small: FrameContent = { mode: 'byte', bytes: bytesOf(20, 2) }; // version 2
  const cases: [string, FrameContent, number, { x: number; y: number }][] = [
    ['dense, top left corner', dense, 3, { x: 0, y: 0 }],
    ['dense, right edge', dense, 3, { x: 1280 - 121 * 3, y: 200 }],
    ['dense, bottom left, 4 px a module', dense, 4, { x: 37, y: 720 - 121 * 4 }],
    ['dense, filling the height', dense, 5, { x: 500, y: 0 }],
    ['UR, off-centre', ur, 6, { x: 90, y: 40 }],
    ['small code, 3 px a module, far right', small, 3, { x: 1100, y: 500 }],
    ['small code, 20 px a module', small, 20, { x: 300, y: 20 }],
  ];
  for (const [what, content, scale, at] of cases) {
    const { img, code } = placed(content, scale, at);
    for (const seen of [img, createChannel({ seed: 5, ...CAMERA }).transmit(img)!]) {
      const region = findCodeRegion(seen);
      assert.ok(region, `${what}: no region`);
      assert.ok(contains(region, code), `${what}: ${JSON.stringify(region)} misses ${JSON.stringify(code)}`);
      // Never more than the code, its margin and the partial cells around it.
      const pad = Math.max(16, Math.round(0.04 * (code.width + 32))) + 16;
      assert.ok(region.width <= code.width + 2 * pad, `${what}: region ${region.width} wide`);
      assert.ok(region.height <= code.height + 2 * pad, `${what}: region ${region.height} high`);
      const got = scanGray(seen);
      assert.ok(got, `${what}: not read`);
      if (content.mode === 'byte') assert.deepEqual(got.bytes, content.bytes, what);
      else assert.equal(got.text, content.text, what);
    }
  }
});

test('the code wins over other contrast in the frame: a dark frame edge, a bar of text-like blocks', () => {
  const content: FrameContent = { mode: 'byte', bytes: bytesOf(900, 3) };
  const { img, code } = placed(content, 4, { x: 640, y: 150 });
  const d = img.data;
  // A black bezel along the left edge and a line of "text" (small dark blocks) at the top.
  for (let y = 0; y < 720; y++) d.fill(0, y * 1280, y * 1280 + 40);
  for (let x = 80; x < 560; x += 12) for (let y = 30; y < 44; y++) d.fill(20, y * 1280 + x, y * 1280 + x + 7);
  const seen = createChannel({ seed: 6, ...CAMERA }).transmit(img)!;
  const region = findCodeRegion(seen);
  assert.ok(region && contains(region, code), JSON.stringify(region));
  assert.deepEqual(scanGray(seen)?.bytes, content.bytes);
});

test('a frame without a code gives null: blank, uniform noise, a gradient, blocks of "text"', () => {
  const w = 1280;
  const h = 720;
  const blank = { width: w, height: h, data: new Uint8Array(w * h).fill(255) };
  assert.equal(findCodeRegion(blank), null);
  assert.equal(scanGray(blank), null);
  const noisy = createChannel({ seed: 7, noiseSigma: 6 }).transmit(blank)!;
  assert.equal(scanGray(noisy), null);
  const gradient = { width: w, height: h, data: Uint8Array.from({ length: w * h }, (_, i) => (i % w) / 5) };
  assert.equal(findCodeRegion(gradient), null);
  assert.equal(scanGray(gradient), null);
  const text = new Uint8Array(w * h).fill(250);
  for (let line = 100; line < 600; line += 40)
    for (let x = 100; x < 1100; x += 14)
      for (let y = line; y < line + 16; y++) text.fill(30, y * w + x, y * w + x + 8);
  const textImg = { width: w, height: h, data: text };
  assert.ok(findCodeRegion(textImg), 'text has contrast: a region is found, and nothing is read in it');
  assert.equal(scanGray(textImg), null);
  for (const tiny of [
    { width: 40, height: 40, data: new Uint8Array(1600) },
    { width: 1, height: 1, data: new Uint8Array(1) },
  ]) {
    assert.equal(findCodeRegion(tiny), null);
    assert.equal(scanGray(tiny), null);
  }
});

/** The images other scanner tests and the benchmark use, through the channels they use. */
function fixtures(): GrayImage[] {
  const out: GrayImage[] = [];
  const enc = new TextEncoder();
  // iso18004-render-scan.test.ts: byte and alphanumeric frames at every level, several canvases.
  for (const [ec, n] of [
    ['L', 2900],
    ['M', 400],
    ['Q', 50],
    ['H', 1250],
  ] as const) {
    out.push(renderFrame({ mode: 'byte', bytes: bytesOf(n, n) }, { errorCorrection: ec }));
  }
  out.push(renderFrame({ mode: 'alphanumeric', text: `UR:BYTES/${'Q7'.repeat(400)}` }));
  for (const [width, height] of [
    [640, 480],
    [301, 997],
  ] as const) {
    out.push(renderFrame({ mode: 'byte', bytes: bytesOf(300, 1) }, { width, height }));
  }
  // channel.test.ts: the 320x180 frame, mildly and harshly damaged.
  const small = renderFrame(
    { mode: 'byte', bytes: enc.encode('channel simulator '.repeat(10)) },
    { width: 320, height: 180 },
  );
  out.push(
    createChannel({
      seed: 9,
      scale: { width: 480, height: 270, method: 'bilinear' },
      blur: { kind: 'gaussian', radius: 1 },
      noiseSigma: 4,
    }).transmit(small)!,
  );
  out.push(createChannel({ seed: 9, blur: { kind: 'box', radius: 12 } }).transmit(small)!);
  // scanner.node.test.ts: 640x360 frames, some through blur 2 and noise 5.
  const ch = createChannel({ seed: 4, blur: { kind: 'gaussian', radius: 2 }, noiseSigma: 5 });
  for (let i = 0; i < 4; i++) {
    const img = renderFrame(
      i % 2
        ? { mode: 'alphanumeric', text: `UR:BYTES/${i}`.repeat(20) }
        : { mode: 'byte', bytes: enc.encode(`dense ${i} `.repeat(40)) },
      { width: 640, height: 360 },
    );
    out.push(i % 3 === 0 ? ch.transmit(img)! : img);
  }
  // bench/qr-channel.ts: a default dense frame through its camera and its error-correction sweep.
  const denseFrame = renderFrame({ mode: 'byte', bytes: bytesOf(1161, 11) });
  const conditions: Omit<ChannelConfig, 'seed'>[] = [
    CAMERA,
    {
      scale: { width: 960, height: 540, method: 'bilinear' },
      blur: { kind: 'gaussian', radius: 2 },
      noiseSigma: 8,
    },
    {
      scale: { width: 960, height: 540, method: 'bilinear' },
      blur: { kind: 'box', radius: 2 },
      noiseSigma: 4,
    },
    { blur: { kind: 'gaussian', radius: 4 }, noiseSigma: 4 },
    { noiseSigma: 16 },
  ];
  conditions.forEach((c, i) => {
    out.push(createChannel({ seed: 77 + i, ...c }).transmit(denseFrame)!);
  });
  // Half a code, and garbage.
  const half = renderFrame({ mode: 'byte', bytes: bytesOf(200, 9) }, { width: 320, height: 240 });
  half.data.fill(255, 120 * 320);
  out.push(half);
  out.push({ width: 320, height: 240, data: Uint8Array.from({ length: 76800 }, (_, i) => (i * 97) & 255) });
  return out;
}

test('scanGray reads what a whole-frame jsqr scan reads on the fixtures, and never anything else', () => {
  const imgs = fixtures();
  let full = 0;
  let cropOnly = 0;
  imgs.forEach((img, i) => {
    const whole = scanGrayFullFrame(img);
    const got = scanGray(img);
    if (whole !== null) {
      full++;
      assert.deepEqual(got, whole, `fixture ${i}`);
    } else if (got !== null) {
      // The crop read a code the whole frame did not (jsqr's binariser sees less of the blurred
      // background): it must be the code that is there, bit for bit.
      cropOnly++;
      assert.deepEqual(
        got.bytes,
        bytesOf(1161, 11),
        `fixture ${i}: only the benchmark's frame can be read here`,
      );
    }
  });
  assert.ok(full >= imgs.length - 5, `${full} of ${imgs.length} fixtures read on the whole frame`);
  assert.ok(cropOnly <= 2);
});

test('property: random images never make the region search or the scanner throw', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 200 }),
      fc.integer({ min: 1, max: 200 }),
      fc.integer(),
      (width, height, seed) => {
        const img = { width, height, data: bytesOf(width * height, seed).map((b) => (b & 0x80 ? 255 : b)) };
        const region = findCodeRegion(img);
        if (region !== null) {
          assert.ok(region.x >= 0 && region.y >= 0 && region.width > 0 && region.height > 0);
          assert.ok(region.x + region.width <= width && region.y + region.height <= height);
        }
        const r = scanGray(img);
        assert.ok(r === null || typeof r.text === 'string');
      },
    ),
    { numRuns: 200 },
  );
});
