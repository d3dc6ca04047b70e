/**
 * ISO/IEC 18004 round trip: frames rendered by render.ts (qrcode) are read back by scan.ts (jsqr),
 * for UR-style text in alphanumeric mode and dense bytes in byte mode, at every error-correction
 * level, small to near the largest versions, on the default 1280x720 canvas and on others.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { QrTransportError } from '../errors.js';
import type { FrameContent } from '../frames.js';
import { RenderError } from './errors.js';
import {
  DENSE_DEFAULT_EC,
  defaultErrorCorrection,
  ERROR_CORRECTION_LEVELS,
  encodeQrMatrix,
  JSQR_UNREADABLE_VERSION,
  moduleScale,
  renderFrame,
  TEXT_DEFAULT_EC,
} from './render.js';
import { scanGray } from './scan.js';

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

function bytesOf(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

function urText(n: number, seed: number): string {
  const b = bytesOf(n, seed);
  return `UR:BYTES/${Array.from(b, (x) => ALNUM[x % 36]).join('')}`;
}

test('byte frames round-trip at every error-correction level and from tiny to near-largest versions', () => {
  for (const ec of ERROR_CORRECTION_LEVELS) {
    // The largest sizes are close to version 40's byte capacity at each level (2953/2331/1663/1273).
    const largest = { L: 2900, M: 2300, Q: 1600, H: 1250 }[ec];
    for (const n of [1, 50, 400, largest]) {
      const bytes = bytesOf(n, n * 7 + ec.charCodeAt(0));
      const img = renderFrame({ mode: 'byte', bytes }, { errorCorrection: ec });
      assert.equal(img.width, 1280);
      assert.equal(img.height, 720);
      const got = scanGray(img);
      assert.ok(got, `no code read back: ${n} bytes at ${ec}`);
      assert.deepEqual(got.bytes, bytes, `${n} bytes at ${ec}`);
    }
  }
});

test('alphanumeric (UR text) frames round-trip at every level, text and bytes views agree', () => {
  for (const ec of ERROR_CORRECTION_LEVELS) {
    for (const n of [10, 200, 900]) {
      const text = urText(n, n + ec.charCodeAt(0));
      const got = scanGray(renderFrame({ mode: 'alphanumeric', text }, { errorCorrection: ec }));
      assert.ok(got, `no code read back: ${text.length} characters at ${ec}`);
      assert.equal(got.text, text);
      assert.deepEqual(got.bytes, new TextEncoder().encode(text));
    }
  }
});

test('no symbol is version 23 (jsqr misreads it): content that would need it gets version 24 and scans', () => {
  for (const ec of ERROR_CORRECTION_LEVELS) {
    // Version 22's byte capacity at each level (ISO/IEC 18004 table 7), plus one: the smallest that needs 23.
    const n = { L: 1003, M: 779, Q: 565, H: 439 }[ec] + 1;
    const bytes = bytesOf(n, 23);
    const matrix = encodeQrMatrix({ mode: 'byte', bytes }, ec);
    assert.equal(matrix.version, JSQR_UNREADABLE_VERSION + 1, `${n} bytes at ${ec}`);
    assert.equal(matrix.size, 17 + 4 * 24);
    assert.deepEqual(scanGray(renderFrame({ mode: 'byte', bytes }, { errorCorrection: ec }))?.bytes, bytes);
  }
  assert.equal(encodeQrMatrix({ mode: 'byte', bytes: bytesOf(1000, 1) }, 'L').version, 22);
});

test('every character of the alphanumeric set survives the round trip', () => {
  const text = ALNUM.repeat(3);
  assert.equal(scanGray(renderFrame({ mode: 'alphanumeric', text }))?.text, text);
});

test('property: random byte payloads round-trip (default level, 1280x720)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 1200 }), (bytes) => {
      const got = scanGray(renderFrame({ mode: 'byte', bytes }));
      assert.ok(got);
      assert.deepEqual(got.bytes, bytes);
    }),
    { numRuns: 12 },
  );
});

test('the symbol is centred with an integer scale and a white quiet zone of at least 4 modules', () => {
  const content: FrameContent = { mode: 'byte', bytes: bytesOf(300, 1) };
  for (const [width, height] of [
    [1280, 720],
    [640, 480],
    [301, 997],
  ] as const) {
    const matrix = encodeQrMatrix(content);
    const img = renderFrame(content, { width, height });
    assert.equal(img.data.length, width * height);
    const scale = moduleScale(matrix.size, width, height, 4);
    assert.ok(scale >= 1);
    const side = matrix.size * scale;
    const left = (width - side) >> 1;
    const top = (height - side) >> 1;
    // Every module is a solid scale x scale square of its colour.
    for (let r = 0; r < matrix.size; r++) {
      for (let c = 0; c < matrix.size; c++) {
        const want = matrix.modules[r * matrix.size + c] ? 0 : 255;
        for (const [dy, dx] of [
          [0, 0],
          [scale - 1, scale - 1],
        ] as const) {
          assert.equal(img.data[(top + r * scale + dy) * width + left + c * scale + dx], want);
        }
      }
    }
    // Everything outside the symbol is white, and the margins leave room for the quiet zone.
    let dark = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (img.data[y * width + x] === 0 && (x < left || x >= left + side || y < top || y >= top + side))
          dark++;
      }
    }
    assert.equal(dark, 0);
    assert.ok(Math.min(left, top) >= 4 * scale);
    assert.ok(scanGray(img), `${width}x${height} did not scan`);
  }
});

test('defaults: M for UR text, the measured dense default for bytes; higher levels need larger symbols', () => {
  assert.equal(defaultErrorCorrection({ mode: 'alphanumeric', text: 'UR:BYTES/X' }), TEXT_DEFAULT_EC);
  assert.equal(TEXT_DEFAULT_EC, 'M');
  assert.equal(defaultErrorCorrection({ mode: 'byte', bytes: new Uint8Array(3) }), DENSE_DEFAULT_EC);
  const sizes = ERROR_CORRECTION_LEVELS.map(
    (ec) => encodeQrMatrix({ mode: 'byte', bytes: bytesOf(1000, 3) }, ec).size,
  );
  for (let i = 1; i < sizes.length; i++) assert.ok(sizes[i]! > sizes[i - 1]!, `sizes ${sizes.join(', ')}`);
});

test('typed refusals: text outside the alphanumeric set, data beyond version 40, a canvas too small', () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof RenderError && err instanceof QrTransportError);
      return err.code;
    }
    assert.fail('expected a RenderError');
  };
  assert.equal(
    code(() => renderFrame({ mode: 'alphanumeric', text: 'ur:bytes/lower' })),
    'QR_TEXT_NOT_ALPHANUMERIC',
  );
  assert.equal(
    code(() => renderFrame({ mode: 'byte', bytes: new Uint8Array(2954) }, { errorCorrection: 'L' })),
    'QR_DATA_TOO_LARGE',
  );
  assert.equal(
    code(() => renderFrame({ mode: 'byte', bytes: new Uint8Array(1300) }, { errorCorrection: 'H' })),
    'QR_DATA_TOO_LARGE',
  );
  assert.equal(
    code(() => renderFrame({ mode: 'byte', bytes: new Uint8Array(100) }, { width: 40, height: 40 })),
    'QR_CANVAS_TOO_SMALL',
  );
  assert.throws(
    () => renderFrame({ mode: 'byte', bytes: new Uint8Array(1) }, { errorCorrection: 'X' as 'L' }),
    RangeError,
  );
});

test('garbage gives null, never an exception', () => {
  const w = 320;
  const h = 240;
  const noise = new Uint8Array(w * h).map((_, i) => (Math.imul(i, 2654435761) >>> 24) & 255);
  const cases: unknown[] = [
    { width: w, height: h, data: noise },
    { width: w, height: h, data: new Uint8Array(w * h).fill(255) },
    { width: w, height: h, data: new Uint8Array(w * h) },
    { width: w, height: h, data: new Uint8Array(10) },
    { width: 0, height: 0, data: new Uint8Array(0) },
    { width: -1, height: 5, data: new Uint8Array(5) },
    { width: 2.5, height: 2, data: new Uint8Array(5) },
    { width: w, height: h, data: Array.from(noise) },
    null,
    undefined,
    'a picture',
    {},
  ];
  for (const c of cases) assert.equal(scanGray(c as never), null);
  // A real code cut in half is no code.
  const img = renderFrame({ mode: 'byte', bytes: bytesOf(200, 9) }, { width: 320, height: 240 });
  const half = img.data.slice();
  half.fill(255, (h >> 1) * w);
  assert.equal(scanGray({ width: w, height: h, data: half }), null);
});

test('property: random images never make the scanner throw', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 64 }),
      fc.integer({ min: 1, max: 64 }),
      fc.integer(),
      (width, height, seed) => {
        const data = bytesOf(width * height, seed);
        const r = scanGray({ width, height, data });
        assert.ok(r === null || typeof r.text === 'string');
      },
    ),
    { numRuns: 200 },
  );
});
