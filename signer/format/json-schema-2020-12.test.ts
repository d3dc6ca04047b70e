/**
 * schemas/batch.v1.schema.json and schemas/result.v1.schema.json (JSON Schema draft 2020-12) against
 * the parsers: they compile in Ajv's strict mode, carry the numbers of the LIMITS table, accept the
 * valid samples, and every invalid sample fails both the schema and the parser. A fast-check property
 * checks that the schema is never stricter than the parser (what the parser accepts, the schema accepts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { repoRoot } from '../../test-support/paths.js';
import {
  applyMutation,
  type Mutable,
  mutated,
  mutationArbitrary,
  SAMPLE_EIP1559_HEX,
  SAMPLE_PSBT,
  sampleSignedBatch,
  sampleSignedResult,
} from '../../test-support/sample-batch.js';
import { RefusalError } from '../errors.js';
import { parseBatch } from './batch.js';
import { LIMITS } from './limits.js';
import { parseResult } from './result.js';

type Schema = Record<string, unknown> & { $defs: Record<string, Record<string, unknown>> };
const readSchema = (name: string): Schema =>
  JSON.parse(readFileSync(join(repoRoot, 'schemas', name), 'utf8')) as Schema;

const batchSchema = readSchema('batch.v1.schema.json');
const resultSchema = readSchema('result.v1.schema.json');
const ajv = new Ajv2020.default({ strict: true, allErrors: true });
const validateBatch = ajv.compile(batchSchema);
const validateResult = ajv.compile(resultSchema);

const batch = sampleSignedBatch();
const result = sampleSignedResult({ approvals: [{ approver: 'alice', weight: 1 }] });

/** Whether `parse` accepts `text`; anything but a RefusalError fails the test. */
function parserAccepts(parse: (t: string) => unknown, text: string): boolean {
  try {
    parse(text);
    return true;
  } catch (e) {
    if (e instanceof RefusalError) return false;
    throw e;
  }
}

