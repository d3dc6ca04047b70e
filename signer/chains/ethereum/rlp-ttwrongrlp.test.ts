/**
 * Canonical RLP (rlp.ts) against ethereum/tests TransactionTests/ttWrongRLP, plus the canonical
 * round-trip property: the decoder refuses every framing defect (sizes, leading zeros in lengths,
 * single bytes wrapped as strings, truncation, trailing bytes) and everything it accepts re-encodes
 * to exactly the input.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { RefusalError } from '../../errors.js';
import { assertRefused, exceptionName, transactionTests } from './fixtures.js';
import { fromHex, toHex } from './hex.js';
import { decodeRlp, encodeRlp, type RlpItem } from './rlp.js';

const wrongRlp = transactionTests(['ttWrongRLP']);

/** Exceptions that name a defect of the RLP framing itself, not of a field's content. */
function isFramingDefect(exception: string): boolean {
  return (
    exception === 'RLP_ERROR_SIZE' ||
    exception === 'RLP_ERROR_SIZE_LEADING_ZEROS' ||
    exception === 'RLP_ERROR_EOF' ||
    /^RLP_LEADING_ZEROS_.*_SIZE$/.test(exception)
  );
}

/** The RLP body of a transaction: typed transactions lose their type byte. */
function rlpBody(txbytes: string): Uint8Array {
  const raw = fromHex(txbytes);
  return raw.length > 0 && raw[0]! < 0x80 ? raw.subarray(1) : raw;
}

test('ttWrongRLP has the 59 cases the README describes, all invalid', () => {
  assert.equal(wrongRlp.length, 59);
  for (const c of wrongRlp) assert.ok(c.london.exception !== undefined, c.name);
});

test('ttWrongRLP: every framing defect is refused by the RLP decoder as MALFORMED_TX', () => {
  const framing = wrongRlp.filter((c) => isFramingDefect(exceptionName(c)!));
  assert.equal(framing.length, 30);
  for (const c of framing) {
    const e = assertRefused(() => decodeRlp(rlpBody(c.txbytes), { field: 'rawTx' }), 'MALFORMED_TX', 'rawTx');
    assert.match(e.message, /not canonical RLP/, c.name);
  }
});

test('ttWrongRLP: whatever the RLP decoder accepts re-encodes to exactly the same bytes', () => {
  let accepted = 0;
  for (const c of wrongRlp) {
    const body = rlpBody(c.txbytes);
    let item: RlpItem;
    try {
      item = decodeRlp(body, {});
    } catch (e) {
      assert.ok(e instanceof RefusalError, `${c.name}: ${String(e)}`);
      continue;
    }
    accepted++;
    assert.equal(toHex(encodeRlp(item)), toHex(body), c.name);
  }
  // Field-level defects (leading zeros in integers, wrong address sizes...) are valid RLP.
  assert.equal(accepted, 24);
});

test('RLP decoder refuses hand-made non-canonical encodings', () => {
  const cases: readonly (readonly [string, string])[] = [
    ['8100', 'single byte 0x00 wrapped as a string'],
    ['817f', 'single byte 0x7f wrapped as a string'],
    ['b801ff', 'long-form string length below 56'],
    ['b90000', 'long-form length with a leading zero'],
    ['f800', 'long-form list length below 56'],
    ['c280', 'list shorter than its header says'],
    ['c0c0', 'trailing item after the first'],
    ['82ff', 'string shorter than its header says'],
    ['', 'empty input'],
    ['bf', 'length-of-length running past the end'],
    ['bbffffffff', 'length far past the end'],
  ];
  for (const [hex, why] of cases) {
    assert.throws(
      () => decodeRlp(fromHex(hex), { field: 'rawTx' }),
      (e) => e instanceof RefusalError && e.code === 'MALFORMED_TX' && e.field === 'rawTx',
      why,
    );
  }
});

test('RLP decoder returns copies, not views into the input', () => {
  const input = fromHex('c483010203');
  const item = decodeRlp(input, {}) as RlpItem[];
  input[2] = 0xee;
  assert.deepEqual(item[0], fromHex('010203'));
});

const rlpItem: fc.Arbitrary<RlpItem> = fc.letrec<{ item: RlpItem }>((tie) => ({
  item: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.uint8Array({ maxLength: 70 }),
    fc.array(tie('item'), { maxLength: 5 }),
  ),
})).item;

test('property: encode then decode is the identity on random RLP trees', () => {
  fc.assert(
    fc.property(rlpItem, (item) => {
      const encoded = encodeRlp(item);
      assert.deepEqual(decodeRlp(encoded, {}), item);
    }),
  );
});

test('property: random bytes are refused with RefusalError or decode to a canonical encoding', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      try {
        const item = decodeRlp(bytes, {});
        assert.equal(toHex(encodeRlp(item)), toHex(bytes));
      } catch (e) {
        if (!(e instanceof RefusalError)) throw e;
      }
    }),
    { numRuns: 2000 },
  );
});
