/**
 * BCR-2020-012 Bytewords and its CRC-32, against the Blockchain Commons vectors (bc-ur test.cpp,
 * bcr-2020-012 text): every valid vector in all three styles, every invalid one refused with a typed
 * error, and fast-check round trips.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bcUr, fromHex, hex } from './bc-ur-vectors.node.js';
import { BYTEWORDS, type BytewordsStyle, decodeBytewords, encodeBytewords } from './bytewords.js';
import { crc32, crc32Bytes } from './crc32.js';
import { UrError } from './errors.js';

test('CRC-32 vectors (bc-ur test_crc32)', () => {
  assert.equal(bcUr.crc32.length, 3);
  for (const v of bcUr.crc32) {
    const input = v.inputUtf8 !== undefined ? new TextEncoder().encode(v.inputUtf8) : fromHex(v.inputHex!);
    assert.equal(crc32(input).toString(16).padStart(8, '0'), v.crc32Hex);
    assert.equal(hex(crc32Bytes(input)), v.crc32Hex);
  }
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('the word list is bcr-2020-012 "Word List", two letters identify a word', () => {
  assert.deepEqual([...BYTEWORDS], [...bcUr.bytewords.wordList]);
  assert.equal(new Set(BYTEWORDS.map((w) => w[0]! + w[3]!)).size, 256);
});

test('valid Bytewords vectors encode and decode in every style', () => {
  assert.equal(bcUr.bytewords.valid.length, 3);
  for (const v of bcUr.bytewords.valid) {
    const bytes = fromHex(v.bytesHex);
    const styles: [BytewordsStyle, string | undefined][] = [
      ['standard', v.standard],
      ['uri', v.uri],
      ['minimal', v.minimal],
    ];
    for (const [style, text] of styles) {
      if (text === undefined) continue;
      assert.equal(encodeBytewords(bytes, style), text, style);
      assert.equal(hex(decodeBytewords(text, style)), v.bytesHex, style);
      assert.equal(hex(decodeBytewords(text.toUpperCase(), style)), v.bytesHex, `${style} upper case`);
    }
    if (v.crc32Hex !== undefined) assert.equal(hex(crc32Bytes(bytes)), v.crc32Hex);
  }
});

test('invalid Bytewords vectors are refused with UrError (checksum or length)', () => {
  assert.equal(bcUr.bytewords.invalid.length, 5);
  for (const v of bcUr.bytewords.invalid) {
    assert.throws(
      () => decodeBytewords(v.text, v.style),
      (e: unknown) =>
        e instanceof UrError &&
        (v.reason.includes('checksum') ? e.code === 'UR_CHECKSUM' : e.code === 'UR_BYTEWORDS'),
      `${v.style} ${JSON.stringify(v.text)} (${v.reason})`,
    );
  }
});

test('words that are not Bytewords are refused, naming the word', () => {
  const good = encodeBytewords(new Uint8Array([1, 2, 3]), 'standard');
  const cases: [string, BytewordsStyle][] = [
    [good.replace('acid', 'axid'), 'standard'], // right ends, wrong middle
    [good.replace('acid', 'acidd'), 'standard'],
    [good.replace(' ', '  '), 'standard'],
    [good.replaceAll(' ', '-').replace('acid', 'ac1d'), 'uri'],
    ['aeadaolazmjendeot', 'minimal'], // odd length
    ['aeadaolazmjendeo1i', 'minimal'],
    ['aeadaolazmjendeo\u00e9i', 'minimal'],
    ['qqadaolazmjendeoti', 'minimal'], // "qq" is no word's ends
  ];
  for (const [text, style] of cases) {
    assert.throws(
      () => decodeBytewords(text, style),
      (e: unknown) => e instanceof UrError && e.code === 'UR_BYTEWORDS' && e.message.includes('Bytewords'),
      `${style} ${text}`,
    );
  }
});

test('property: Bytewords round-trips any non-empty bytes in every style, any case', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 300 }),
      fc.constantFrom<BytewordsStyle>('standard', 'uri', 'minimal'),
      fc.boolean(),
      (bytes, style, upper) => {
        const text = encodeBytewords(bytes, style);
        assert.deepEqual(decodeBytewords(upper ? text.toUpperCase() : text, style), bytes);
      },
    ),
  );
});

test('property: a changed minimal Bytewords body never decodes to other bytes without an error', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 100 }),
      fc.nat(),
      fc.integer({ min: 0, max: 25 }),
      (bytes, at, letter) => {
        const text = encodeBytewords(bytes, 'minimal');
        const i = at % text.length;
        const mutated = text.slice(0, i) + String.fromCharCode(97 + letter) + text.slice(i + 1);
        if (mutated === text) return;
        // A single changed word always changes the CRC-32 (it detects every error burst of <= 32 bits).
        assert.throws(() => decodeBytewords(mutated, 'minimal'), UrError);
      },
    ),
  );
});
