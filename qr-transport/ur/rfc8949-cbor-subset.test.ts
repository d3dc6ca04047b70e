/**
 * The CBOR subset (RFC 8949: unsigned integers, byte strings, arrays) with deterministic encoding
 * (§4.2.1): the RFC's Appendix A examples that fall in the subset, refusal of everything else with a
 * typed error, and fast-check properties (round trip; decoding is canonical, so decode→encode is the
 * identity on whatever decodes; arbitrary bytes never throw anything but UrError).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fromHex, hex } from './bc-ur-vectors.node.js';
import { type CborItem, cborBytes, cborBytesValue, decodeCbor, encodeCbor } from './cbor.js';
import { UrError } from './errors.js';

const appendixA: [CborItem, string][] = [
  [0, '00'],
  [1, '01'],
  [10, '0a'],
  [23, '17'],
  [24, '1818'],
  [25, '1819'],
  [100, '1864'],
  [1000, '1903e8'],
  [1000000, '1a000f4240'],
  [1000000000000, '1b000000e8d4a51000'],
  [new Uint8Array(0), '40'],
  [new Uint8Array([1, 2, 3, 4]), '4401020304'],
  [[], '80'],
  [[1, 2, 3], '83010203'],
  [[1, [2, 3], [4, 5]], '8301820203820405'],
  [Array.from({ length: 25 }, (_, i) => i + 1), '98190102030405060708090a0b0c0d0e0f101112131415161718181819'],
];

test('RFC 8949 Appendix A examples in the subset encode and decode', () => {
  for (const [item, cborHex] of appendixA) {
    assert.equal(hex(encodeCbor(item)), cborHex);
    assert.deepEqual(decodeCbor(fromHex(cborHex)), item);
  }
  assert.equal(hex(encodeCbor(Number.MAX_SAFE_INTEGER)), '1b001fffffffffffff');
});

test('everything outside the subset or not canonical is refused with UR_CBOR', () => {
  const refused = [
    '', // nothing
    '20', // -1
    '6161', // text "a"
    'a0', // {}
    'c11a514b67b0', // tag 1
    'f4', // false
    'f97c00', // half float
    'fb3ff199999999999a', // double
    '1817', // 23 in two bytes
    '190017', // 23 in three bytes
    '1a0000ffff', // 65535 in five bytes
    '1b00000000ffffffff', // 2^32 - 1 in nine bytes
    '1b0020000000000000', // 2^53: above the safe range
    '1c', // reserved
    '5f4101ff', // indefinite byte string
    '9f01ff', // indefinite array
    '4401', // byte string runs short
    '9a00010000', // 65536-item array in 5 bytes
    '0001', // trailing byte
    '818181818181818181818100', // nested 11 deep
  ];
  for (const cborHex of refused) {
    assert.throws(
      () => decodeCbor(fromHex(cborHex)),
      (e: unknown) => e instanceof UrError && e.code === 'UR_CBOR' && e.message.startsWith('CBOR'),
      cborHex,
    );
  }
});

test('cborBytes / cborBytesValue wrap and unwrap exactly one byte string', () => {
  for (const n of [0, 1, 23, 24, 255, 256, 65535, 65536]) {
    const payload = new Uint8Array(n).map((_, i) => i);
    const wrapped = cborBytes(payload);
    assert.deepEqual(decodeCbor(wrapped), payload);
    assert.deepEqual(cborBytesValue(wrapped), payload);
  }
  assert.throws(
    () => cborBytesValue(fromHex('8140')),
    (e: unknown) => e instanceof UrError && e.code === 'UR_CBOR' && e.message.includes('array'),
  );
});

const itemArb: fc.Arbitrary<CborItem> = fc.letrec<{ item: CborItem }>((tie) => ({
  item: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.nat(30), fc.nat(), fc.maxSafeNat()),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('item'), { maxLength: 5 }),
  ),
})).item;

test('property: encode then decode is the identity', () => {
  fc.assert(
    fc.property(itemArb, (item) => {
      assert.deepEqual(decodeCbor(encodeCbor(item)), item);
    }),
  );
});

test('property: arbitrary bytes decode canonically or throw UrError, never anything else', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 30 }), (bytes) => {
      let item: CborItem;
      try {
        item = decodeCbor(bytes);
      } catch (e) {
        assert.ok(e instanceof UrError, String(e));
        return;
      }
      assert.deepEqual(encodeCbor(item), bytes);
    }),
    { numRuns: 5000 },
  );
});
