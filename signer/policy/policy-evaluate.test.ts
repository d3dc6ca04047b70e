/**
 * The policy engine's rules (docs/policy.md), one by one: approvals by tier at and just above each
 * threshold, the new-destination surcharge and flag, every limit at and just beyond its bound, the
 * lists, prices, ages and the freeze. Every refusal names the rule, the withdrawal and the numbers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PolicyWithdrawal } from './batch.js';
import { evaluatePolicy } from './evaluate.js';
import {
  BTC,
  BTC_DENIED,
  BTC_NEW,
  BTC_PAID,
  batchOf,
  context,
  DAI_ASSET,
  ETH,
  ETH_DENIED,
  ETH_NEW,
  ETH_PAID,
  expectViolation,
  history,
  NOW,
  samplePolicy,
  USDC,
  USDC_ASSET,
  withdrawal,
} from './fixtures.js';
import { PolicyViolation } from './violation.js';

const BTC_UNIT = 100_000_000n;
const ETH_UNIT = 10n ** 18n;
const USDC_UNIT = 1_000_000n;
const policy = samplePolicy();

const decide = (...ws: PolicyWithdrawal[]) => evaluatePolicy(batchOf(...ws), policy, context());
const btc = (sat: bigint, to = BTC_PAID, fee = 1_000n) => withdrawal('w-btc', 'bitcoin', BTC, sat, to, fee);
const eth = (wei: bigint, to = ETH_PAID) => withdrawal('w-eth', 'ethereum', ETH, wei, to);
const usdc = (units: bigint, to = ETH_PAID) => withdrawal('w-usdc', 'ethereum', USDC_ASSET, units, to);

function only(...ws: PolicyWithdrawal[]) {
  const d = decide(...ws);
  assert.equal(d.withdrawals.length, 1);
  return { batch: d, w: d.withdrawals[0]! };
}

// --- tiers -----------------------------------------------------------------------------------------

test('a small withdrawal to a destination paid before needs the default M and is not flagged', () => {
  const { batch, w } = only(btc(10_000_000n)); // 0.1 BTC at 50,000 USD
  assert.deepEqual(w, {
    withdrawalId: 'w-btc',
    assetKey: 'bitcoin/native',
    tier: 0,
    usdValue: '5000',
    newDestination: false,
    required: 2,
  });
  assert.equal(batch.required, 2);
  assert.equal(batch.operators, 4);
  assert.equal(batch.policyVersion, 7);
  assert.match(batch.policyDigest, /^[0-9a-f]{64}$/);
  assert.deepEqual(batch.flagged, []);
});

test('tier 1: exactly 10,000 USD is not above the threshold; one satoshi more is', () => {
  assert.deepEqual(
    [only(btc(20_000_000n)).w.tier, only(btc(20_000_000n)).w.required, only(btc(20_000_000n)).w.usdValue],
    [0, 2, '10000'],
  );
  const above = only(btc(20_000_001n)).w;
  assert.deepEqual([above.tier, above.required, above.usdValue], [1, 3, '10000.0005']);
});

test('a withdrawal worth 10,000.000001 USD is above 10,000 (USDC at 1 USD, 6 decimals)', () => {
  assert.equal(only(usdc(10_000n * USDC_UNIT)).w.required, 2);
  const w = only(usdc(10_000n * USDC_UNIT + 1n)).w;
  assert.deepEqual([w.usdValue, w.tier, w.required], ['10000.000001', 1, 3]);
});

test('values are rounded up to the micro-USD: 4 ETH and 1 wei at 2,500 USD is above 10,000', () => {
  const exact = only(eth(4n * ETH_UNIT)).w;
  assert.deepEqual([exact.usdValue, exact.required], ['10000', 2]);
  const oneWei = only(eth(4n * ETH_UNIT + 1n)).w; // 10,000.0000000000000025 USD
  assert.deepEqual([oneWei.usdValue, oneWei.tier, oneWei.required], ['10000.000001', 1, 3]);
});

test('tier 2: exactly 1,000,000 USD stays in tier 1; one satoshi more needs 4', () => {
  const at = only(btc(20n * BTC_UNIT)).w;
  assert.deepEqual([at.tier, at.required, at.usdValue], [1, 3, '1000000']);
  const above = only(btc(20n * BTC_UNIT + 1n)).w;
  assert.deepEqual([above.tier, above.required], [2, 4]);
});

test('a policy without tiers asks the default M at any value', () => {
  const p = samplePolicy([['tiers'], []]);
  const d = evaluatePolicy(batchOf(btc(20n * BTC_UNIT)), p, context());
  assert.deepEqual([d.required, d.withdrawals[0]!.tier], [2, 0]);
});

// --- new destinations -----------------------------------------------------------------------------

test('a destination never paid before adds one approval and is flagged, in every tier', () => {
  const small = only(btc(10_000_000n, BTC_NEW));
  assert.deepEqual([small.w.newDestination, small.w.required, small.w.tier], [true, 3, 0]);
  assert.deepEqual(small.batch.flagged, ['w-btc']);
  const atThreshold = only(btc(20_000_000n, BTC_NEW)).w;
  assert.equal(atThreshold.required, 3);
  const above = only(btc(20_000_001n, BTC_NEW)).w;
  assert.deepEqual([above.tier, above.required], [1, 4]);
  assert.ok(small.batch.reasons.some((l) => l.includes('never paid before (flagged): +1, so 3 approvals')));
});

test('known Ethereum destinations match whatever their letter case in the ledger', () => {
  const lower = evaluatePolicy(
    batchOf(eth(ETH_UNIT, ETH_NEW)),
    policy,
    context({
      history: history({}, [`ethereum:${ETH_NEW.toLowerCase()}`]),
    }),
  );
  const checksummed = evaluatePolicy(
    batchOf(eth(ETH_UNIT, ETH_NEW)),
    policy,
    context({
      history: history({}, [`ethereum:${ETH_NEW}`]),
    }),
  );
  const unknown = evaluatePolicy(
    batchOf(eth(ETH_UNIT, ETH_NEW)),
    policy,
    context({ history: history({}, []) }),
  );
  assert.deepEqual(
    [
      lower.withdrawals[0]!.newDestination,
      checksummed.withdrawals[0]!.newDestination,
      unknown.withdrawals[0]!.newDestination,
    ],
    [false, false, true],
  );
});

test('the known destination of one chain does not count on the other', () => {
  const d = evaluatePolicy(
    batchOf(btc(1_000n, BTC_PAID)),
    policy,
    context({ history: history({}, [`ethereum:${BTC_PAID}`]) }),
  );
  assert.equal(d.withdrawals[0]!.newDestination, true);
});

test('extra approvals of 0: a new destination is still flagged but needs no more', () => {
  const p = samplePolicy([['newDestinationExtraApprovals'], 0]);
  const d = evaluatePolicy(batchOf(btc(1_000n, BTC_NEW)), p, context());
  assert.deepEqual([d.required, d.withdrawals[0]!.newDestination, d.flagged], [2, true, ['w-btc']]);
});

test('more approvals than operators: refused as APPROVALS_UNREACHABLE with the numbers', () => {
  const v = expectViolation(() => decide(btc(20n * BTC_UNIT + 1n, BTC_NEW)), 'APPROVALS_UNREACHABLE');
  assert.equal(v.rule, 'newDestinationExtraApprovals');
  assert.equal(v.limit, 'at most 4 approvals (approvals.operators)');
  assert.equal(v.found, '5 approvals');
  assert.equal(v.withdrawalId, 'w-btc');
});

// --- the batch's decision -------------------------------------------------------------------------

test('the batch needs the largest requirement of its withdrawals; reasons explain each', () => {
  const d = decide(
    withdrawal('w1', 'bitcoin', BTC, 10_000_000n, BTC_PAID),
    withdrawal('w2', 'ethereum', USDC_ASSET, 20_000n * USDC_UNIT, ETH_PAID),
    withdrawal('w3', 'ethereum', ETH, ETH_UNIT, ETH_NEW),
  );
  assert.deepEqual(
    d.withdrawals.map((w) => [w.withdrawalId, w.required, w.tier, w.newDestination]),
    [
      ['w1', 2, 0, false],
      ['w2', 3, 1, false],
      ['w3', 3, 0, true],
    ],
  );
  assert.equal(d.required, 3);
  assert.deepEqual(d.flagged, ['w3']);
  assert.match(
    d.reasons[0]!,
    /^policy v7 \(digest [0-9a-f]{64}\): batch batch-2025-01-31.001 of 3 withdrawals needs 3 of 4 operators' approvals; 1 to a destination never paid before \(flagged\)$/,
  );
  assert.ok(
    d.reasons.includes(
      `w2: 20000 USDC to ${ETH_PAID} worth 20000 USD (at 1 USD per USDC): above 10000 USD, tier 1: 3 approvals`,
    ),
  );
  assert.ok(
    d.reasons.includes(
      'bitcoin/native: 10000000 base units (0.1 BTC) in this batch (per-batch total at most 4000000000 base units (40 BTC)); 10000000 base units (0.1 BTC) within 24 hours with the 0 base units (0 BTC) already signed (limit 5000000000 base units (50 BTC))',
    ),
  );
  assert.ok(Object.isFrozen(d) && Object.isFrozen(d.withdrawals) && Object.isFrozen(d.withdrawals[0]));
});

test('evaluation is deterministic and does not touch its inputs', () => {
  const b = batchOf(btc(10_000_000n), usdc(5n * USDC_UNIT));
  assert.deepEqual(evaluatePolicy(b, policy, context()), evaluatePolicy(b, policy, context()));
});

// --- limits ---------------------------------------------------------------------------------------

test('per-withdrawal limit: 25 BTC passes, one satoshi more is refused naming rule and numbers', () => {
  assert.equal(decide(btc(25n * BTC_UNIT)).required, 4);
  const v = expectViolation(() => decide(btc(25n * BTC_UNIT + 1n)), 'PER_WITHDRAWAL_LIMIT');
  assert.equal(v.rule, 'limits["bitcoin/native"].perWithdrawal');
  assert.equal(v.withdrawalId, 'w-btc');
  assert.equal(v.limit, 'at most 2500000000 base units (25 BTC)');
  assert.equal(v.found, '2500000001 base units (25.00000001 BTC)');
  assert.equal(
    v.message,
    'withdrawal w-btc: amount 2500000001 base units (25.00000001 BTC) is above the per-withdrawal limit of bitcoin/native (rule limits["bitcoin/native"].perWithdrawal: limit at most 2500000000 base units (25 BTC), found 2500000001 base units (25.00000001 BTC))',
  );
});

test('rolling 24 hours: the ledger history plus this batch, up to exactly the limit', () => {
  const signed = history({ 'bitcoin/native': 45n * BTC_UNIT });
  assert.equal(evaluatePolicy(batchOf(btc(5n * BTC_UNIT)), policy, context({ history: signed })).required, 3);
  const v = expectViolation(
    () => evaluatePolicy(batchOf(btc(5n * BTC_UNIT + 1n)), policy, context({ history: signed })),
    'DAILY_LIMIT',
  );
  assert.equal(v.rule, 'limits["bitcoin/native"].perRolling24h');
  assert.equal(v.limit, 'at most 5000000000 base units (50 BTC) within 24 hours');
  assert.equal(v.found, '5000000001 base units (50.00000001 BTC)');
});

test('rolling 24 hours: the withdrawal that crosses the limit is the one named', () => {
  const signed = history({ 'bitcoin/native': 45n * BTC_UNIT });
  const v = expectViolation(
    () =>
      evaluatePolicy(
        batchOf(
          withdrawal('w1', 'bitcoin', BTC, 3n * BTC_UNIT, BTC_PAID),
          withdrawal('w2', 'ethereum', ETH, ETH_UNIT, ETH_PAID),
          withdrawal('w3', 'bitcoin', BTC, 3n * BTC_UNIT, BTC_PAID),
        ),
        policy,
        context({ history: signed }),
      ),
    'DAILY_LIMIT',
  );
  assert.equal(v.withdrawalId, 'w3');
  assert.equal(v.found, '5100000000 base units (51 BTC)');
  assert.match(
    v.message,
    /4500000000 base units \(45 BTC\) of bitcoin\/native signed in the last 24 hours plus 600000000 base units \(6 BTC\) in this batch/,
  );
});

test('rolling 24 hours: each asset has its own window', () => {
  const signed = history({ 'ethereum/native': 1000n * ETH_UNIT });
  assert.equal(evaluatePolicy(batchOf(btc(BTC_UNIT)), policy, context({ history: signed })).required, 3);
  expectViolation(
    () => evaluatePolicy(batchOf(eth(1n)), policy, context({ history: signed })),
    'DAILY_LIMIT',
  );
});

test('per-batch total: 40 BTC in two withdrawals passes; one satoshi more in a third is refused', () => {
  const w1 = withdrawal('w1', 'bitcoin', BTC, 20n * BTC_UNIT, BTC_PAID);
  const w2 = withdrawal('w2', 'bitcoin', BTC, 20n * BTC_UNIT, BTC_PAID);
  assert.equal(decide(w1, w2).required, 3);
  const v = expectViolation(
    () => decide(w1, w2, withdrawal('w3', 'bitcoin', BTC, 1n, BTC_PAID)),
    'BATCH_TOTAL_LIMIT',
  );
  assert.equal(v.rule, 'perBatchTotals["bitcoin/native"]');
  assert.equal(v.withdrawalId, 'w3');
  assert.equal(v.limit, 'at most 4000000000 base units (40 BTC) per batch');
  assert.equal(v.found, '4000000001 base units (40.00000001 BTC)');
});

test('fee cap per chain, in the native asset even for a token transfer', () => {
  assert.equal(decide(btc(1_000n, BTC_PAID, 500_000n)).required, 2);
  const v = expectViolation(() => decide(btc(1_000n, BTC_PAID, 500_001n)), 'FEE_CAP');
  assert.deepEqual(
    [v.rule, v.limit, v.found],
    ['feeCaps.bitcoin', 'at most 500000 base units (0.005 BTC)', '500001 base units (0.00500001 BTC)'],
  );
  const token = { ...usdc(USDC_UNIT), fee: 20_000_000_000_000_001n };
  const t = expectViolation(() => decide(token), 'FEE_CAP');
  assert.deepEqual(
    [t.rule, t.found],
    ['feeCaps.ethereum', '20000000000000001 base units (0.020000000000000001 ETH)'],
  );
});

// --- allow and deny lists -------------------------------------------------------------------------

test('a chain the policy does not allow is refused', () => {
  const p = samplePolicy([['chains'], ['bitcoin']], [['tokenAllowlist'], []]);
  assert.equal(evaluatePolicy(batchOf(btc(1_000n)), p, context()).required, 2);
  const v = expectViolation(() => evaluatePolicy(batchOf(eth(1n)), p, context()), 'CHAIN_NOT_ALLOWED');
  assert.deepEqual(
    [v.rule, v.limit, v.found, v.withdrawalId],
    ['chains', 'one of bitcoin', 'ethereum', 'w-eth'],
  );
});

test('a token that is not on the allowlist is refused, even with a price', () => {
  const p = samplePolicy([['tokenAllowlist'], [USDC]]);
  const v = expectViolation(
    () => evaluatePolicy(batchOf(withdrawal('w-dai', 'ethereum', DAI_ASSET, 1n, ETH_PAID)), p, context()),
    'TOKEN_NOT_ALLOWED',
  );
  assert.equal(v.rule, 'tokenAllowlist');
  assert.match(v.message, /token DAI \(0x6b175474e89094c44da98b954eedeac495271d0f on ethereum\)/);
  const onBitcoin = withdrawal('w-odd', 'bitcoin', USDC_ASSET, 1n, BTC_PAID);
  expectViolation(() => decide(onBitcoin), 'TOKEN_NOT_ALLOWED');
});

test('deny lists: Bitcoin as encoded, Ethereum in any letter case', () => {
  const b = expectViolation(() => decide(btc(1_000n, BTC_DENIED)), 'DESTINATION_DENIED');
  assert.deepEqual([b.rule, b.found], ['destinations.bitcoin.deny', BTC_DENIED]);
  const e = expectViolation(() => decide(eth(1n, ETH_DENIED)), 'DESTINATION_DENIED');
  assert.deepEqual([e.rule, e.found, e.withdrawalId], ['destinations.ethereum.deny', ETH_DENIED, 'w-eth']);
});

test('an allow list lets only its addresses pass; a chain without one allows all not denied', () => {
  const p = samplePolicy([['destinations', 'ethereum', 'allow'], [ETH_PAID]]);
  assert.equal(evaluatePolicy(batchOf(eth(1n, ETH_PAID)), p, context()).required, 2);
  assert.equal(evaluatePolicy(batchOf(btc(1_000n, BTC_NEW)), p, context()).required, 3);
  const v = expectViolation(
    () => evaluatePolicy(batchOf(eth(1n, ETH_NEW)), p, context()),
    'DESTINATION_NOT_ALLOWED',
  );
  assert.deepEqual(
    [v.rule, v.limit, v.found],
    ['destinations.ethereum.allow', 'one of the 1 allowed addresses', ETH_NEW],
  );
  const token = expectViolation(
    () => evaluatePolicy(batchOf(usdc(1n, ETH_NEW)), p, context()),
    'DESTINATION_NOT_ALLOWED',
  );
  assert.equal(token.withdrawalId, 'w-usdc');
});

// --- prices and ages ------------------------------------------------------------------------------

test('an asset without a price is refused (deny by default)', () => {
  const v = expectViolation(
    () => decide(withdrawal('w-dai', 'ethereum', DAI_ASSET, 1n, ETH_PAID)),
    'NO_PRICE',
  );
  assert.equal(v.rule, `priceTable.prices["ethereum/0x6b175474e89094c44da98b954eedeac495271d0f"]`);
  assert.equal(v.found, 'no price');
  assert.equal(v.withdrawalId, 'w-dai');
});

test('price table: exactly maxAgeHours old is accepted, one millisecond more is stale', () => {
  const asOf = new Date('2025-01-31T06:00:00Z').getTime();
  const at = (ms: number) => context({ now: new Date(ms) });
  const fresh = { ...batchOf(btc(1_000n)), createdAt: new Date(asOf + 24 * 3_600_000) };
  assert.equal(evaluatePolicy(fresh, policy, at(asOf + 24 * 3_600_000)).required, 2);
  const v = expectViolation(
    () => evaluatePolicy(fresh, policy, at(asOf + 24 * 3_600_000 + 1)),
    'PRICE_TABLE_STALE',
  );
  assert.deepEqual(
    [v.rule, v.limit, v.found, v.withdrawalId],
    ['priceTable.maxAgeHours', 'at most 24 h old', '24 h 0 min 0.001 s old', undefined],
  );
});

test('price table dated more than 5 minutes after the appliance clock is refused', () => {
  const p = samplePolicy([['priceTable', 'asOf'], '2025-01-31T12:05:00Z']);
  assert.equal(evaluatePolicy(batchOf(btc(1_000n)), p, context()).required, 2);
  const q = samplePolicy([['priceTable', 'asOf'], '2025-01-31T12:05:00.001Z']);
  const v = expectViolation(() => evaluatePolicy(batchOf(btc(1_000n)), q, context()), 'PRICE_TABLE_STALE');
  assert.equal(v.rule, 'priceTable.asOf');
});

test('batch age: exactly maxBatchAgeMinutes old is accepted, one millisecond more is refused', () => {
  const aged = (ms: number) => ({ ...batchOf(btc(1_000n)), createdAt: new Date(NOW.getTime() - ms) });
  assert.equal(evaluatePolicy(aged(60 * 60_000), policy, context()).required, 2);
  const v = expectViolation(() => evaluatePolicy(aged(60 * 60_000 + 1), policy, context()), 'BATCH_TOO_OLD');
  assert.deepEqual(
    [v.rule, v.limit, v.found],
    ['maxBatchAgeMinutes', 'at most 60 min old', '1 h 0 min 0.001 s old'],
  );
  assert.match(v.message, /^batch batch-2025-01-31.001 was created at 2025-01-31T10:59:59.999Z/);
});

test('a policy is not applied before its effectiveFrom', () => {
  const p = samplePolicy([['effectiveFrom'], '2025-01-31T12:00:00.001Z']);
  const v = expectViolation(() => evaluatePolicy(batchOf(btc(1_000n)), p, context()), 'POLICY_NOT_EFFECTIVE');
  assert.deepEqual([v.rule, v.found], ['effectiveFrom', 'now is 2025-01-31T12:00:00.000Z']);
  const q = samplePolicy([['effectiveFrom'], '2025-01-31T12:00:00Z']);
  assert.equal(evaluatePolicy(batchOf(btc(1_000n)), q, context()).required, 2);
});

// --- freeze and order -----------------------------------------------------------------------------

test('frozen: everything is refused, before any other rule', () => {
  const v = expectViolation(
    () => evaluatePolicy(batchOf(btc(1_000n)), policy, context({ frozen: true })),
    'FROZEN',
  );
  assert.deepEqual([v.rule, v.limit, v.found, v.withdrawalId], ['freeze', 'not frozen', 'frozen', undefined]);
  const stale = context({ frozen: true, now: new Date('2025-03-01T00:00:00Z') });
  expectViolation(() => evaluatePolicy(batchOf(btc(99n * BTC_UNIT, BTC_DENIED)), policy, stale), 'FROZEN');
});

test('the first withdrawal that breaks a rule refuses the whole batch', () => {
  const v = expectViolation(
    () =>
      decide(
        withdrawal('w1', 'bitcoin', BTC, 1_000n, BTC_PAID),
        withdrawal('w2', 'ethereum', ETH, 1n, ETH_DENIED),
        withdrawal('w3', 'bitcoin', BTC, 99n * BTC_UNIT, BTC_PAID),
      ),
    'DESTINATION_DENIED',
  );
  assert.equal(v.withdrawalId, 'w2');
});

test('a violation is an AirlockError with a JSON form for reports', () => {
  const v = expectViolation(() => decide(btc(1_000n, BTC_DENIED)), 'DESTINATION_DENIED');
  assert.ok(v instanceof PolicyViolation && v instanceof Error);
  assert.equal(v.name, 'PolicyViolation');
  assert.deepEqual(JSON.parse(JSON.stringify(v)), {
    code: 'DESTINATION_DENIED',
    rule: 'destinations.bitcoin.deny',
    withdrawalId: 'w-btc',
    limit: 'not one of the denied addresses',
    found: BTC_DENIED,
    message: `withdrawal w-btc: destination ${BTC_DENIED} is in the bitcoin deny list (rule destinations.bitcoin.deny: limit not one of the denied addresses, found ${BTC_DENIED})`,
  });
});

test('inputs no adapter produces are programming errors, not refusals', () => {
  assert.throws(() => decide(btc(-1n)), RangeError);
  assert.throws(() => decide({ ...btc(1n), fee: -1n }), RangeError);
  assert.throws(
    () =>
      evaluatePolicy(
        batchOf(btc(1n)),
        policy,
        context({ history: { ...history(), signedInLast24h: () => 1 as unknown as bigint } }),
      ),
    RangeError,
  );
  assert.throws(
    () => evaluatePolicy(batchOf(btc(1n)), policy, context({ now: new Date(Number.NaN) })),
    TypeError,
  );
});
