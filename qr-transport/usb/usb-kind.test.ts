/**
 * The kind guess of `airlock usb list` (kind.ts) against docs/formats.md: real batch, result and audit
 * export files are recognised by their `format` member; fast-check properties: for any JSON object the
 * guess is the top-level `format` as JSON.parse reads it (nested `format` members and escapes included),
 * and no input (random bytes, cut-off documents) ever makes it throw.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EXPORT_FORMAT, formatExport, GENESIS_HASH } from '../../signer/audit/index.js';
import { BATCH_FORMAT, RESULT_FORMAT } from '../../signer/format/index.js';
import { sampleSignedBatch, sampleSignedResult } from '../../test-support/sample-batch.js';
import { guessKind, KNOWN_FORMATS, topLevelFormat } from './kind.js';

const bytes = (text: string) => new TextEncoder().encode(text);

test('the known format strings are the signer’s own (docs/formats.md)', () => {
  assert.deepEqual(Object.keys(KNOWN_FORMATS).sort(), [BATCH_FORMAT, RESULT_FORMAT, EXPORT_FORMAT].sort());
});

test('a real batch, result and audit export are recognised; their first bytes are enough', () => {
  const batch = sampleSignedBatch().text;
  assert.deepEqual(guessKind(bytes(batch)), { kind: 'batch', format: BATCH_FORMAT });
  const result = sampleSignedResult().text;
  assert.deepEqual(guessKind(bytes(result)), { kind: 'result', format: RESULT_FORMAT });
  const audit = formatExport([], { seq: 0, hash: GENESIS_HASH }).text;
  assert.deepEqual(guessKind(bytes(audit)), { kind: 'audit-export', format: EXPORT_FORMAT });
  // The batch file text names its format near the top.
  assert.equal(guessKind(bytes(batch).subarray(0, 200)).kind, 'batch');
});

test('anything else is unknown, with the format string when there is a printable one', () => {
  const cases: [string, string | null][] = [
    ['{"format":"airlock.batch/v2"}', 'airlock.batch/v2'],
    ['{"a":{"format":"airlock.batch/v1"},"b":[{"format":"x"}]}', null],
    ['[{"format":"airlock.batch/v1"}]', null],
    ['{"format":1}', null],
    ['{"format":"\\u0000"}', null],
    ['\ufeff{"format":"airlock.batch/v1"}', null],
    ['', null],
    ['{"format":"airlock.batch/v1"', 'airlock.batch/v1'],
    ['{"format', null],
    ['not json at all', null],
  ];
  for (const [text, format] of cases) {
    const g = guessKind(bytes(text));
    assert.equal(g.format, format, text);
    if (format !== 'airlock.batch/v1') assert.equal(g.kind, 'unknown', text);
  }
  // Escapes in the key are the key JSON.parse reads.
  assert.equal(topLevelFormat(bytes('{"\\u0066ormat":"airlock.result/v1"}')), 'airlock.result/v1');
});

test('property: the guess is the top-level format of any JSON object, wherever the member sits', () => {
  const format = fc.stringMatching(/^[\x20-\x7e]{1,64}$/);
  fc.assert(
    fc.property(
      fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }),
      format,
      fc.nat(),
      fc.boolean(),
      (members, value, at, spaced) => {
        const entries = Object.entries(members).filter(([k]) => k !== 'format');
        entries.splice(at % (entries.length + 1), 0, ['format', value]);
        const object = Object.fromEntries(entries);
        const text = spaced ? JSON.stringify(object, null, 2) : JSON.stringify(object);
        assert.equal(topLevelFormat(bytes(text)), value);
      },
    ),
  );
});

test('property: never throws, on random bytes or on any cut of a real document', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), (b) => {
      const g = guessKind(b);
      assert.ok(g.format === null || typeof g.format === 'string');
    }),
  );
  const batch = bytes(sampleSignedBatch().text);
  fc.assert(
    fc.property(fc.nat(batch.length), (cut) => {
      const g = guessKind(batch.subarray(0, cut));
      assert.ok(g.kind === 'batch' || g.kind === 'unknown');
    }),
  );
});
