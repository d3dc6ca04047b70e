/**
 * docs/formats.md stays true: its examples parse and verify with the keys it names and have the digests
 * and fingerprints it prints, its limits table is the LIMITS table, and its example refusal messages
 * are what the code says.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { bytesToHex } from '@noble/hashes/utils.js';
import { repoRoot } from '../../test-support/paths.js';
import {
  keyMap,
  mutated,
  SAMPLE_NOW,
  sampleSignedBatch,
  sampleSignedResult,
  TEST_APPLIANCE,
  TEST_COORDINATOR,
} from '../../test-support/sample-batch.js';
import { REFUSAL_CODES, RefusalError } from '../errors.js';
import { parseBatch, verifyBatch } from './batch.js';
import { fingerprint } from './fingerprint.js';
import { LIMITS } from './limits.js';
import { parseResult, verifyResult } from './result.js';

const doc = readFileSync(join(repoRoot, 'docs', 'formats.md'), 'utf8');

/** The first ```json block after `heading`. */
function jsonAfter(heading: string): string {
  const at = doc.indexOf(heading);
  assert.ok(at >= 0, `docs/formats.md has "${heading}"`);
  const m = /```json\n([\s\S]*?)\n```/.exec(doc.slice(at));
  assert.ok(m !== null, `a json block after ${heading}`);
  return m[1]!;
}

test('the example batch parses, verifies with the RFC 8032 TEST 1 key, and has the digest and fingerprint printed', () => {
  assert.ok(doc.includes(bytesToHex(TEST_COORDINATOR.publicKey)));
  const batch = verifyBatch(parseBatch(jsonAfter('### Example batch')), keyMap(TEST_COORDINATOR), SAMPLE_NOW);
  assert.deepEqual(batch.wire, sampleSignedBatch().wire, 'the example is the fixture');
  assert.ok(doc.includes(`Batch digest: \`${bytesToHex(batch.digest)}\``));
  assert.ok(doc.includes(`Fingerprint: \`${fingerprint(batch.digest).text}\``));
});

test('the example result parses, verifies with the RFC 8032 TEST 2 key, and has the digest and fingerprint printed', () => {
  assert.ok(doc.includes(bytesToHex(TEST_APPLIANCE.publicKey)));
  const result = verifyResult(parseResult(jsonAfter('### Example result')), keyMap(TEST_APPLIANCE));
  assert.deepEqual(result.wire, sampleSignedResult().wire);
  assert.ok(doc.includes(`Result digest: \`${bytesToHex(result.digest)}\``));
  assert.ok(doc.includes(`Fingerprint: \`${fingerprint(result.digest).text}\``));
});

test('the limits table is the LIMITS table', () => {
  for (const [name, value] of Object.entries(LIMITS)) {
    if (typeof value !== 'number') continue;
    assert.ok(doc.includes(`| \`${name}\` | ${value} |`), `docs/formats.md lists ${name} = ${value}`);
  }
});

test('the example refusal messages are what the code says', () => {
  const sample = sampleSignedBatch();
  const parsed = parseBatch(sample.text);
  const result = sampleSignedResult();
  const runs: (() => unknown)[] = [
    () => parseBatch('{"format":"airlock.batch/v1","batchId":"a","batchId":"b"}'),
    () => parseBatch(mutated(sample.wire, (b) => (b.format = 'airlock.batch/v2'))),
    () => parseBatch(mutated(sample.wire, (b) => (b.withdrawals[1]!.amount = '1.5'))),
    () => parseBatch(mutated(sample.wire, (b) => (b.withdrawals[0]!.rawTx = 'A'.repeat(250_000)))),
    () => parseBatch(mutated(sample.wire, (b) => (b.withdrawals[2]!.id = 'w-eth-1'))),
    () => parseBatch(mutated(sample.wire, (b) => (b.withdrawals[1]!.amount = '2000000000000000000'))),
    () => verifyBatch(parsed, new Map([['coordinator-2', TEST_APPLIANCE.publicKey]]), SAMPLE_NOW),
    () =>
      verifyBatch(
        parseBatch(mutated(sample.wire, (b) => (b.withdrawals[0]!.destination = 'bc1qattacker'))),
        keyMap(TEST_COORDINATOR),
        SAMPLE_NOW,
      ),
    () => verifyBatch(parsed, keyMap(TEST_COORDINATOR), new Date('2025-01-31T14:00:00Z')),
    () => verifyBatch(parsed, keyMap(TEST_COORDINATOR), new Date('2025-01-31T11:00:00Z')),
    () => verifyResult(parseResult(result.text), keyMap(TEST_COORDINATOR)),
  ];
  const seen = new Set<string>();
  for (const run of runs) {
    let error: unknown;
    try {
      run();
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof RefusalError, String(error));
    assert.ok(doc.includes(`| \`${error.code}\` |`), `${error.code} is in the table`);
    assert.ok(doc.includes(`\`${error.message}\``), `docs/formats.md quotes: ${error.message}`);
    seen.add(error.code);
  }
  assert.equal(seen.size, 11, 'one example per code this layer raises');
  for (const code of seen) assert.ok((REFUSAL_CODES as readonly string[]).includes(code));
});
