/**
 * The digest fingerprint people compare (fingerprint.ts) and its word table: the Bytewords of
 * bcr-2020-012, checked against the Blockchain Commons vectors in ../shared/vectors/bc-ur.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { readVector } from '../../test-support/paths.js';
import { BYTEWORDS } from './bytewords.js';
import { fingerprint } from './fingerprint.js';

interface BytewordsVectors {
  readonly bytewords: {
    readonly wordList: readonly string[];
    readonly valid: readonly { readonly bytesHex: string; readonly standard: string }[];
  };
}

const vectors = readVector<BytewordsVectors>('bc-ur/bc-ur_test_vectors.json').bytewords;

test('BYTEWORDS is the bcr-2020-012 word list, in byte order', () => {
  assert.deepEqual([...BYTEWORDS], [...vectors.wordList]);
  assert.equal(new Set(BYTEWORDS).size, 256);
  // bcr-2020-012: the first and last letters of each word are unique, so two letters identify a word
  assert.equal(new Set(BYTEWORDS.map((w) => w[0]! + w[3]!)).size, 256);
  assert.ok(Object.isFrozen(BYTEWORDS));
});

test('bcr-2020-012 encoding vectors: each byte maps to its word (the trailing 4 words are the CRC-32)', () => {
  assert.ok(vectors.valid.length >= 3);
  for (const v of vectors.valid) {
    const bytes = Buffer.from(v.bytesHex, 'hex');
    const words = v.standard.split(' ');
    assert.equal(words.length, bytes.length + 4);
    assert.deepEqual(
      [...bytes].map((b) => BYTEWORDS[b]),
      words.slice(0, bytes.length),
    );
  }
});

test('fingerprint of SHA-256("abc"): first 16 hex digits grouped, and the words of its first 4 bytes', () => {
  const digest = createHash('sha256').update('abc').digest();
  assert.equal(digest.toString('hex').slice(0, 16), 'ba7816bf8f01cfea');
  const fp = fingerprint(new Uint8Array(digest));
  assert.equal(fp.hex, 'ba78-16bf-8f01-cfea');
  assert.deepEqual(fp.words, ['road', 'keys', 'calm', 'runs']);
  assert.equal(fp.text, 'ba78-16bf-8f01-cfea (road keys calm runs)');
});

test('fingerprint edge digests', () => {
  assert.equal(
    fingerprint(new Uint8Array(32).map((_, i) => i)).text,
    '0001-0203-0405-0607 (able acid also apex)',
  );
  assert.equal(fingerprint(new Uint8Array(32).fill(0xff)).text, 'ffff-ffff-ffff-ffff (zoom zoom zoom zoom)');
});

test('fingerprint refuses anything but a 32-byte digest', () => {
  assert.throws(() => fingerprint(new Uint8Array(31)), RangeError);
  assert.throws(() => fingerprint(new Uint8Array(33)), RangeError);
  assert.throws(() => fingerprint('ba7816bf' as never), RangeError);
});

test('property: the fingerprint is a deterministic function of the first 8 digest bytes', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 24, maxLength: 24 }),
      (d, tail) => {
        const a = fingerprint(d);
        const b = fingerprint(Uint8Array.from([...d.subarray(0, 8), ...tail]));
        assert.deepEqual(a, b);
        assert.equal(a.hex.replaceAll('-', ''), Buffer.from(d.subarray(0, 8)).toString('hex'));
        assert.deepEqual(
          a.words.map((w) => BYTEWORDS.indexOf(w)),
          [...d.subarray(0, 4)],
        );
      },
    ),
  );
});
