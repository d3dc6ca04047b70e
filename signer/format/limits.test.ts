/**
 * The hard limits (limits.ts): each one accepts its bound and refuses one past it with LIMIT_EXCEEDED,
 * naming the limit and both numbers. (Bytes and depth: rfc7493-ijson-reading.test.ts; clock skew:
 * batch-v1-signature.test.ts.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assertRefusal,
  type Mutable,
  mutated,
  SAMPLE_PSBT,
  sampleBatchFields,
  sampleSignedBatch,
  sampleSignedResult,
  sampleWithdrawals,
} from '../../test-support/sample-batch.js';
import { buildBatchBody, parseBatch } from './batch.js';
import { LIMITS, type LimitName } from './limits.js';
import { parseResult } from './result.js';

const batch = sampleSignedBatch();
const result = sampleSignedResult();

test('LIMITS is one frozen table', () => {
  assert.ok(Object.isFrozen(LIMITS));
  assert.throws(() => {
    (LIMITS as { maxWithdrawals: number }).maxWithdrawals = 1e9;
  }, TypeError);
  assert.equal(LIMITS.maxBatchBytes, 32 * 1024 * 1024);
  assert.equal(LIMITS.maxWithdrawals, 10_000);
  assert.equal(LIMITS.maxIdChars, 64);
  assert.equal(LIMITS.maxDestinationChars, 128);
  assert.equal(LIMITS.maxRawTxChars, 200_000);
  assert.equal(LIMITS.maxAmountDigits, 78);
  assert.ok((1n << 256n).toString().length === LIMITS.maxAmountDigits, '78 digits hold every uint256');
});

interface Bound {
  readonly limit: LimitName;
  readonly field: string;
  readonly atLimit: (b: Mutable) => void;
  readonly overLimit: (b: Mutable) => void;
}

const set =
  (i: number, member: string, value: unknown) =>
  (b: Mutable): void => {
    b.withdrawals[i]![member] = value;
  };

const BATCH_BOUNDS: readonly Bound[] = [
  {
    limit: 'maxIdChars',
    field: 'batchId',
    atLimit: (b) => (b.batchId = 'b'.repeat(64)),
    overLimit: (b) => (b.batchId = 'b'.repeat(65)),
  },
  {
    limit: 'maxIdChars',
    field: 'coordinatorKeyId',
    atLimit: (b) => (b.coordinatorKeyId = 'k'.repeat(64)),
    overLimit: (b) => (b.coordinatorKeyId = 'k'.repeat(65)),
  },
  {
    limit: 'maxIdChars',
    field: 'withdrawals[0].keyLabel',
    atLimit: set(0, 'keyLabel', 'l'.repeat(64)),
    overLimit: set(0, 'keyLabel', 'l'.repeat(65)),
  },
  {
    limit: 'maxDestinationChars',
    field: 'withdrawals[0].destination',
    atLimit: set(0, 'destination', 'd'.repeat(128)),
    overLimit: set(0, 'destination', 'd'.repeat(129)),
  },
  {
    limit: 'maxRawTxChars',
    field: 'withdrawals[0].rawTx',
    atLimit: set(0, 'rawTx', 'A'.repeat(200_000)),
    overLimit: set(0, 'rawTx', 'A'.repeat(200_004)),
  },
  {
    limit: 'maxRawTxChars',
    field: 'withdrawals[1].rawTx',
    atLimit: set(1, 'rawTx', `0x${'ab'.repeat(99_999)}`),
    overLimit: set(1, 'rawTx', `0x${'ab'.repeat(100_000)}`),
  },
  {
    limit: 'maxAmountDigits',
    field: 'withdrawals[2].feeCap',
    atLimit: set(2, 'feeCap', `1${'0'.repeat(77)}`),
    overLimit: set(2, 'feeCap', `1${'0'.repeat(78)}`),
  },
  {
    limit: 'maxAmountDigits',
    field: 'withdrawals[1].nonce',
    atLimit: set(1, 'nonce', '18446744073709551614'),
    overLimit: set(1, 'nonce', '1'.repeat(79)),
  },
];

for (const b of BATCH_BOUNDS) {
  test(`${b.limit} on ${b.field}: the bound passes, one past it is LIMIT_EXCEEDED naming the limit`, () => {
    assert.doesNotThrow(() => parseBatch(mutated(batch.wire, b.atLimit)));
    const e = assertRefusal(() => parseBatch(mutated(batch.wire, b.overLimit)), 'LIMIT_EXCEEDED', b.field);
    assert.match(e.message, new RegExp(`above the limit ${b.limit}`));
    assert.match(e.expected ?? '', /^at most [0-9,]+ /);
    assert.match(e.found ?? '', /^[0-9,]+ /);
  });
}

test('maxAmountDigits: an amount of 78 digits (up to 2^256-1) parses, 79 digits are refused before conversion', () => {
  const max = ((1n << 256n) - 1n).toString();
  const text = mutated(batch.wire, (b) => {
    b.withdrawals[1]!.amount = max;
    b.manifest.totals[1]!.amount = max;
  });
  assert.equal(parseBatch(text).withdrawals[1]!.amount, (1n << 256n) - 1n);
  const e = assertRefusal(
    () => parseBatch(mutated(batch.wire, set(1, 'amount', '9'.repeat(100_000)))),
    'LIMIT_EXCEEDED',
  );
  assert.match(e.message, /has 100,000 digits, above the limit maxAmountDigits/);
});

test('maxTotalDigits: totals may exceed 78 digits (sums of many large amounts), not 82', () => {
  const max = (1n << 256n) - 1n;
  const eth = sampleWithdrawals()[1]!;
  const withdrawals = Array.from({ length: 9 }, (_, i) => ({
    ...eth,
    id: `w${i}`,
    amount: max,
    nonce: BigInt(i),
  }));
  const big = sampleSignedBatch({ withdrawals });
  const total = parseBatch(big.text).manifest.totals[0]!.amount;
  assert.equal(total, 9n * max);
  assert.equal(total.toString().length, 79);
  const e = assertRefusal(
    () =>
      parseBatch(
        mutated(big.wire, (b) => {
          b.manifest.totals[0]!.amount = '1'.repeat(83);
        }),
      ),
    'LIMIT_EXCEEDED',
    'manifest.totals[0].amount',
  );
  assert.match(e.message, /maxTotalDigits/);
});

test('maxWithdrawals: exactly 10,000 withdrawals build, serialize and parse', () => {
  const btc = sampleWithdrawals()[0]!;
  const withdrawals = Array.from({ length: LIMITS.maxWithdrawals }, (_, i) => ({
    ...btc,
    id: `w${i}`,
    amount: 1n,
  }));
  const big = sampleSignedBatch({ withdrawals });
  const parsed = parseBatch(big.text);
  assert.equal(parsed.withdrawals.length, 10_000);
  assert.equal(parsed.manifest.totals[0]!.amount, 10_000n);
  assertRefusal(
    () =>
      buildBatchBody(sampleBatchFields({ withdrawals: [...withdrawals, { ...btc, id: 'one-too-many' }] })),
    'LIMIT_EXCEEDED',
    'withdrawals',
  );
});

test('maxApprovals and maxSignedTxChars in results', () => {
  const approvals = (n: number) => (r: Mutable) => {
    r.approvals = Array.from({ length: n }, (_, i) => ({ i }));
  };
  assert.doesNotThrow(() => parseResult(mutated(result.wire, approvals(LIMITS.maxApprovals))));
  const e = assertRefusal(
    () => parseResult(mutated(result.wire, approvals(LIMITS.maxApprovals + 1))),
    'LIMIT_EXCEEDED',
    'approvals',
  );
  assert.match(e.message, /approvals holds 65 approvals, above the limit maxApprovals/);
  const hex = (chars: number) => (r: Mutable) => {
    (r.withdrawals[1]!.signedTx as Record<string, unknown>).hex = 'ab'.repeat(chars / 2);
  };
  assert.doesNotThrow(() => parseResult(mutated(result.wire, hex(LIMITS.maxSignedTxChars))));
  assertRefusal(
    () => parseResult(mutated(result.wire, hex(LIMITS.maxSignedTxChars + 2))),
    'LIMIT_EXCEEDED',
    'withdrawals[1].signedTx.hex',
  );
  const psbt = (r: Mutable) => {
    (r.withdrawals[0]!.signedTx as Record<string, unknown>).psbtBase64 = SAMPLE_PSBT + 'A'.repeat(400_000);
  };
  assertRefusal(
    () => parseResult(mutated(result.wire, psbt)),
    'LIMIT_EXCEEDED',
    'withdrawals[0].signedTx.psbtBase64',
  );
});
