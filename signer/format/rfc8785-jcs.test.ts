/**
 * RFC 8785 (JCS) conformance of canonical.ts, from the vectors in testdata/rfc8785-jcs.json (the RFC's
 * own examples and Appendix B, and the reference implementation's testdata), plus the strictness this
 * wrapper adds and fast-check properties.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { repoRoot } from '../../test-support/paths.js';
import { assertPlainJson, canonicalBytes, canonicalJson, digestOf } from './canonical.js';

interface Vectors {
  readonly examples: readonly {
    readonly name: string;
    readonly input: string;
    readonly canonical?: string;
    readonly canonicalHex?: string;
  }[];
  readonly sorting: { readonly input: string; readonly expectedValueOrder: readonly string[] };
  readonly numbers: {
    readonly vectors: readonly { ieee754: string; json: string | null; comment: string }[];
  };
}

const vectors = JSON.parse(
  readFileSync(join(repoRoot, 'signer', 'format', 'testdata', 'rfc8785-jcs.json'), 'utf8'),
) as Vectors;

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function doubleFromBits(bits: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${bits}`));
  return view.getFloat64(0);
}

test('the vector file names its sources', () => {
  assert.match(JSON.stringify(vectors), /"_source"/);
  assert.ok(vectors.examples.length >= 6);
  assert.equal(vectors.numbers.vectors.length, 26);
});

for (const example of vectors.examples) {
  test(`RFC 8785 example: ${example.name}`, () => {
    const value: unknown = JSON.parse(example.input);
    assert.ok(
      example.canonical !== undefined || example.canonicalHex !== undefined,
      'vector has an expectation',
    );
    if (example.canonical !== undefined) assert.equal(canonicalJson(value), example.canonical);
    if (example.canonicalHex !== undefined) assert.equal(hex(canonicalBytes(value)), example.canonicalHex);
  });
}

test('RFC 8785 section 3.2.3: member names sort by UTF-16 code units', () => {
  const text = canonicalJson(JSON.parse(vectors.sorting.input));
  const positions = vectors.sorting.expectedValueOrder.map((v) => text.indexOf(`"${v}"`));
  assert.ok(
    positions.every((p) => p >= 0),
    'every value is present',
  );
  assert.deepEqual(
    positions,
    [...positions].sort((a, b) => a - b),
    `values in RFC order: ${text}`,
  );
  // U+1F600 is D83D DE00 in UTF-16, so it sorts before U+FB33 although its code point is larger.
  assert.ok(text.indexOf('\u{1F600}') < text.indexOf('\uFB33'));
});

for (const v of vectors.numbers.vectors) {
  test(`RFC 8785 Appendix B: ${v.ieee754} -> ${v.json ?? 'error'} ${v.comment}`, () => {
    const n = doubleFromBits(v.ieee754);
    if (v.json === null) {
      assert.throws(() => canonicalJson(n), RangeError);
      assert.throws(() => canonicalJson({ nested: [1, n] }), RangeError);
    } else {
      assert.equal(canonicalJson(n), v.json);
      assert.equal(canonicalJson([n]), `[${v.json}]`);
    }
  });
}

test('digestOf is SHA-256 of the canonical UTF-8 bytes (checked with node:crypto)', () => {
  const first = vectors.examples[0]!;
  const value: unknown = JSON.parse(first.input);
  const expected = createHash('sha256').update(Buffer.from(first.canonicalHex!, 'hex')).digest('hex');
  assert.equal(hex(digestOf(value)), expected);
});

test('canonicalization refuses what JSON cannot represent, naming the path', () => {
  class Amount {
    constructor(readonly v: number) {}
  }
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  const cases: [string, unknown, RegExp][] = [
    ['undefined member', { a: undefined }, /"\$\.a" expected a JSON value, got undefined/],
    ['bigint', { amount: 1n }, /"\$\.amount" expected a JSON value, got bigint/],
    ['function', [() => 1], /"\$\[0\]" expected a JSON value, got function/],
    ['symbol', { s: Symbol('x') }, /got symbol/],
    ['Date', { at: new Date(0) }, /"\$\.at" expected a plain object, got Date/],
    ['Map', { m: new Map() }, /got Map/],
    ['class instance', { a: new Amount(1) }, /got Amount/],
    ['boxed string', { s: new String('x') }, /got String/],
    ['lone surrogate in a value', { s: 'a\uD800b' }, /lone UTF-16 surrogate/],
    ['lone surrogate in a name', { '\uDC00': 1 }, /member name with a lone UTF-16 surrogate/],
    // biome-ignore lint/suspicious/noSparseArray: the hole is what this case tests
    ['sparse array', [1, , 3], /"\$\[1\]" is a hole/],
    ['cycle', cycle, /circular/],
    ['NaN deep inside', { a: [{ b: Number.NaN }] }, /"\$\.a\[0\]\.b" expected a finite number, got NaN/],
    ['-Infinity', -Infinity, /finite/],
    ['symbol keys', { [Symbol('k')]: 1 }, /symbol-keyed/],
    ['member name needing quotes in the path', { 'a b': undefined }, /"\$\["a b"\]"/],
  ];
  for (const [name, value, message] of cases) {
    assert.throws(() => canonicalJson(value), message, name);
    assert.throws(() => digestOf(value), message, name);
  }
});

test('canonicalization accepts plain JSON: null-prototype objects, shared (non-cyclic) references, -0', () => {
  const bare = Object.create(null) as Record<string, unknown>;
  bare.b = 1;
  bare.a = 'x';
  assert.equal(canonicalJson(bare), '{"a":"x","b":1}');
  const shared = { k: 1 };
  assert.equal(canonicalJson([shared, shared]), '[{"k":1},{"k":1}]');
  assert.equal(canonicalJson(-0), '0');
  assert.equal(
    canonicalJson({ toJSON: 'a string, not a function' }),
    '{"toJSON":"a string, not a function"}',
  );
  assert.doesNotThrow(() => assertPlainJson({ a: [null, true, false, 1.5, 'x', {}] }));
});

test('canonicalization does not overflow the stack on deep nesting', () => {
  let deep: unknown = 0;
  for (let i = 0; i < 50_000; i++) deep = [deep];
  assert.doesNotThrow(() => assertPlainJson(deep));
});

/** Shuffle the member order of every object (JCS must not care). */
function reorder(value: unknown, rnd: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => reorder(v, rnd));
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(() => rnd() - 0.5);
    return Object.fromEntries(entries.map(([k, v]) => [k, reorder(v, rnd)]));
  }
  return value;
}

