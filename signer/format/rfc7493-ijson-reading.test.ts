/**
 * strict-json.ts: untrusted documents are bounded before parsing and held to I-JSON (RFC 7493), which
 * RFC 8785 requires of signed data: duplicate member names, lone surrogates and overflowing numbers are
 * refused, never silently resolved.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { assertRefusal } from '../../test-support/sample-batch.js';
import { RefusalError } from '../errors.js';
import { LIMITS } from './limits.js';
import { jsonPath, readJsonDocument, utf8Length } from './strict-json.js';

const batchKind = { what: 'the batch', maxBytes: 'maxBatchBytes' } as const;
const read = (input: string | Uint8Array): unknown => readJsonDocument(input, batchKind);

test('a plain document reads as JSON.parse reads it, from text or bytes', () => {
  const text = '{"a":[1,2.5,"x\\u00e9",null,true],"b":{"c":{}}}';
  assert.deepEqual(read(text), JSON.parse(text));
  assert.deepEqual(read(new TextEncoder().encode(text)), JSON.parse(text));
});

test('duplicate member names are refused with the JSON path, also when spelled with escapes', () => {
  assertRefusal(() => read('{"a":1,"a":2}'), 'MALFORMED_JSON', 'a');
  const e = assertRefusal(
    () => read('{"withdrawals":[{"id":"w1"},{"id":"w2","amount":"1","am\\u006funt":"2"}]}'),
    'MALFORMED_JSON',
    'withdrawals[1].amount',
  );
  assert.match(e.message, /names member "amount" twice in withdrawals\[1\]/);
  // the same name in sibling objects, or as a value, is fine
  assert.doesNotThrow(() => read('{"a":{"x":1},"b":{"x":1},"c":["a","a"],"d":"a"}'));
  assertRefusal(() => read('{"a":{"b":[{}, {"c":1, "d":{"e":1,"e":1}}]}}'), 'MALFORMED_JSON', 'a.b[1].d.e');
  assertRefusal(() => read('{"x y":{"k":1,"k":2}}'), 'MALFORMED_JSON', '["x y"].k');
});

test('lone surrogates are refused, in values and in member names', () => {
  assertRefusal(() => read('{"a":["ok","\\ud800"]}'), 'MALFORMED_JSON', 'a[1]');
  assertRefusal(() => read('{"a":{"\\udc00":1}}'), 'MALFORMED_JSON', 'a');
  assertRefusal(() => read('"\\ud800"'), 'MALFORMED_JSON', null);
  assert.deepEqual(read('["\\ud83d\\ude00"]'), ['\u{1F600}']);
});

test('numbers beyond double range are refused instead of becoming Infinity', () => {
  assertRefusal(() => read('{"count":1e400}'), 'MALFORMED_JSON', 'count');
  assertRefusal(() => read('[-1e400]'), 'MALFORMED_JSON', '[0]');
  assert.deepEqual(read('[1e308]'), [1e308]);
});

test('invalid UTF-8, a byte order mark and invalid JSON are MALFORMED_JSON', () => {
  assertRefusal(() => read(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d])), 'MALFORMED_JSON');
  assertRefusal(() => read(new Uint8Array([0x7b, 0xc3, 0x7d])), 'MALFORMED_JSON');
  assertRefusal(() => read(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d])), 'MALFORMED_JSON');
  assertRefusal(() => read('\ufeff{}'), 'MALFORMED_JSON');
  for (const bad of ['', '{', '{"a":1,}', "{'a':1}", '[1 2]', 'NaN', '{"a":01}', '{"a":"\t"}', 'tru']) {
    assertRefusal(() => read(bad), 'MALFORMED_JSON');
  }
});

test(`nesting deeper than ${LIMITS.maxJsonDepth} levels is LIMIT_EXCEEDED before JSON.parse runs`, () => {
  const nest = (n: number): string => '['.repeat(n) + ']'.repeat(n);
  assert.doesNotThrow(() => read(nest(LIMITS.maxJsonDepth)));
  const e = assertRefusal(() => read(nest(LIMITS.maxJsonDepth + 1)), 'LIMIT_EXCEEDED');
  assert.match(e.message, /maxJsonDepth/);
  assert.equal(e.expected, `at most ${LIMITS.maxJsonDepth} levels`);
  // brackets inside strings do not count; the scan is not fooled by escaped quotes
  assert.doesNotThrow(() => read(JSON.stringify({ s: `\\"${'['.repeat(100)}` })));
  // unbalanced, malformed text is still bounded before parsing
  assertRefusal(() => read('{'.repeat(1_000_000)), 'LIMIT_EXCEEDED');
});

test('the size limit is checked on bytes, before decoding: exactly the limit passes, one more byte fails', () => {
  const max = LIMITS.maxBatchBytes;
  const padded = (n: number): string => `[${' '.repeat(n - 2)}]`;
  assert.deepEqual(read(padded(max)), []);
  const e = assertRefusal(() => read(padded(max + 1)), 'LIMIT_EXCEEDED');
  assert.match(e.message, /the batch is 33,554,433 bytes, above the limit maxBatchBytes/);
  // bytes input: refused before decoding, even when the bytes are not UTF-8
  assertRefusal(() => read(new Uint8Array(max + 1).fill(0xff)), 'LIMIT_EXCEEDED');
  // text input is measured in UTF-8 bytes, not UTF-16 code units
  const euros = `["${'€'.repeat(Math.floor(max / 3))}"]`;
  assert.ok(euros.length < max && utf8Length(euros) > max);
  assertRefusal(() => read(euros), 'LIMIT_EXCEEDED');
});

test('utf8Length agrees with TextEncoder', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme' }), (s) => {
      assert.equal(utf8Length(s), new TextEncoder().encode(s).length);
    }),
  );
  assert.equal(utf8Length('\uD800'), 3);
});

test('jsonPath prints member names an operator can find', () => {
  assert.equal(jsonPath('', 'withdrawals'), 'withdrawals');
  assert.equal(jsonPath(jsonPath('withdrawals', 3), 'amount'), 'withdrawals[3].amount');
  assert.equal(jsonPath('a', 'b c'), 'a["b c"]');
  assert.equal(jsonPath('', '1'), '["1"]');
});

test('property: any JSON value without duplicate names reads back equal', () => {
  fc.assert(
    fc.property(fc.jsonValue({ depthSize: 'small' }), (value) => {
      const text = JSON.stringify(value);
      assert.deepEqual(read(text), JSON.parse(text));
    }),
    { numRuns: 300 },
  );
});

test('property: arbitrary text or bytes either read or are refused with a RefusalError', () => {
  const input = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.uint8Array({ maxLength: 200 }),
    fc.jsonValue().map((v) => {
      const t = JSON.stringify(v);
      return t.slice(0, Math.floor(t.length / 2));
    }),
  );
  fc.assert(
    fc.property(input, (x) => {
      try {
        read(x);
      } catch (e) {
        assert.ok(e instanceof RefusalError, `unexpected ${String(e)}`);
      }
    }),
    { numRuns: 1000 },
  );
});
