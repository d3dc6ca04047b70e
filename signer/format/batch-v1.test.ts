/**
 * Batch wire format v1 (docs/formats.md): strict parsing to typed values, and one refusal per rule, each
 * naming the field, the withdrawal, what was expected and what was found.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assertRefusal,
  type Mutable,
  mutated,
  SAMPLE_EIP1559_HEX,
  SAMPLE_TOKEN,
  sampleBatchFields,
  sampleSignedBatch,
  sampleWithdrawals,
} from '../../test-support/sample-batch.js';
import type { RefusalCode } from '../errors.js';
import { buildBatchBody, computeManifest, parseBatch, serializeBatch } from './batch.js';
import { LIMITS } from './limits.js';
import { attachSignature } from './signature.js';

const sample = sampleSignedBatch();

test('the sample batch parses to typed values', () => {
  const b = parseBatch(sample.text);
  assert.equal(b.format, 'airlock.batch/v1');
  assert.equal(b.batchId, 'batch-2025-01-31.001');
  assert.deepEqual(b.createdAt, new Date('2025-01-31T12:00:00Z'));
  assert.deepEqual(b.expiresAt, new Date('2025-01-31T13:00:00Z'));
  assert.equal(b.network, 'mainnet');
  assert.equal(b.coordinatorKeyId, 'coordinator-test-1');
  assert.equal(b.manifest.count, 3);
  assert.deepEqual(b.manifest.totals, [
    { chain: 'bitcoin', asset: { kind: 'native' }, amount: 149_990_000n },
    { chain: 'ethereum', asset: { kind: 'native' }, amount: 1_000_000_000_000_000_000n },
    { chain: 'ethereum', asset: { kind: 'token', contract: SAMPLE_TOKEN }, amount: 2_500_000_000n },
  ]);
  assert.deepEqual(b.withdrawals, sampleWithdrawals());
  const [btc, eth] = b.withdrawals;
  assert.equal('nonce' in btc!, false, 'bitcoin withdrawals carry no nonce member at all');
  assert.equal(eth!.nonce, 7n);
  assert.equal(b.signature.alg, 'ed25519');
  assert.equal(b.signature.value.length, 64);
});

test('bytes and text inputs parse alike; the result and its wire object are frozen', () => {
  const fromBytes = parseBatch(new TextEncoder().encode(sample.text));
  const fromText = parseBatch(sample.text);
  assert.deepEqual(fromBytes, fromText);
  assert.ok(
    Object.isFrozen(fromText) &&
      Object.isFrozen(fromText.withdrawals) &&
      Object.isFrozen(fromText.withdrawals[0]),
  );
  assert.ok(Object.isFrozen(fromText.wire) && Object.isFrozen(fromText.wire.withdrawals[0]));
  assert.deepEqual(fromText.wire, sample.wire);
});

test('a mixed-case token address with a valid EIP-55 checksum is accepted and read as lower case', () => {
  const text = mutated(sample.wire, (b) => {
    b.withdrawals[2]!.asset = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48';
  });
  const w = parseBatch(text).withdrawals[2]!;
  assert.deepEqual(w.asset, { kind: 'token', contract: SAMPLE_TOKEN });
  // all upper case is the other checksum-free spelling
  const upper = mutated(sample.wire, (b) => {
    b.withdrawals[2]!.asset = `0x${SAMPLE_TOKEN.slice(2).toUpperCase()}`;
  });
  assert.deepEqual(parseBatch(upper).withdrawals[2]!.asset, { kind: 'token', contract: SAMPLE_TOKEN });
});

test('valid edge values parse: feeCap 0, nonce 0, timestamps without fraction, 0x-less ethereum rawTx', () => {
  const text = mutated(sample.wire, (b) => {
    b.withdrawals[0]!.feeCap = '0';
    b.withdrawals[1]!.nonce = '0';
    b.withdrawals[1]!.rawTx = SAMPLE_EIP1559_HEX.slice(2);
    b.createdAt = '2025-01-31T12:00:00Z';
    b.expiresAt = '2025-01-31T12:00:00.5Z';
  });
  const b = parseBatch(text);
  assert.equal(b.withdrawals[0]!.feeCap, 0n);
  assert.equal(b.withdrawals[1]!.nonce, 0n);
  assert.equal(b.expiresAt.getTime() - b.createdAt.getTime(), 500);
});

interface Case {
  readonly name: string;
  readonly change: (b: Mutable) => void;
  readonly code: RefusalCode;
  readonly field?: string | null;
  readonly withdrawalId?: string;
  /** Part of the message an operator must see. */
  readonly says?: RegExp;
}

