/**
 * docs/transport.md says what the code does: the dense frame table's offsets and sizes, the fountain
 * code's domain tag, the limits, and BBQr's file types are read from the page and compared with the
 * code's own tables, so the page cannot drift from the wire format.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../test-support/paths.js';
import { BBQR_FILE_TYPES } from './bbqr/bbqr.js';
import { REPAIR_TAG } from './dense/fountain.js';
import { DENSE_LIMITS, FRAME_OVERHEAD, HEADER_BYTES, OFFSET } from './dense/frame.js';

const doc = readFileSync(join(repoRoot, 'docs', 'transport.md'), 'utf8');

function section(title: string): string {
  const start = doc.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `section "${title}"`);
  const end = doc.indexOf('\n## ', start + 4);
  return doc.slice(start, end < 0 ? undefined : end);
}

test('the dense frame table gives every field the offset and size of frame.ts', () => {
  const rows = [...section('Dense frames').matchAll(/^\| (\d+(?: \+ L)?) \| (\d+|L) \| ([^|]+) \|$/gm)].map(
    (m) => ({
      offset: m[1]!,
      size: m[2]!,
      field: m[3]!.trim(),
    }),
  );
  const fields = Object.entries(OFFSET).sort((a, b) => a[1] - b[1]);
  assert.equal(rows.length, fields.length + 1, 'one row per field plus the CRC');
  const sizes = [...fields.map(([, o], i) => (fields[i + 1]?.[1] ?? -1) - o)];
  fields.forEach(([name, offset], i) => {
    assert.equal(rows[i]!.offset, String(offset), name);
    assert.equal(rows[i]!.size, name === 'data' ? 'L' : String(sizes[i]), name);
  });
  assert.equal(rows.at(-1)!.offset, `${HEADER_BYTES} + L`);
  assert.equal(rows.at(-1)!.size, String(FRAME_OVERHEAD - HEADER_BYTES));
  assert.match(rows[0]!.field, /`A1 7C`/);
  assert.match(
    section('Dense frames'),
    new RegExp(`largest \\(L = ${DENSE_LIMITS.maxFragmentLength.toLocaleString('en')}\\)`),
  );
});

test('the fountain code tag, and the limits, are those of the code', () => {
  assert.match(section('Dense frames'), new RegExp(`T is the ASCII text\\s+\`${REPAIR_TAG}\``));
  const limits = section('Dense frames');
  assert.match(limits, /\| K \| 65,535 \|/);
  assert.equal(DENSE_LIMITS.maxFragmentCount, 65_535);
  assert.match(limits, /\| payload \(original and sent\) \| 16 MiB \|/);
  assert.equal(DENSE_LIMITS.maxPayloadBytes, 16 * 1024 * 1024);
  assert.match(limits, /\| L \| 1 to 2,897 bytes \|/);
});

test('the BBQr file types listed are the ones the codec accepts', () => {
  const row = section('BBQr').match(/^\| 3 \| file type: (.+) \|$/m);
  assert.ok(row);
  const letters = [...row[1]!.matchAll(/`([A-Z])`/g)].map((m) => m[1]);
  assert.deepEqual(letters, Object.keys(BBQR_FILE_TYPES));
});
