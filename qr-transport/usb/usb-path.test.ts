/**
 * docs/usb.md "Rules", names: a name accepted by usbPathSegments always stays below the root. Table
 * tests for each refusal, and a fast-check property over names built from the troublesome pieces
 * (`..`, `.`, empty segments, `/`, `\`, NUL, long segments).
 */
import assert from 'node:assert/strict';
import { posix } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsbError, UsbPathInvalidError, UsbPathOutsideRootError } from './errors.js';
import { MAX_DEPTH, MAX_SEGMENT_BYTES, usbPathSegments } from './usb-path.js';

test('plain relative names are split into their segments', () => {
  assert.deepEqual(usbPathSegments('batch.json'), ['batch.json']);
  assert.deepEqual(usbPathSegments('airlock/in/batch 2.json'), ['airlock', 'in', 'batch 2.json']);
  assert.deepEqual(usbPathSegments('..hidden/...'), ['..hidden', '...']);
  assert.deepEqual(usbPathSegments('é/ü.json'), ['é', 'ü.json']);
});

test('absolute names and ".." segments point outside the root', () => {
  for (const p of [
    '/etc/passwd',
    '/',
    '..',
    '../x',
    'a/../../x',
    'a/..',
    'a/b/..',
    '..\\x',
    'a\\..\\..\\x',
  ]) {
    assert.throws(() => usbPathSegments(p), UsbPathOutsideRootError, p);
  }
});

test('empty, ".", doubled "/", trailing "/", NUL, backslash, over-long and over-deep names are refused', () => {
  const deep = Array.from({ length: MAX_DEPTH + 1 }, () => 'd').join('/');
  for (const p of [
    '',
    '.',
    './x',
    'a//b',
    'a/',
    'a/./b',
    'a\0b',
    'a\\b',
    'x'.repeat(MAX_SEGMENT_BYTES + 1),
    'é'.repeat(128),
    `${deep}/file`,
  ]) {
    assert.throws(() => usbPathSegments(p), UsbPathInvalidError, JSON.stringify(p).slice(0, 40));
  }
  assert.equal(usbPathSegments(`${Array.from({ length: MAX_DEPTH }, () => 'd').join('/')}/file`).length, 9);
  assert.throws(() => usbPathSegments(42 as unknown as string), TypeError);
});

test('property: an accepted name, joined to any root, resolves strictly below that root', () => {
  const piece = fc.constantFrom('..', '.', '', 'a', 'b.json', '\\', '..\\', '\0', ' ', 'x'.repeat(300), '…');
  const name = fc
    .array(piece, { maxLength: 8 })
    .chain((pieces) =>
      fc
        .array(fc.constantFrom('/', ''), { minLength: pieces.length, maxLength: pieces.length })
        .map((seps) => pieces.map((p, i) => `${seps[i]}${p}`).join('')),
    );
  fc.assert(
    fc.property(name, (p) => {
      let segments: string[];
      try {
        segments = usbPathSegments(p);
      } catch (err) {
        assert.ok(err instanceof UsbError, String(err));
        return;
      }
      const full = posix.normalize(posix.join('/media/stick', p));
      assert.ok(full.startsWith('/media/stick/'), `${JSON.stringify(p)} -> ${full}`);
      assert.equal(segments.join('/'), p);
      assert.ok(segments.every((s) => s !== '' && s !== '.' && s !== '..'));
    }),
    { numRuns: 2000 },
  );
});
