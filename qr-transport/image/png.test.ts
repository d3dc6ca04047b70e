/**
 * W3C PNG: encodePng → decodePng is the identity on grey images; the reader takes PNGs from another
 * encoder (qrcode's, via pngjs: RGBA) and hand-built ones of every colour type and filter it claims,
 * and refuses 16-bit, interlaced and damaged files with typed errors.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { zlibSync } from 'fflate';
import QRCode from 'qrcode';
import { ImageFormatError } from './errors.js';
import type { GrayImage } from './gray-image.js';
import { decodePng, encodePng, isPng } from './png.js';
import { renderFrame } from './render.js';
import { scanGray } from './scan.js';

const arbImage = fc
  .record({ width: fc.integer({ min: 1, max: 70 }), height: fc.integer({ min: 1, max: 40 }) })
  .chain(({ width, height }) =>
    fc
      .uint8Array({ minLength: width * height, maxLength: width * height })
      .map((data): GrayImage => ({ width, height, data })),
  );

test('property: encodePng then decodePng gives back the same grey image', () => {
  fc.assert(
    fc.property(arbImage, (img) => {
      const png = encodePng(img);
      assert.ok(isPng(png));
      assert.deepEqual(decodePng(png), img);
    }),
    { numRuns: 150 },
  );
});

test('a rendered 1280x720 frame survives PNG and still scans; QR frames compress well', () => {
  const bytes = new TextEncoder().encode('airlock png round trip '.repeat(20));
  const img = renderFrame({ mode: 'byte', bytes });
  const png = encodePng(img);
  assert.ok(png.length < img.data.length / 50, `PNG of ${png.length} bytes`);
  const back = decodePng(png);
  assert.deepEqual(back, img);
  assert.deepEqual(scanGray(back)?.bytes, bytes);
});

test('reads the RGBA PNG another encoder (qrcode, via pngjs) writes, and the code in it scans', async () => {
  const text = 'UR:BYTES/HDCXAYLFGMAAHLT';
  const png = new Uint8Array(
    await QRCode.toBuffer([{ mode: 'alphanumeric', data: text }], { scale: 6, margin: 4 }),
  );
  assert.equal(png[25], 6, 'pngjs writes RGBA');
  const img = decodePng(png);
  assert.equal(img.width, img.height);
  assert.deepEqual(new Set(img.data), new Set([0, 255]));
  assert.equal(scanGray(img)?.text, text);
});

// A minimal PNG builder for the tests: any colour type, bit depth, filter and extra chunks.
const CRC = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return (b: Uint8Array) => {
    let c = 0xffffffff;
    for (const x of b) c = t[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
})();

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const body = new Uint8Array(4 + data.length);
  body.set(Buffer.from(type, 'latin1'));
  body.set(data, 4);
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  out.set(body, 4);
  v.setUint32(8 + data.length, CRC(body));
  return out;
}

function buildPng(opts: {
  width: number;
  height: number;
  depth: number;
  colourType: number;
  interlace?: number;
  /** Unfiltered scanlines (without the filter byte). */
  rows: Uint8Array[];
  filter?: number;
  chunks?: [string, Uint8Array][];
}): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, opts.width);
  v.setUint32(4, opts.height);
  ihdr[8] = opts.depth;
  ihdr[9] = opts.colourType;
  ihdr[12] = opts.interlace ?? 0;
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[opts.colourType] ?? 1;
  const bpp = Math.max(1, (channels * opts.depth) >> 3);
  const filter = opts.filter ?? 0;
  const raw: number[] = [];
  opts.rows.forEach((row, y) => {
    const prev = y > 0 ? opts.rows[y - 1]! : new Uint8Array(row.length);
    raw.push(filter);
    for (let i = 0; i < row.length; i++) {
      const a = i >= bpp ? row[i - bpp]! : 0;
      const b = prev[i]!;
      const c = i >= bpp ? prev[i - bpp]! : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      raw.push((row[i]! - pred) & 0xff);
    }
  });
  const sig = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
  return Buffer.concat([
    sig,
    pngChunk('IHDR', ihdr),
    ...(opts.chunks ?? []).map(([t, d]) => pngChunk(t, d)),
    pngChunk('IDAT', zlibSync(Uint8Array.from(raw))),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

test('every filter type (None, Sub, Up, Average, Paeth) unfilters to the same RGB image', () => {
  const width = 7;
  const height = 5;
  const rows = Array.from({ length: height }, (_, y) =>
    Uint8Array.from({ length: width * 3 }, (_, i) => (y * 53 + i * 29 + ((i * y) % 7) * 11) & 255),
  );
  const expected = rows.flatMap((row) =>
    Array.from({ length: width }, (_, x) =>
      Math.round((299 * row[3 * x]! + 587 * row[3 * x + 1]! + 114 * row[3 * x + 2]!) / 1000),
    ),
  );
  for (const filter of [0, 1, 2, 3, 4]) {
    const img = decodePng(buildPng({ width, height, depth: 8, colourType: 2, rows, filter }));
    assert.deepEqual(Array.from(img.data), expected, `filter ${filter}`);
  }
});

test('colour types: sub-byte grey, palette with tRNS, grey+alpha and RGBA over white', () => {
  // 1-bit grey, 10 pixels wide: two bytes per row, the second half-used.
  const grey1 = decodePng(
    buildPng({
      width: 10,
      height: 1,
      depth: 1,
      colourType: 0,
      rows: [Uint8Array.of(0b10110000, 0b01000000)],
    }),
  );
  assert.deepEqual(Array.from(grey1.data), [255, 0, 255, 255, 0, 0, 0, 0, 0, 255]);
  const grey4 = decodePng(
    buildPng({ width: 3, height: 1, depth: 4, colourType: 0, rows: [Uint8Array.of(0x0f, 0x50)] }),
  );
  assert.deepEqual(Array.from(grey4.data), [0, 255, 85]);
  // 2-bit palette: black, white, pure red (luma 76), a fully transparent entry (white).
  const plte = Uint8Array.of(0, 0, 0, 255, 255, 255, 255, 0, 0, 9, 9, 9);
  const pal = decodePng(
    buildPng({
      width: 4,
      height: 1,
      depth: 2,
      colourType: 3,
      rows: [Uint8Array.of(0b00011011)],
      chunks: [
        ['PLTE', plte],
        ['tRNS', Uint8Array.of(255, 255, 255, 0)],
      ],
    }),
  );
  assert.deepEqual(Array.from(pal.data), [0, 255, 76, 255]);
  const ga = decodePng(
    buildPng({ width: 2, height: 1, depth: 8, colourType: 4, rows: [Uint8Array.of(0, 255, 0, 0)] }),
  );
  assert.deepEqual(Array.from(ga.data), [0, 255]);
  const rgba = decodePng(
    buildPng({
      width: 2,
      height: 1,
      depth: 8,
      colourType: 6,
      rows: [Uint8Array.of(0, 0, 255, 255, 0, 0, 0, 128)],
    }),
  );
  assert.deepEqual(Array.from(rgba.data), [29, 127]);
  // An ancillary chunk the reader does not know is skipped.
  const withText = decodePng(
    buildPng({
      width: 1,
      height: 1,
      depth: 8,
      colourType: 0,
      rows: [Uint8Array.of(42)],
      chunks: [['tEXt', Buffer.from('k\0v')]],
    }),
  );
  assert.deepEqual(Array.from(withText.data), [42]);
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

test('refusals: 16-bit and interlaced are PNG_UNSUPPORTED; damaged files are PNG_INVALID', () => {
  const row16 = [Uint8Array.of(0, 0, 255, 255)];
  assert.equal(
    errorCode(() => decodePng(buildPng({ width: 2, height: 1, depth: 16, colourType: 0, rows: row16 }))),
    'PNG_UNSUPPORTED',
  );
  assert.equal(
    errorCode(() =>
      decodePng(
        buildPng({ width: 1, height: 1, depth: 8, colourType: 0, interlace: 1, rows: [Uint8Array.of(1)] }),
      ),
    ),
    'PNG_UNSUPPORTED',
  );
  assert.equal(
    errorCode(() =>
      decodePng(
        buildPng({
          width: 1,
          height: 1,
          depth: 8,
          colourType: 0,
          rows: [Uint8Array.of(1)],
          chunks: [['CRIT', new Uint8Array(1)]],
        }),
      ),
    ),
    'PNG_UNSUPPORTED',
  );
  const good = encodePng({ width: 3, height: 2, data: Uint8Array.of(1, 2, 3, 4, 5, 6) });
  assert.equal(
    errorCode(() => decodePng(new TextEncoder().encode('GIF89a, not a PNG'))),
    'PNG_INVALID',
  );
  assert.equal(
    errorCode(() => decodePng(good.subarray(0, good.length - 5))),
    'PNG_INVALID',
  );
  const flipped = good.slice();
  flipped[40] = flipped[40]! ^ 1; // inside IDAT: its CRC no longer matches
  assert.equal(
    errorCode(() => decodePng(flipped)),
    'PNG_INVALID',
  );
  // Palette image without a palette; a filter type that does not exist; too little image data.
  assert.equal(
    errorCode(() =>
      decodePng(buildPng({ width: 1, height: 1, depth: 8, colourType: 3, rows: [Uint8Array.of(0)] })),
    ),
    'PNG_INVALID',
  );
  assert.equal(
    errorCode(() =>
      decodePng(
        buildPng({ width: 1, height: 1, depth: 8, colourType: 0, rows: [Uint8Array.of(0)], filter: 5 }),
      ),
    ),
    'PNG_INVALID',
  );
  const short = buildPng({ width: 4, height: 4, depth: 8, colourType: 0, rows: [new Uint8Array(4)] });
  assert.equal(
    errorCode(() => decodePng(short)),
    'PNG_INVALID',
  );
  // A size beyond the reader's limit is refused before anything is allocated.
  const huge = buildPng({ width: 100_000, height: 100_000, depth: 8, colourType: 0, rows: [] });
  assert.equal(
    errorCode(() => decodePng(huge)),
    'IMAGE_TOO_LARGE',
  );
});

test('property: corrupted PNGs are refused with ImageFormatError, never another exception', () => {
  const good = encodePng(
    renderFrame({ mode: 'byte', bytes: Uint8Array.of(1, 2, 3) }, { width: 60, height: 40 }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 8, max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
      const bad = good.slice();
      bad[at] = bad[at]! ^ x;
      try {
        decodePng(bad);
      } catch (err) {
        assert.ok(err instanceof ImageFormatError, String(err));
      }
    }),
    { numRuns: 300 },
  );
});