test('both schemas are draft 2020-12 with airlock.invalid ids and compile in strict mode', () => {
  assert.equal(batchSchema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(batchSchema.$id, 'https://airlock.invalid/schemas/batch.v1.schema.json');
  assert.equal(resultSchema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(resultSchema.$id, 'https://airlock.invalid/schemas/result.v1.schema.json');
});

test('the schemas carry the numbers of the LIMITS table', () => {
  const b = batchSchema as unknown as {
    properties: {
      withdrawals: { maxItems: number; minItems: number };
      manifest: { properties: { count: { maximum: number }; totals: { maxItems: number } } };
    };
    $defs: {
      id: { maxLength: number; pattern: string };
      positiveInteger: { maxLength: number };
      nonNegativeInteger: { maxLength: number };
      total: { properties: { amount: { maxLength: number } } };
      withdrawal: { properties: { destination: { maxLength: number }; rawTx: { maxLength: number } } };
    };
  };
  assert.equal(b.properties.withdrawals.maxItems, LIMITS.maxWithdrawals);
  assert.equal(b.properties.withdrawals.minItems, LIMITS.minWithdrawals);
  assert.equal(b.properties.manifest.properties.count.maximum, LIMITS.maxWithdrawals);
  assert.equal(b.properties.manifest.properties.totals.maxItems, LIMITS.maxWithdrawals);
  assert.equal(b.$defs.id.maxLength, LIMITS.maxIdChars);
  assert.equal(b.$defs.id.pattern, LIMITS.idPattern.source);
  assert.equal(b.$defs.positiveInteger.maxLength, LIMITS.maxAmountDigits);
  assert.equal(b.$defs.nonNegativeInteger.maxLength, LIMITS.maxAmountDigits);
  assert.equal(b.$defs.total.properties.amount.maxLength, LIMITS.maxTotalDigits);
  assert.equal(b.$defs.withdrawal.properties.destination.maxLength, LIMITS.maxDestinationChars);
  assert.equal(b.$defs.withdrawal.properties.rawTx.maxLength, LIMITS.maxRawTxChars);
  const r = resultSchema as unknown as {
    properties: { withdrawals: { maxItems: number }; approvals: { maxItems: number } };
    $defs: {
      id: { pattern: string; maxLength: number };
      rawTx: { properties: { hex: { maxLength: number } } };
      psbt: { properties: { psbtBase64: { maxLength: number } } };
    };
  };
  assert.equal(r.properties.withdrawals.maxItems, LIMITS.maxWithdrawals);
  assert.equal(r.properties.approvals.maxItems, LIMITS.maxApprovals);
  assert.equal(r.$defs.id.pattern, LIMITS.idPattern.source);
  assert.equal(r.$defs.id.maxLength, LIMITS.maxIdChars);
  assert.equal(r.$defs.rawTx.properties.hex.maxLength, LIMITS.maxSignedTxChars);
  assert.equal(r.$defs.psbt.properties.psbtBase64.maxLength, LIMITS.maxSignedTxChars);
});

const VALID_BATCHES: readonly [string, (b: Mutable) => void][] = [
  ['the sample', () => {}],
  [
    'edge values',
    (b) => {
      b.withdrawals[0]!.feeCap = '0';
      b.withdrawals[1]!.nonce = '0';
      b.withdrawals[1]!.rawTx = SAMPLE_EIP1559_HEX.slice(2);
      b.withdrawals[2]!.asset = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48';
      b.createdAt = '2025-01-31T12:00:00Z';
      b.expiresAt = '2025-01-31T12:00:00.5Z';
      b.manifest.count = 3.0;
    },
  ],
];

for (const [name, change] of VALID_BATCHES) {
  test(`valid batch passes schema and parser: ${name}`, () => {
    const text = mutated(batch.wire, change);
    assert.ok(validateBatch(JSON.parse(text)), JSON.stringify(validateBatch.errors));
    assert.ok(parserAccepts(parseBatch, text));
  });
}

test('valid results pass schema and parser', () => {
  for (const text of [result.text, sampleSignedResult().text]) {
    assert.ok(validateResult(JSON.parse(text)), JSON.stringify(validateResult.errors));
    assert.ok(parserAccepts(parseResult, text));
  }
});

const w =
  (i: number, member: string, value: unknown) =>
  (b: Mutable): void => {
    b.withdrawals[i]![member] = value;
  };

const INVALID_BATCHES: readonly [string, (b: Mutable) => void][] = [
  ['format v2', (b) => (b.format = 'airlock.batch/v2')],
  ['format missing', (b) => delete b.format],
  ['unknown member', (b) => (b.memo = 'x')],
  ['batchId empty', (b) => (b.batchId = '')],
  ['batchId 65 characters', (b) => (b.batchId = 'x'.repeat(65))],
  ['batchId with a space', (b) => (b.batchId = 'a b')],
  ['createdAt with an offset', (b) => (b.createdAt = '2025-01-31T12:00:00+00:00')],
  ['createdAt month 13', (b) => (b.createdAt = '2025-13-01T12:00:00Z')],
  ['createdAt four fraction digits', (b) => (b.createdAt = '2025-01-31T12:00:00.0001Z')],
  ['network regtest', (b) => (b.network = 'regtest')],
  ['manifest.count 0', (b) => (b.manifest.count = 0)],
  ['manifest.count a string', (b) => (b.manifest.count = '3')],
  ['manifest.count above the limit', (b) => (b.manifest.count = 10_001)],
  [
    'manifest total upper-case contract',
    (b) => (b.manifest.totals[2]!.asset = '0xA0B86991C6218B36C1D19D4A2E9EB0CE3606EB48'),
  ],
  ['manifest total token on bitcoin', (b) => (b.manifest.totals[0]!.asset = `0x${'aa'.repeat(20)}`)],
  ['manifest total zero', (b) => (b.manifest.totals[0]!.amount = '0')],
  ['manifest unknown member', (b) => ((b.manifest as unknown as Record<string, unknown>).note = 'x')],
  ['withdrawals empty', (b) => (b.withdrawals = [])],
  ['withdrawal unknown member', w(0, 'memo', 'x')],
  ['chain solana', w(0, 'chain', 'solana')],
  ['token on bitcoin', w(0, 'asset', `0x${'aa'.repeat(20)}`)],
  ['asset ETH', w(1, 'asset', 'ETH')],
  ['destination with a space', w(0, 'destination', 'bc1q x')],
  ['destination 129 characters', w(0, 'destination', 'a'.repeat(129))],
  ['amount zero', w(0, 'amount', '0')],
  ['amount leading zero', w(0, 'amount', '0149990000')],
  ['amount a JSON number', w(0, 'amount', 149990000)],
  ['amount 79 digits', w(1, 'amount', '1'.repeat(79))],
  ['bitcoin amount 17 digits', w(0, 'amount', '1'.repeat(17))],
  ['feeCap negative', w(1, 'feeCap', '-1')],
  ['nonce on bitcoin', w(0, 'nonce', '1')],
  ['nonce missing on ethereum', (b) => delete b.withdrawals[1]!.nonce],
  ['nonce 21 digits', w(1, 'nonce', '1'.repeat(21))],
  ['keyLabel with a slash', w(0, 'keyLabel', 'a/b')],
  ['bitcoin rawTx in base64url', w(0, 'rawTx', 'cHNidP8B-_8=')],
  ['ethereum rawTx upper-case', w(1, 'rawTx', '02F0')],
  ['ethereum rawTx odd length', w(1, 'rawTx', '02f')],
  ['rawTx empty', w(0, 'rawTx', '')],
  ['rawTx above the limit', w(0, 'rawTx', 'A'.repeat(200_004))],
  ['signature missing', (b) => delete (b as Record<string, unknown>).signature],
  ['signature alg', (b) => (b.signature.alg = 'ES256')],
  ['signature short', (b) => (b.signature.value = 'ab')],
  ['signature extra member', (b) => (b.signature.kid = 'x')],
];

for (const [name, change] of INVALID_BATCHES) {
  test(`invalid batch fails schema and parser: ${name}`, () => {
    const text = mutated(batch.wire, change);
    assert.equal(validateBatch(JSON.parse(text)), false, 'schema accepted it');
    assert.equal(parserAccepts(parseBatch, text), false, 'parser accepted it');
  });
}

const tx =
  (i: number, member: string, value: unknown) =>
  (r: Mutable): void => {
    (r.withdrawals[i]!.signedTx as Record<string, unknown>)[member] = value;
  };

const INVALID_RESULTS: readonly [string, (r: Mutable) => void][] = [
  ['a batch format', (r) => (r.format = 'airlock.batch/v1')],
  ['unknown member', (r) => (r.extra = 1)],
  ['batchDigest upper case', (r) => (r.batchDigest = String(r.batchDigest).toUpperCase())],
  ['signedAt without Z', (r) => (r.signedAt = '2025-01-31T12:20:00')],
  ['applianceKeyId with a space', (r) => (r.applianceKeyId = 'a b')],
  ['withdrawals empty', (r) => (r.withdrawals = [])],
  ['withdrawal unknown member', (r) => (r.withdrawals[0]!.note = 'x')],
  ['signedTx format hex', tx(1, 'format', 'hex')],
  [
    'psbt on ethereum',
    (r) => (r.withdrawals[1]!.signedTx = { format: 'psbt', psbtBase64: SAMPLE_PSBT, txid: 'b'.repeat(64) }),
  ],
  ['raw with an extra member', tx(1, 'psbtBase64', SAMPLE_PSBT)],
  ['raw hex with 0x', tx(1, 'hex', '0x02f8')],
  ['txid short', tx(0, 'txid', 'abcd')],
  ['psbt not base64', tx(0, 'psbtBase64', 'cHNi dP8=')],
  ['approvals missing', (r) => delete (r as Record<string, unknown>).approvals],
  ['approval a number', (r) => (r.approvals = [1])],
  ['approvals above the limit', (r) => (r.approvals = Array.from({ length: 65 }, () => ({})))],
  ['signature value upper case', (r) => (r.signature.value = String(r.signature.value).toUpperCase())],
];

for (const [name, change] of INVALID_RESULTS) {
  test(`invalid result fails schema and parser: ${name}`, () => {
    const text = mutated(result.wire, change);
    assert.equal(validateResult(JSON.parse(text)), false, 'schema accepted it');
    assert.equal(parserAccepts(parseResult, text), false, 'parser accepted it');
  });
}

test('property: the schema is never stricter than the parser (batch and result)', () => {
  for (const [doc, validate, parse] of [
    [batch.wire, validateBatch, parseBatch],
    [result.wire, validateResult, parseResult],
  ] as const) {
    fc.assert(
      fc.property(mutationArbitrary(doc), (m) => {
        const value = applyMutation(doc, m);
        const text = JSON.stringify(value);
        if (parserAccepts(parse, text)) {
          assert.ok(
            validate(JSON.parse(text)),
            `parser accepted, schema refused: ${JSON.stringify(validate.errors)}`,
          );
        }
      }),
      { numRuns: 1500 },
    );
  }
});
