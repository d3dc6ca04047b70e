/**
 * The channel simulator: every effect is deterministic for a seed (and differs across seeds),
 * drops happen at the configured rate, and each effect does what it says on known images
 * (resampling, blur on flat and edge images, noise statistics).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addNoise, blurImage, type ChannelConfig, createChannel, createPrng, scaleImage } from './channel.js';
import { createGrayImage, type GrayImage } from './gray-image.js';
import { renderFrame } from './render.js';
import { scanGray } from './scan.js';

const frame = renderFrame(
  { mode: 'byte', bytes: new TextEncoder().encode('channel simulator '.repeat(10)) },
  { width: 320, height: 180 },
);

function run(config: ChannelConfig, n: number): (GrayImage | null)[] {
  const ch = createChannel(config);
  return Array.from({ length: n }, () => ch.transmit(frame));
}

test('the same seed gives the same drops and the same noise; another seed does not', () => {
  const config: ChannelConfig = {
    seed: 42,
    scale: { width: 240, height: 135, method: 'bilinear' },
    blur: { kind: 'gaussian', radius: 1 },
    noiseSigma: 6,
    loss: 0.3,
  };
  const a = run(config, 30);
  const b = run(config, 30);
  assert.deepEqual(a, b);
  const c = run({ ...config, seed: 43 }, 30);
  assert.notDeepEqual(
    a.map((x) => x === null),
    c.map((x) => x === null),
  );
  // Drops draw from their own stream: adding noise does not change which frames are dropped.
  const quiet = run({ ...config, noiseSigma: 0 }, 30);
  assert.deepEqual(
    quiet.map((x) => x === null),
    a.map((x) => x === null),
  );
  assert.equal(createPrng(7)(), createPrng(7)());
});

test('frames are dropped at the configured rate, and the stats count them', () => {
  const ch = createChannel({ seed: 1, loss: 0.2 });
  let dropped = 0;
  for (let i = 0; i < 5000; i++) if (ch.transmit(frame) === null) dropped++;
  assert.equal(ch.stats.shown, 5000);
  assert.equal(ch.stats.dropped, dropped);
  assert.ok(Math.abs(dropped / 5000 - 0.2) < 0.02, `dropped ${dropped} of 5000`);
  assert.ok(
    run({ seed: 3 }, 50).every((x) => x !== null),
    'no loss configured: nothing dropped',
  );
  assert.throws(() => createChannel({ seed: 1, loss: 1 }), RangeError);
});

test('a PRNG is uniform on [0, 1)', () => {
  const prng = createPrng(123);
  const buckets = new Array(10).fill(0);
  for (let i = 0; i < 20000; i++) {
    const x = prng();
    assert.ok(x >= 0 && x < 1);
    buckets[Math.floor(x * 10)]++;
  }
  for (const b of buckets) assert.ok(Math.abs(b - 2000) < 200, `bucket ${b}`);
});

test('scaling: nearest by an integer factor repeats pixels exactly; bilinear keeps flat images flat', () => {
  const img: GrayImage = { width: 3, height: 2, data: Uint8Array.of(0, 100, 200, 50, 150, 250) };
  const up = scaleImage(img, 6, 4, 'nearest');
  assert.deepEqual(Array.from(up.data.subarray(0, 6)), [0, 0, 100, 100, 200, 200]);
  assert.deepEqual(Array.from(up.data.subarray(18, 24)), [50, 50, 150, 150, 250, 250]);
  assert.deepEqual(scaleImage(up, 3, 2, 'nearest'), img);
  const flat = scaleImage(createGrayImage(17, 9, 77), 40, 23, 'bilinear');
  assert.ok(flat.data.every((v) => v === 77));
  // Halving a 2x2 checker by bilinear averages it.
  const checker: GrayImage = { width: 2, height: 2, data: Uint8Array.of(0, 255, 255, 0) };
  assert.deepEqual(Array.from(scaleImage(checker, 1, 1, 'bilinear').data), [128]);
});

test('blur: flat stays flat, a step edge is smoothed monotonically, radius 0 copies', () => {
  for (const kind of ['box', 'gaussian'] as const) {
    assert.ok(blurImage(createGrayImage(20, 10, 200), kind, 3).data.every((v) => v === 200));
    const step: GrayImage = {
      width: 20,
      height: 1,
      data: Uint8Array.from({ length: 20 }, (_, x) => (x < 10 ? 0 : 255)),
    };
    const b = blurImage(step, kind, 2).data;
    for (let x = 1; x < 20; x++) assert.ok(b[x]! >= b[x - 1]!, `${kind} not monotonic at ${x}`);
    assert.ok(b[9]! > 0 && b[10]! < 255, `${kind} did not smooth the edge`);
    assert.equal(b[0], 0);
    assert.equal(b[19], 255);
  }
  // The box kernel of radius 1 averages three pixels.
  const box = blurImage({ width: 3, height: 1, data: Uint8Array.of(0, 90, 180) }, 'box', 1).data;
  assert.equal(box[1], 90);
  const copy = blurImage(frame, 'gaussian', 0);
  assert.deepEqual(copy, frame);
  assert.notEqual(copy.data, frame.data);
});

test('noise: zero mean and the configured standard deviation; sigma 0 is the identity', () => {
  const grey = createGrayImage(200, 100, 128);
  const noisy = addNoise(grey, 10, createPrng(5)).data;
  let sum = 0;
  let sq = 0;
  for (const v of noisy) {
    sum += v - 128;
    sq += (v - 128) ** 2;
  }
  const mean = sum / noisy.length;
  const sd = Math.sqrt(sq / noisy.length - mean * mean);
  assert.ok(Math.abs(mean) < 0.3, `mean ${mean}`);
  assert.ok(Math.abs(sd - 10) < 0.3, `sd ${sd}`);
  assert.deepEqual(addNoise(grey, 0, createPrng(5)), grey);
});

test('a mild channel still lets the frame scan; a harsh one does not', () => {
  const mild = run(
    {
      seed: 9,
      scale: { width: 480, height: 270, method: 'bilinear' },
      blur: { kind: 'gaussian', radius: 1 },
      noiseSigma: 4,
    },
    1,
  )[0]!;
  assert.ok(scanGray(mild));
  const harsh = run({ seed: 9, blur: { kind: 'box', radius: 12 } }, 1)[0]!;
  assert.equal(scanGray(harsh), null);
});
