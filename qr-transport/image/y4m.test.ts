/**
 * YUV4MPEG2: what Y4mWriter writes, Y4mParser reads back frame for frame and byte for byte, however
 * the stream is cut into chunks; the header and chroma planes are as the format says; other 8-bit
 * colour spaces are read (luma only), high bit depths and damaged streams are refused with types.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ImageFormatError } from './errors.js';
import type { GrayImage } from './gray-image.js';
import { renderFrame } from './render.js';
import { scanGray } from './scan.js';
import { decodeY4m, readY4m, Y4mParser, Y4mWriter } from './y4m.js';

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function frames(width: number, height: number, count: number, seed: number): GrayImage[] {
  return Array.from({ length: count }, (_, f) => ({
    width,
    height,
    data: Uint8Array.from(
      { length: width * height },
      (_, i) => (Math.imul(i + 1, 2654435761 + f) ^ seed) >>> 24,
    ),
  }));
}

function writeAll(images: GrayImage[], fps: number | { num: number; den: number } = 10): Uint8Array {
  const chunks: Uint8Array[] = [];
  const w = new Y4mWriter((c) => chunks.push(c), { width: images[0]!.width, height: images[0]!.height, fps });
  for (const img of images) w.writeFrame(img);
  assert.equal(w.frameCount, images.length);
  return concat(chunks);
}

test('the stream is the header line, then FRAME + luma + two neutral 4:2:0 chroma planes per frame', () => {
  const imgs = frames(5, 3, 2, 1); // odd sizes: chroma planes are ceil(5/2) x ceil(3/2) = 3 x 2
  const bytes = writeAll(imgs, 10);
  const header = 'YUV4MPEG2 W5 H3 F10:1 Ip A1:1 C420jpeg\n';
  assert.equal(Buffer.from(bytes.subarray(0, header.length)).toString('latin1'), header);
  const frameLen = 6 + 15 + 2 * 6;
  assert.equal(bytes.length, header.length + 2 * frameLen);
  for (let f = 0; f < 2; f++) {
    const at = header.length + f * frameLen;
    assert.equal(Buffer.from(bytes.subarray(at, at + 6)).toString('latin1'), 'FRAME\n');
    assert.deepEqual(bytes.subarray(at + 6, at + 21), imgs[f]!.data);
    assert.ok(bytes.subarray(at + 21, at + frameLen).every((b) => b === 128));
  }
});

test('property: write then read gives the same frames, whatever the chunking', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 33 }),
      fc.integer({ min: 1, max: 17 }),
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 8 }),
      (width, height, count, cuts) => {
        const imgs = frames(width, height, count, width * height);
        const bytes = writeAll(imgs, { num: 30000, den: 1001 });
        const parser = new Y4mParser();
        const got: GrayImage[] = [];
        let at = 0;
        let k = 0;
        while (at < bytes.length) {
          const n = cuts[k++ % cuts.length]!;
          got.push(...parser.push(bytes.subarray(at, at + n)));
          at += n;
        }
        parser.end();
        assert.deepEqual(got, imgs);
        assert.deepEqual(parser.header, {
          width,
          height,
          fps: { num: 30000, den: 1001 },
          colourSpace: '420jpeg',
        });
      },
    ),
    { numRuns: 100 },
  );
});

test('rendered 720p frames survive a y4m file read as a stream, and scan', async () => {
  const payloads = [1, 2, 3].map((n) => new TextEncoder().encode(`frame ${n} `.repeat(30)));
  const bytes = writeAll(
    payloads.map((p) => renderFrame({ mode: 'byte', bytes: p })),
    12,
  );
  // 64 KiB chunks, as a Node file stream delivers them.
  const chunks = Array.from({ length: Math.ceil(bytes.length / 65536) }, (_, i) =>
    bytes.subarray(i * 65536, (i + 1) * 65536),
  );
  const got: GrayImage[] = [];
  const reader = readY4m(chunks);
  let step = await reader.next();
  while (!step.done) {
    got.push(step.value);
    step = await reader.next();
  }
  assert.deepEqual(step.value, {
    width: 1280,
    height: 720,
    fps: { num: 12, den: 1 },
    colourSpace: '420jpeg',
  });
  assert.deepEqual(
    got.map((img) => scanGray(img)?.bytes),
    payloads,
  );
});

function stream(header: string, frameBodies: Uint8Array[], frameHeader = 'FRAME'): Uint8Array {
  const enc = new TextEncoder();
  return concat([
    enc.encode(`${header}\n`),
    ...frameBodies.flatMap((b) => [enc.encode(`${frameHeader}\n`), b]),
  ]);
}

test('other 8-bit colour spaces are read for their luma plane; frame parameters are allowed', () => {
  const luma = Uint8Array.of(1, 2, 3, 4, 5, 6);
  const cases: [string, number][] = [
    ['Cmono', 0],
    ['C444', 12],
    ['C422', 2 * 2 * 2],
    ['C420mpeg2 XYSCSS=420MPEG2', 2 * 2 * 1],
    ['C444alpha', 18],
    ['', 2 * 2 * 1], // no C tag: 4:2:0
  ];
  for (const [tag, chroma] of cases) {
    const body = concat([luma, new Uint8Array(chroma).fill(7)]);
    const { info, frames: got } = decodeY4m(
      stream(`YUV4MPEG2 W3 H2 F25:1 It A0:0 ${tag}`.trimEnd(), [body, body], 'FRAME Ixyz'),
    );
    assert.equal(got.length, 2, tag);
    assert.deepEqual(got[1]!.data, luma, tag);
    assert.equal(info.width, 3);
  }
});

function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ImageFormatError, `expected ImageFormatError, got ${String(err)}`);
    return err.code;
  }
  return assert.fail('expected an ImageFormatError');
}

test('refusals: high bit depth, missing size, bad magic, truncated frames, garbage', () => {
  const body = new Uint8Array(6 + 4);
  assert.equal(
    errorCode(() => decodeY4m(stream('YUV4MPEG2 W3 H2 C420p10', [body]))),
    'Y4M_UNSUPPORTED',
  );
  assert.equal(
    errorCode(() => decodeY4m(stream('YUV4MPEG2 W3 C420jpeg', [body]))),
    'Y4M_INVALID',
  );
  assert.equal(
    errorCode(() => decodeY4m(stream('YUV4MPEG2 W3 H2 F0:1', [body]))),
    'Y4M_INVALID',
  );
  assert.equal(
    errorCode(() => decodeY4m(stream('YUV4MPEG W3 H2', [body]))),
    'Y4M_INVALID',
  );
  assert.equal(
    errorCode(() => decodeY4m(stream('YUV4MPEG2 W3 H2', [body], 'FRAMX'))),
    'Y4M_INVALID',
  );
  const whole = stream('YUV4MPEG2 W3 H2', [body, body]);
  assert.equal(
    errorCode(() => decodeY4m(whole.subarray(0, whole.length - 1))),
    'Y4M_INVALID',
  );
  assert.equal(
    errorCode(() => decodeY4m(whole.subarray(0, 10))),
    'Y4M_INVALID',
  );
  assert.equal(
    errorCode(() => decodeY4m(new Uint8Array(0))),
    'Y4M_INVALID',
  );
  assert.equal(
    errorCode(() => decodeY4m(new Uint8Array(10_000).fill(0x41))),
    'Y4M_INVALID',
  );
  assert.equal(
    errorCode(() => decodeY4m(stream('YUV4MPEG2 W100000 H100000', []))),
    'IMAGE_TOO_LARGE',
  );
  // A header alone is a valid stream of no frames.
  assert.equal(decodeY4m(stream('YUV4MPEG2 W3 H2', [])).frames.length, 0);
  // The writer refuses a frame of another size.
  const w = new Y4mWriter(() => {}, { width: 3, height: 2, fps: 10 });
  assert.equal(
    errorCode(() => w.writeFrame({ width: 2, height: 3, data: new Uint8Array(6) })),
    'FRAME_SIZE_MISMATCH',
  );
});