const w = (i: number) => (b: Mutable) => b.withdrawals[i]!;
const set =
  (i: number, member: string, value: unknown) =>
  (b: Mutable): void => {
    w(i)(b)[member] = value;
  };

const CASES: readonly Case[] = [
  // version and shape of the document
  { name: 'format missing', change: (b) => delete b.format, code: 'SCHEMA_INVALID', field: 'format' },
  {
    name: 'format of a future major',
    change: (b) => (b.format = 'airlock.batch/v2'),
    code: 'UNSUPPORTED_VERSION',
    field: 'format',
  },
  {
    name: 'a result fed as a batch',
    change: (b) => (b.format = 'airlock.result/v1'),
    code: 'UNSUPPORTED_VERSION',
    field: 'format',
    says: /this is a signed result/,
  },
  { name: 'format not a string', change: (b) => (b.format = 1), code: 'SCHEMA_INVALID', field: 'format' },
  {
    name: 'unknown top-level member',
    change: (b) => (b.memo = 'hi'),
    code: 'SCHEMA_INVALID',
    field: 'memo',
    says: /the batch has a member "memo"/,
  },
  {
    name: '__proto__ member',
    change: (b) => Object.defineProperty(b, '__proto__', { value: {}, enumerable: true }),
    code: 'SCHEMA_INVALID',
    field: '__proto__',
  },
  // batch fields
  {
    name: 'batchId missing',
    change: (b) => delete b.batchId,
    code: 'SCHEMA_INVALID',
    field: 'batchId',
    says: /batchId is missing/,
  },
  { name: 'batchId empty', change: (b) => (b.batchId = ''), code: 'SCHEMA_INVALID', field: 'batchId' },
  {
    name: 'batchId with a space',
    change: (b) => (b.batchId = 'batch 1'),
    code: 'SCHEMA_INVALID',
    field: 'batchId',
  },
  {
    name: 'batchId with a look-alike letter',
    change: (b) => (b.batchId = 'b\u0430tch'),
    code: 'SCHEMA_INVALID',
    field: 'batchId',
  },
  {
    name: 'batchId 65 characters',
    change: (b) => (b.batchId = 'b'.repeat(65)),
    code: 'LIMIT_EXCEEDED',
    field: 'batchId',
    says: /maxIdChars/,
  },
  {
    name: 'batchId a number',
    change: (b) => (b.batchId = 7),
    code: 'SCHEMA_INVALID',
    field: 'batchId',
    says: /JSON string/,
  },
  {
    name: 'createdAt with an offset',
    change: (b) => (b.createdAt = '2025-01-31T13:00:00+01:00'),
    code: 'SCHEMA_INVALID',
    field: 'createdAt',
  },
  {
    name: 'createdAt lower-case z',
    change: (b) => (b.createdAt = '2025-01-31T12:00:00z'),
    code: 'SCHEMA_INVALID',
    field: 'createdAt',
  },
  {
    name: 'createdAt 30 February',
    change: (b) => (b.createdAt = '2025-02-30T12:00:00Z'),
    code: 'SCHEMA_INVALID',
    field: 'createdAt',
    says: /not a real date/,
  },
  {
    name: 'createdAt hour 24',
    change: (b) => (b.createdAt = '2025-01-31T24:00:00Z'),
    code: 'SCHEMA_INVALID',
    field: 'createdAt',
  },
  {
    name: 'createdAt leap second',
    change: (b) => (b.createdAt = '2016-12-31T23:59:60Z'),
    code: 'SCHEMA_INVALID',
    field: 'createdAt',
  },
  {
    name: 'createdAt epoch number',
    change: (b) => (b.createdAt = 1738324800),
    code: 'SCHEMA_INVALID',
    field: 'createdAt',
  },
  {
    name: 'expiresAt equal to createdAt',
    change: (b) => (b.expiresAt = b.createdAt),
    code: 'SCHEMA_INVALID',
    field: 'expiresAt',
    says: /later than createdAt/,
  },
  {
    name: 'expiresAt before createdAt',
    change: (b) => (b.expiresAt = '2025-01-31T11:00:00Z'),
    code: 'SCHEMA_INVALID',
    field: 'expiresAt',
  },
  {
    name: 'network regtest',
    change: (b) => (b.network = 'regtest'),
    code: 'SCHEMA_INVALID',
    field: 'network',
    says: /"mainnet" or "testnet"/,
  },
  {
    name: 'coordinatorKeyId missing',
    change: (b) => delete b.coordinatorKeyId,
    code: 'SCHEMA_INVALID',
    field: 'coordinatorKeyId',
  },
  // manifest shape
  {
    name: 'manifest missing',
    change: (b) => delete (b as Record<string, unknown>).manifest,
    code: 'SCHEMA_INVALID',
    field: 'manifest',
  },
  {
    name: 'manifest an array',
    change: (b) => (b.manifest = [] as never),
    code: 'SCHEMA_INVALID',
    field: 'manifest',
  },
  {
    name: 'manifest unknown member',
    change: (b) => ((b.manifest as unknown as Record<string, unknown>).fees = '1'),
    code: 'SCHEMA_INVALID',
    field: 'manifest.fees',
  },
  {
    name: 'manifest.count a string',
    change: (b) => (b.manifest.count = '3'),
    code: 'SCHEMA_INVALID',
    field: 'manifest.count',
  },
  {
    name: 'manifest.count fractional',
    change: (b) => (b.manifest.count = 2.5),
    code: 'SCHEMA_INVALID',
    field: 'manifest.count',
  },
  {
    name: 'manifest.count zero',
    change: (b) => (b.manifest.count = 0),
    code: 'SCHEMA_INVALID',
    field: 'manifest.count',
  },
  {
    name: 'manifest.count above the limit',
    change: (b) => (b.manifest.count = 10_001),
    code: 'LIMIT_EXCEEDED',
    field: 'manifest.count',
    says: /maxWithdrawals/,
  },
  {
    name: 'manifest.totals empty',
    change: (b) => (b.manifest.totals = []),
    code: 'SCHEMA_INVALID',
    field: 'manifest.totals',
  },
  {
    name: 'manifest total with upper-case contract',
    change: (b) => (b.manifest.totals[2]!.asset = SAMPLE_TOKEN.toUpperCase().replace('0X', '0x')),
    code: 'SCHEMA_INVALID',
    field: 'manifest.totals[2].asset',
  },
  {
    name: 'manifest total token on bitcoin',
    change: (b) => (b.manifest.totals[0]!.asset = SAMPLE_TOKEN),
    code: 'SCHEMA_INVALID',
    field: 'manifest.totals[0].asset',
  },
  {
    name: 'manifest total with leading zero',
    change: (b) => (b.manifest.totals[0]!.amount = '0149990000'),
    code: 'SCHEMA_INVALID',
    field: 'manifest.totals[0].amount',
  },
  // manifest content
  {
    name: 'manifest.count differs from the withdrawals',
    change: (b) => (b.manifest.count = 2),
    code: 'MANIFEST_MISMATCH',
    field: 'manifest.count',
    says: /declares 2 withdrawals, but the batch holds 3/,
  },
  {
    name: 'a withdrawal amount changed without its total',
    change: set(1, 'amount', '2000000000000000000'),
    code: 'MANIFEST_MISMATCH',
    field: 'manifest.totals[1].amount',
    says: /ethereum native is 1000000000000000000, but the withdrawals add up to 2000000000000000000/,
  },
  {
    name: 'a total missing',
    change: (b) => b.manifest.totals.pop(),
    code: 'MANIFEST_MISMATCH',
    field: 'manifest.totals',
    says: /no total for ethereum token 0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48, but the withdrawals move 2500000000/,
  },
  {
    name: 'a total for an asset no withdrawal moves',
    change: (b) => b.manifest.totals.push({ chain: 'ethereum', asset: `0x${'11'.repeat(20)}`, amount: '5' }),
    code: 'MANIFEST_MISMATCH',
    field: 'manifest.totals[3].amount',
    says: /no withdrawal moves ethereum token 0x1111/,
  },
  {
    name: 'the same asset listed twice',
    change: (b) => b.manifest.totals.push({ ...b.manifest.totals[0]! }),
    code: 'MANIFEST_MISMATCH',
    field: 'manifest.totals[3]',
    says: /lists bitcoin native twice \(totals\[0\] and totals\[3\]\)/,
  },
  // withdrawals shape
  {
    name: 'withdrawals missing',
    change: (b) => delete (b as Record<string, unknown>).withdrawals,
    code: 'SCHEMA_INVALID',
    field: 'withdrawals',
  },
  {
    name: 'withdrawals empty',
    change: (b) => (b.withdrawals = []),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals',
    says: /at least 1/,
  },
  {
    name: 'withdrawals an object',
    change: (b) => (b.withdrawals = {} as never),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals',
  },
  {
    name: 'a withdrawal that is a string',
    change: (b) => (b.withdrawals[1] = 'w' as never),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[1]',
  },
  {
    name: 'unknown withdrawal member',
    change: set(0, 'memo', 'x'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].memo',
    withdrawalId: 'w-btc-1',
    says: /^withdrawal w-btc-1: withdrawals\[0\] has a member "memo" that v1 does not define/,
  },
  {
    name: 'duplicate withdrawal id',
    change: set(2, 'id', 'w-eth-1'),
    code: 'DUPLICATE_WITHDRAWAL_ID',
    field: 'withdrawals[2].id',
    withdrawalId: 'w-eth-1',
    says: /appears twice \(withdrawals\[1\] and withdrawals\[2\]\)/,
  },
  {
    name: 'withdrawal id missing',
    change: (b) => delete w(0)(b).id,
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].id',
  },
  {
    name: 'withdrawal id with a slash',
    change: set(0, 'id', 'w/1'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].id',
  },
  {
    name: 'chain solana',
    change: set(0, 'chain', 'solana'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].chain',
    withdrawalId: 'w-btc-1',
  },
  {
    name: 'token asset on bitcoin',
    change: set(0, 'asset', SAMPLE_TOKEN),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].asset',
    says: /"native" on bitcoin/,
  },
  {
    name: 'asset neither native nor address',
    change: set(1, 'asset', 'ETH'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[1].asset',
  },
  {
    name: 'asset address too short',
    change: set(2, 'asset', '0xa0b86991'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[2].asset',
  },
  {
    name: 'asset with a wrong EIP-55 checksum',
    change: set(2, 'asset', '0xA0B86991c6218b36c1d19D4a2e9Eb0cE3606eB48'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[2].asset',
    withdrawalId: 'w-usdc-1',
    says: /EIP-55 checksum is wrong/,
  },
  {
    name: 'destination with a space',
    change: set(0, 'destination', 'bc1q abc'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].destination',
  },
  {
    name: 'destination with a zero-width space',
    change: set(1, 'destination', '0xdf90\u200bdea0'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[1].destination',
  },
  {
    name: 'destination an ENS name',
    change: set(1, 'destination', 'vitalik.eth'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[1].destination',
  },
  {
    name: 'destination empty',
    change: set(0, 'destination', ''),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].destination',
  },
  {
    name: 'destination 129 characters',
    change: set(0, 'destination', 'a'.repeat(129)),
    code: 'LIMIT_EXCEEDED',
    field: 'withdrawals[0].destination',
    says: /maxDestinationChars/,
  },
  {
    name: 'amount zero',
    change: set(0, 'amount', '0'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].amount',
    says: /at least 1/,
  },
  {
    name: 'amount negative',
    change: set(0, 'amount', '-5'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].amount',
  },
  {
    name: 'amount with leading zero',
    change: set(0, 'amount', '0149990000'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].amount',
    says: /leading zeros/,
  },
  {
    name: 'amount in BTC with a decimal point',
    change: set(0, 'amount', '1.4999'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].amount',
  },
  {
    name: 'amount in exponent notation',
    change: set(0, 'amount', '15e7'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].amount',
  },
  {
    name: 'amount a JSON number',
    change: set(0, 'amount', 149990000),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].amount',
    says: /JSON string/,
  },
  {
    name: 'amount with a plus sign',
    change: set(0, 'amount', '+149990000'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].amount',
  },
  {
    name: 'amount with spaces',
    change: set(0, 'amount', ' 149990000'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].amount',
  },
  {
    name: 'amount with non-ASCII digits',
    change: set(0, 'amount', '\u0661\u0664'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].amount',
  },
  {
    name: 'amount above 21 million BTC',
    change: set(0, 'amount', '2100000000000001'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].amount',
    says: /21 million BTC/,
  },
  {
    name: 'amount above uint256',
    change: set(1, 'amount', (1n << 256n).toString()),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[1].amount',
    says: /uint256/,
  },
  {
    name: 'amount of 79 digits',
    change: set(1, 'amount', '1'.repeat(79)),
    code: 'LIMIT_EXCEEDED',
    field: 'withdrawals[1].amount',
    says: /has 79 digits, above the limit maxAmountDigits/,
  },
  {
    name: 'feeCap negative',
    change: set(1, 'feeCap', '-1'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[1].feeCap',
  },
  {
    name: 'feeCap above 21 million BTC',
    change: set(0, 'feeCap', '2100000000000001'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].feeCap',
  },
  {
    name: 'feeCap missing',
    change: (b) => delete w(0)(b).feeCap,
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].feeCap',
  },
  {
    name: 'keyLabel with a space',
    change: set(0, 'keyLabel', 'btc hot'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].keyLabel',
  },
  {
    name: 'nonce on bitcoin',
    change: set(0, 'nonce', '1'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].nonce',
    says: /must not be present on a bitcoin withdrawal/,
  },
  {
    name: 'nonce missing on ethereum',
    change: (b) => delete w(1)(b).nonce,
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[1].nonce',
    says: /declares its account nonce/,
  },
  {
    name: 'nonce a JSON number',
    change: set(1, 'nonce', 7),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[1].nonce',
  },
  {
    name: 'nonce 2^64-1 (EIP-2681)',
    change: set(1, 'nonce', ((1n << 64n) - 1n).toString()),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[1].nonce',
    says: /EIP-2681/,
  },
  {
    name: 'bitcoin rawTx not base64',
    change: set(0, 'rawTx', 'cHNidP8B*'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].rawTx',
  },
  {
    name: 'bitcoin rawTx without padding',
    change: set(0, 'rawTx', 'cHNidP8BAJo'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].rawTx',
  },
  {
    name: 'bitcoin rawTx in base64url',
    change: set(0, 'rawTx', 'cHNidP8B-_8='),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].rawTx',
  },
  {
    name: 'bitcoin rawTx with a line break',
    change: set(0, 'rawTx', 'cHNi\ndP8B'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].rawTx',
  },
  {
    name: 'ethereum rawTx upper-case hex',
    change: set(1, 'rawTx', SAMPLE_EIP1559_HEX.toUpperCase().replace('0X', '0x')),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[1].rawTx',
  },
  {
    name: 'ethereum rawTx odd length',
    change: set(1, 'rawTx', `${SAMPLE_EIP1559_HEX}0`),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[1].rawTx',
  },
  {
    name: 'ethereum rawTx only 0x',
    change: set(1, 'rawTx', '0x'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[1].rawTx',
  },
  {
    name: 'ethereum rawTx in base64',
    change: set(1, 'rawTx', 'AvA='),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[1].rawTx',
  },
  {
    name: 'rawTx of 200,004 characters',
    change: set(0, 'rawTx', 'A'.repeat(200_004)),
    code: 'LIMIT_EXCEEDED',
    field: 'withdrawals[0].rawTx',
    says: /maxRawTxChars/,
  },
  // signature envelope
  {
    name: 'signature missing',
    change: (b) => delete (b as Record<string, unknown>).signature,
    code: 'SCHEMA_INVALID',
    field: 'signature',
  },
  {
    name: 'signature alg ecdsa',
    change: (b) => (b.signature.alg = 'ecdsa'),
    code: 'SCHEMA_INVALID',
    field: 'signature.alg',
  },
  {
    name: 'signature value upper-case hex',
    change: (b) => (b.signature.value = String(b.signature.value).toUpperCase()),
    code: 'SCHEMA_INVALID',
    field: 'signature.value',
  },
  {
    name: 'signature value 63 bytes',
    change: (b) => (b.signature.value = String(b.signature.value).slice(2)),
    code: 'SCHEMA_INVALID',
    field: 'signature.value',
  },
  {
    name: 'signature with an extra member',
    change: (b) => (b.signature.keyId = 'k'),
    code: 'SCHEMA_INVALID',
    field: 'signature.keyId',
  },
];

for (const c of CASES) {
  test(`refused: ${c.name} -> ${c.code}`, () => {
    const text = mutated(sample.wire, c.change);
    const e = assertRefusal(() => parseBatch(text), c.code, c.field);
    if (c.withdrawalId !== undefined) {
      assert.equal(e.withdrawalId, c.withdrawalId);
      assert.ok(e.message.startsWith(`withdrawal ${c.withdrawalId}: `), e.message);
    }
    if (c.says !== undefined) assert.match(e.message, c.says);
    assert.ok(e.expected !== undefined && e.found !== undefined, `expected and found are set: ${e.message}`);
    assert.ok(e.message.length < 600, 'a long found value is cut');
  });
}

test('refusals inside a withdrawal name the withdrawal once its id is readable', () => {
  for (const [i, id] of [
    [0, 'w-btc-1'],
    [1, 'w-eth-1'],
    [2, 'w-usdc-1'],
  ] as const) {
    const e = assertRefusal(() => parseBatch(mutated(sample.wire, set(i, 'keyLabel', ''))), 'SCHEMA_INVALID');
    assert.equal(e.withdrawalId, id);
    assert.deepEqual(e.toJSON().withdrawalId, id);
  }
  // an unreadable id is not echoed as if it were one
  const e = assertRefusal(() => parseBatch(mutated(sample.wire, set(0, 'id', 'bad id'))), 'SCHEMA_INVALID');
  assert.equal(e.withdrawalId, undefined);
});

test('a top-level value that is not an object is SCHEMA_INVALID', () => {
  for (const text of ['[]', '"batch"', '42', 'null']) assertRefusal(() => parseBatch(text), 'SCHEMA_INVALID');
});

test('more than 10,000 withdrawals is LIMIT_EXCEEDED naming the limit and both numbers', () => {
  const text = mutated(sample.wire, (b) => {
    const one = b.withdrawals[0]!;
    b.withdrawals = Array.from({ length: LIMITS.maxWithdrawals + 1 }, (_, i) => ({ ...one, id: `w${i}` }));
  });
  const e = assertRefusal(() => parseBatch(text), 'LIMIT_EXCEEDED', 'withdrawals');
  assert.match(e.message, /withdrawals holds 10,001 withdrawals, above the limit maxWithdrawals/);
  assert.equal(e.expected, 'at most 10,000 withdrawals');
});

test('buildBatchBody computes the manifest, sorted bitcoin, ethereum native, then tokens by address', () => {
  const tokenB = `0x${'bb'.repeat(20)}`;
  const tokenA = `0x${'aa'.repeat(20)}`;
  const ws = sampleWithdrawals();
  const extra = [
    { ...ws[2]!, id: 'x1', asset: { kind: 'token' as const, contract: tokenB }, amount: 5n },
    { ...ws[2]!, id: 'x2', asset: { kind: 'token' as const, contract: tokenA }, amount: 7n },
    { ...ws[0]!, id: 'x3', amount: 10n },
    { ...ws[2]!, id: 'x4', asset: { kind: 'token' as const, contract: tokenB }, amount: 6n },
  ];
  const body = buildBatchBody(sampleBatchFields({ withdrawals: [...extra, ...ws] }));
  assert.deepEqual(body.manifest, {
    count: 7,
    totals: [
      { chain: 'bitcoin', asset: 'native', amount: '149990010' },
      { chain: 'ethereum', asset: 'native', amount: '1000000000000000000' },
      { chain: 'ethereum', asset: SAMPLE_TOKEN, amount: '2500000000' },
      { chain: 'ethereum', asset: tokenA, amount: '7' },
      { chain: 'ethereum', asset: tokenB, amount: '11' },
    ],
  });
  assert.equal(computeManifest([]).count, 0);
});

test('buildBatchBody refuses what the appliance would refuse, with the same RefusalError', () => {
  const ws = sampleWithdrawals();
  assertRefusal(
    () => buildBatchBody(sampleBatchFields({ withdrawals: [ws[0]!, { ...ws[0]! }] })),
    'DUPLICATE_WITHDRAWAL_ID',
  );
  assertRefusal(
    () => buildBatchBody(sampleBatchFields({ withdrawals: [] })),
    'SCHEMA_INVALID',
    'withdrawals',
  );
  assertRefusal(
    () => buildBatchBody(sampleBatchFields({ expiresAt: new Date('2025-01-31T11:00:00Z') })),
    'SCHEMA_INVALID',
    'expiresAt',
  );
  assertRefusal(
    () => buildBatchBody(sampleBatchFields({ withdrawals: [{ ...ws[0]!, destination: 'bc1 q' }] })),
    'SCHEMA_INVALID',
    'withdrawals[0].destination',
  );
});

test('buildBatchBody throws TypeError/RangeError for programming errors', () => {
  const ws = sampleWithdrawals();
  assert.throws(
    () => buildBatchBody(sampleBatchFields({ withdrawals: [{ ...ws[0]!, amount: 5 as unknown as bigint }] })),
    TypeError,
  );
  assert.throws(
    () => buildBatchBody(sampleBatchFields({ withdrawals: [{ ...ws[0]!, nonce: 1n }] })),
    /has no nonce/,
  );
  const { nonce: _n, ...noNonce } = ws[1]!;
  assert.throws(() => buildBatchBody(sampleBatchFields({ withdrawals: [noNonce] })), /needs a nonce/);
  assert.throws(() => buildBatchBody(sampleBatchFields({ createdAt: new Date(Number.NaN) })), TypeError);
  assert.throws(
    () => buildBatchBody(sampleBatchFields({ expiresAt: new Date('+010000-01-01T00:00:00Z') })),
    RangeError,
  );
});

test('serializeBatch writes what parseBatch reads, and refuses an unsigned or broken batch', () => {
  assert.deepEqual(parseBatch(serializeBatch(sample.wire)).wire, sample.wire);
  assert.ok(sample.text.endsWith('}\n'));
  assertRefusal(() => serializeBatch(sample.body as never), 'SCHEMA_INVALID', 'signature');
  const broken = { ...sample.wire, batchId: '' };
  assertRefusal(() => serializeBatch(broken), 'SCHEMA_INVALID', 'batchId');
  assert.throws(() => attachSignature(sample.wire, new Uint8Array(64)), /already signed/);
  assert.throws(() => attachSignature(sample.body, new Uint8Array(63)), RangeError);
});
