/**
 * GIF89a (https://www.w3.org/Graphics/GIF/spec-gif89a.txt): GifWriter's output has the header,
 * logical screen, a two-colour global table, the NETSCAPE2.0 loop, one graphic control extension and
 * image per frame, and the trailer; its LZW data decodes (a small decoder here) to the thresholded
 * frames, which still scan.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImageFormatError } from './errors.js';
import { GifWriter } from './gif.js';
import type { GrayImage } from './gray-image.js';
import { renderFrame } from './render.js';
import { scanGray } from './scan.js';

interface ParsedGif {
  width: number;
  height: number;
  globalTable: number[][];
  loop: number | null;
  frames: { delay: number; pixels: Uint8Array; width: number; height: number }[];
  trailer: boolean;
}

function lzwDecode(minCodeSize: number, data: Uint8Array, pixelCount: number): Uint8Array {
  const out = new Uint8Array(pixelCount);
  const clear = 1 << minCodeSize;
  const eoi = clear + 1;
  let size = minCodeSize + 1;
  let dict: number[][] = [];
  const reset = () => {
    dict = Array.from({ length: clear + 2 }, (_, i) => (i < clear ? [i] : []));
    size = minCodeSize + 1;
  };
  reset();
  let prev: number[] | null = null;
  let bits = 0;
  let acc = 0;
  let n = 0;
  for (const byte of data) {
    acc |= byte << bits;
    bits += 8;
    while (bits >= size) {
      const code = acc & ((1 << size) - 1);
      acc >>>= size;
      bits -= size;
      if (code === clear) {
        reset();
        prev = null;
        continue;
      }
      if (code === eoi) return out.subarray(0, n);
      let entry: number[];
      if (code < dict.length) entry = dict[code]!;
      else if (prev && code === dict.length) entry = [...prev, prev[0]!];
      else throw new Error(`bad LZW code ${code}`);
      for (const v of entry) out[n++] = v;
      if (prev) dict.push([...prev, entry[0]!]);
      prev = entry;
      if (dict.length === 1 << size && size < 12) size++;
    }
  }
  return out.subarray(0, n);
}

function parseGif(b: Uint8Array): ParsedGif {
  const u16 = (at: number) => b[at]! | (b[at + 1]! << 8);
  assert.equal(Buffer.from(b.subarray(0, 6)).toString('latin1'), 'GIF89a');
  const width = u16(6);
  const height = u16(8);
  const packed = b[10]!;
  assert.ok(packed & 0x80, 'global colour table flag');
  const tableSize = 1 << ((packed & 7) + 1);
  let at = 13;
  const globalTable = Array.from({ length: tableSize }, (_, i) => [
    b[at + 3 * i]!,
    b[at + 3 * i + 1]!,
    b[at + 3 * i + 2]!,
  ]);
  at += 3 * tableSize;
  const gif: ParsedGif = { width, height, globalTable, loop: null, frames: [], trailer: false };
  let delay = -1;
  const subBlocks = () => {
    const parts: number[] = [];
    while (b[at] !== 0) {
      const len = b[at]!;
      parts.push(...b.subarray(at + 1, at + 1 + len));
      at += 1 + len;
    }
    at++;
    return Uint8Array.from(parts);
  };
  while (at < b.length) {
    const kind = b[at++]!;
    if (kind === 0x3b) {
      gif.trailer = true;
      assert.equal(at, b.length, 'nothing after the trailer');
      break;
    }
    if (kind === 0x21) {
      const label = b[at++]!;
      if (label === 0xf9) {
        assert.equal(b[at], 4);
        delay = u16(at + 2);
        at += 6;
      } else if (label === 0xff) {
        const id = Buffer.from(b.subarray(at + 1, at + 12)).toString('latin1');
        at += 12;
        const data = subBlocks();
        if (id === 'NETSCAPE2.0') gif.loop = data[1]! | (data[2]! << 8);
      } else subBlocks();
    } else if (kind === 0x2c) {
      const w = u16(at + 4);
      const h = u16(at + 6);
      assert.equal(b[at + 8]! & 0x80, 0, 'no local colour table');
      at += 9;
      const minCode = b[at++]!;
      const pixels = lzwDecode(minCode, subBlocks(), w * h);
      gif.frames.push({ delay, pixels, width: w, height: h });
      delay = -1;
    } else assert.fail(`unexpected block 0x${kind.toString(16)} at ${at - 1}`);
  }
  return gif;
}

test('header, two-colour table, endless loop, one image per frame with its delay, trailer', () => {
  const chunks: Uint8Array[] = [];
  const w = new GifWriter((c) => chunks.push(c), { width: 9, height: 4, fps: 8 });
  const imgs: GrayImage[] = [0, 1, 2].map((f) => ({
    width: 9,
    height: 4,
    data: Uint8Array.from({ length: 36 }, (_, i) => ((i + f) % 3 === 0 ? 10 : i % 5 === 0 ? 127 : 200)),
  }));
  for (const img of imgs) w.writeFrame(img);
  w.finish();
  assert.ok(chunks.length >= 4, 'streamed: one chunk per frame plus the trailer');
  const gif = parseGif(Buffer.concat(chunks));
  assert.equal(gif.width, 9);
  assert.equal(gif.height, 4);
  assert.deepEqual(gif.globalTable, [
    [0, 0, 0],
    [255, 255, 255],
  ]);
  assert.equal(gif.loop, 0);
  assert.equal(gif.trailer, true);
  assert.equal(gif.frames.length, 3);
  for (const [f, frame] of gif.frames.entries()) {
    assert.equal(frame.delay, 13); // 100 / 8 fps, rounded, in hundredths of a second
    assert.deepEqual(
      Array.from(frame.pixels),
      Array.from(imgs[f]!.data, (v) => (v >= 128 ? 1 : 0)),
    );
  }
});

test('an animated QR GIF decodes to frames that scan', () => {
  const chunks: Uint8Array[] = [];
  const w = new GifWriter((c) => chunks.push(c), { width: 640, height: 360, fps: 10 });
  const payloads = ['first', 'second'].map((s) => new TextEncoder().encode(`${s} frame of the transfer`));
  for (const p of payloads)
    w.writeFrame(renderFrame({ mode: 'byte', bytes: p }, { width: 640, height: 360 }));
  w.finish();
  assert.equal(w.frameCount, 2);
  const gif = parseGif(Buffer.concat(chunks));
  assert.equal(gif.frames.length, 2);
  const scanned = gif.frames.map(
    (f) => scanGray({ width: 640, height: 360, data: f.pixels.map((v) => v * 255) })?.bytes,
  );
  assert.deepEqual(scanned, payloads);
});

test('refusals: frames of another size, no frame at all, frame rates GIF cannot hold', () => {
  const w = new GifWriter(() => {}, { width: 4, height: 4, fps: 10 });
  assert.throws(
    () => w.writeFrame({ width: 5, height: 4, data: new Uint8Array(20) }),
    (e) => e instanceof ImageFormatError && e.code === 'FRAME_SIZE_MISMATCH',
  );
  assert.throws(() => w.finish(), TypeError);
  assert.throws(() => new GifWriter(() => {}, { width: 4, height: 4, fps: 60 }), RangeError);
  assert.throws(() => new GifWriter(() => {}, { width: 70000, height: 4, fps: 10 }), RangeError);
});
