/**
 * The audit row hash as entry.ts specifies it: SHA-256 over the RFC 8785 text of
 * [ENTRY_DOMAIN, seq, time, actor, action, payload, prevHash], recomputed here independently with
 * node:crypto and JSON.stringify (equal to JCS for strings and safe integers), pinned vectors for the
 * genesis hash and one row, and the checks on appended entries and stored rows.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { canonicalJson } from '../format/canonical.js';
import {
  AUDIT_ACTIONS,
  ENTRY_DOMAIN,
  entryHash,
  entryPayloadText,
  GENESIS_HASH,
  MAX_PAYLOAD_BYTES,
  rowShapeProblem,
  type StoredRow,
} from './entry.js';

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

test('the genesis hash is SHA-256("airlock.audit-log/v1 genesis"), pinned', () => {
  assert.equal(GENESIS_HASH, sha256Hex('airlock.audit-log/v1 genesis'));
  assert.equal(GENESIS_HASH, '88a998b60c095cca15f64ec3d89d7ea973d1a3a290b4fb6d2327d652916ccae3');
  assert.equal(ENTRY_DOMAIN, 'airlock.audit-entry/v1');
});

test('a pinned row hash (format vector: changing the encoding breaks every stored log)', () => {
  const row = {
    seq: 1,
    time: '2026-11-26T09:00:00.000Z',
    actor: 'operator:alice',
    action: 'approval',
    payload: '{"batchId":"b-1","fingerprint":"able acid also"}',
    prevHash: GENESIS_HASH,
  };
  assert.equal(entryHash(row), '3ec02cf0c1f1a8aa12a12bb1f5980ccb61e13a5c93676160cefac520712f1a6d');
  assert.equal(
    entryHash(row),
    sha256Hex(
      '["airlock.audit-entry/v1",1,"2026-11-26T09:00:00.000Z","operator:alice","approval",' +
        '"{\\"batchId\\":\\"b-1\\",\\"fingerprint\\":\\"able acid also\\"}",' +
        `"${GENESIS_HASH}"]`,
    ),
  );
});

test('entryHash equals an independent SHA-256 of JSON.stringify of the domain-separated array (property)', () => {
  const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.string({ unit: 'grapheme' }),
      fc.constantFrom(...AUDIT_ACTIONS),
      fc.jsonValue().map((v) => canonicalJson(v)),
      hex64,
      (seq, time, actor, action, payload, prevHash) => {
        const independent = sha256Hex(
          JSON.stringify([ENTRY_DOMAIN, seq, time, actor, action, payload, prevHash]),
        );
        assert.equal(entryHash({ seq, time, actor, action, payload, prevHash }), independent);
      },
    ),
    { numRuns: 300 },
  );
});

test('every field is covered: changing any one changes the hash', () => {
  const row = {
    seq: 7,
    time: '2026-11-26T09:00:00.000Z',
    actor: 'admin:bob',
    action: 'freeze',
    payload: '{"reason":"drill"}',
    prevHash: GENESIS_HASH,
  };
  const base = entryHash(row);
  const variants = [
    { ...row, seq: 8 },
    { ...row, time: '2026-11-26T09:00:00.001Z' },
    { ...row, actor: 'admin:bib' },
    { ...row, action: 'unfreeze' },
    { ...row, payload: '{"reason":"drill!"}' },
    { ...row, prevHash: 'f'.repeat(64) },
  ];
  for (const v of variants) assert.notEqual(entryHash(v), base, JSON.stringify(v));
  // No ambiguity between fields: moving text from one field to the next changes the hash.
  assert.notEqual(entryHash({ ...row, actor: 'admin:bobfreeze', action: '' }), base);
});

test('entries to append: actor id, known action, plain JSON payload within the limit', () => {
  assert.equal(
    entryPayloadText({ actor: 'operator:alice', action: 'review', payload: { b: 2, a: [1, 'x'] } }, 'e'),
    '{"a":[1,"x"],"b":2}',
  );
  assert.throws(
    () => entryPayloadText({ actor: 'alice smith', action: 'review', payload: null }, 'entries[0]'),
    /"entries\[0\]\.actor"/,
  );
  assert.throws(() => entryPayloadText({ actor: '', action: 'review', payload: null }, 'e'), /"e\.actor"/);
  assert.throws(
    () => entryPayloadText({ actor: 'a', action: 'delete-everything', payload: null }, 'e'),
    /"e\.action" expected one of/,
  );
  assert.throws(
    () => entryPayloadText({ actor: 'a', action: 'sign', payload: { amount: 10n } }, 'e'),
    TypeError,
  );
  assert.throws(
    () => entryPayloadText({ actor: 'a', action: 'sign', payload: { at: new Date() } }, 'e'),
    TypeError,
  );
  assert.throws(
    () => entryPayloadText({ actor: 'a', action: 'sign', payload: 'x'.repeat(MAX_PAYLOAD_BYTES) }, 'e'),
    RangeError,
  );
});

test('stored rows: a well-formed row has no shape problem; each malformed field is named', () => {
  const good: StoredRow = {
    seq: 1,
    time: '2026-11-26T09:00:00.000Z',
    actor: 'appliance',
    action: 'sign',
    payload: '{"a":1}',
    prevHash: GENESIS_HASH,
    hash: 'a'.repeat(64),
  };
  assert.equal(rowShapeProblem(good), undefined);
  const cases: [Partial<StoredRow>, RegExp][] = [
    [{ seq: 0 }, /seq/],
    [{ time: '2026-11-26 09:00:00' }, /time/],
    [{ time: '2026-02-30T09:00:00.000Z' }, /time/],
    [{ actor: 'not an id' }, /actor/],
    [{ action: 'erase' }, /action/],
    [{ payload: '{"a": 1}' }, /canonical/],
    [{ payload: '{"a":1' }, /canonical/],
    [{ hash: 'A'.repeat(64) }, /hash/],
  ];
  for (const [change, pattern] of cases)
    assert.match(rowShapeProblem({ ...good, ...change }) ?? 'none', pattern);
});