test('property: canonical text parses back to the same value and is a fixed point', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const text = canonicalJson(value);
      const back: unknown = JSON.parse(text);
      assert.equal(canonicalJson(back), text);
      // JSON.parse(JSON.stringify(x)) is the reference reading of x (it also maps -0 to 0).
      assert.deepEqual(back, JSON.parse(JSON.stringify(value)));
      assert.deepEqual(canonicalBytes(value), new TextEncoder().encode(text));
    }),
    { numRuns: 300 },
  );
});

test('property: the digest does not depend on member order or whitespace', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.integer(), (value, seed) => {
      let s = seed;
      const rnd = (): number => {
        s = (s * 1103515245 + 12345) % 2147483648;
        return Math.abs(s) / 2147483648;
      };
      const shuffled = JSON.parse(JSON.stringify(reorder(value, rnd), null, 3)) as unknown;
      assert.deepEqual(digestOf(shuffled), digestOf(value));
    }),
    { numRuns: 200 },
  );
});

test('property: different JSON values have different canonical texts', () => {
  const reading = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
  fc.assert(
    fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
      let equalValues = true;
      try {
        // strict deep equality ignores member order, as JCS does
        assert.deepEqual(reading(a), reading(b));
      } catch {
        equalValues = false;
      }
      assert.equal(canonicalJson(a) === canonicalJson(b), equalValues);
    }),
    { numRuns: 300 },
  );
});
