/**
 * fast-check properties of the policy engine:
 * - required approvals are monotone in the amount and in the price, never below the default M, and
 *   a new destination adds exactly `newDestinationExtraApprovals`;
 * - the batch needs the largest requirement of its withdrawals, and adding a withdrawal never lowers it;
 * - on random batches under the sample policy, evaluation either refuses with a PolicyViolation or
 *   accepts a batch that provably keeps every limit, cap and list (an independent oracle).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Chain, DecodedAsset } from '../chains/adapter.js';
import type { PolicyWithdrawal } from './batch.js';
import { formatFixed, formatUsd } from './decimal.js';
import { assetKeyOf, destinationKey, type Policy } from './document.js';
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
  history,
  samplePolicy,
  USDC_ASSET,
  withdrawal,
} from './fixtures.js';
import { PolicyViolation } from './violation.js';

const MAX = ((1n << 256n) - 1n).toString();

/** Random tiers, default M, extra approvals and BTC price; limits out of the way. */
const tieredPolicy = fc
  .record({
    dflt: fc.integer({ min: 1, max: 3 }),
    thresholds: fc.uniqueArray(fc.bigInt({ min: 0n, max: 10n ** 18n }), { maxLength: 5 }),
    extra: fc.integer({ min: 0, max: 2 }),
    price: fc.tuple(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.integer({ min: 0, max: 8 })),
  })
  .map(({ dflt, thresholds, extra, price }) => {
    const sorted = [...thresholds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return samplePolicy(
      [['approvals'], { default: dflt, operators: dflt + sorted.length + extra }],
      [['tiers'], sorted.map((t, i) => ({ aboveUsd: formatUsd(t), approvals: dflt + i + 1 }))],
      [['newDestinationExtraApprovals'], extra],
      [['priceTable', 'prices', 'bitcoin/native'], formatFixed(price[0], price[1])],
      [['limits', 'bitcoin/native'], { perWithdrawal: MAX, perRolling24h: MAX }],
      [['perBatchTotals', 'bitcoin/native'], MAX],
    );
  });

const sats = fc.bigInt({ min: 0n, max: 10n ** 22n });

function requiredFor(policy: Policy, ...ws: PolicyWithdrawal[]): number {
  return evaluatePolicy(batchOf(...ws), policy, context()).required;
}

const btcTo = (amount: bigint, to: string, id = 'w') => withdrawal(id, 'bitcoin', BTC, amount, to);

test('property: required approvals are monotone in the amount and never below the default M', () => {
  fc.assert(
    fc.property(tieredPolicy, sats, sats, fc.boolean(), (policy, a, b, isNew) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      const to = isNew ? BTC_NEW : BTC_PAID;
      const rLo = requiredFor(policy, btcTo(lo, to));
      const rHi = requiredFor(policy, btcTo(hi, to));
      assert.ok(rLo <= rHi, `${lo} needs ${rLo}, ${hi} needs ${rHi}`);
      assert.ok(rLo >= policy.approvals.default);
      assert.ok(rHi <= policy.approvals.operators);
    }),
    { numRuns: 300 },
  );
});

test('property: a higher price never needs fewer approvals', () => {
  fc.assert(
    fc.property(
      sats,
      fc.bigInt({ min: 1n, max: 10n ** 9n }),
      fc.bigInt({ min: 1n, max: 10n ** 9n }),
      (amount, p, q) => {
        const [lo, hi] = p <= q ? [p, q] : [q, p];
        const at = (price: bigint) =>
          samplePolicy(
            [['priceTable', 'prices', 'bitcoin/native'], formatFixed(price, 2)],
            [['limits', 'bitcoin/native'], { perWithdrawal: MAX, perRolling24h: MAX }],
            [['perBatchTotals', 'bitcoin/native'], MAX],
          );
        assert.ok(
          requiredFor(at(lo), btcTo(amount, BTC_PAID)) <= requiredFor(at(hi), btcTo(amount, BTC_PAID)),
        );
      },
    ),
    { numRuns: 100 },
  );
});

test('property: a destination never paid before adds exactly the extra approvals, and is flagged', () => {
  fc.assert(
    fc.property(tieredPolicy, sats, (policy, amount) => {
      const known = evaluatePolicy(batchOf(btcTo(amount, BTC_PAID)), policy, context());
      const fresh = evaluatePolicy(batchOf(btcTo(amount, BTC_NEW)), policy, context());
      assert.equal(fresh.required, known.required + policy.newDestinationExtraApprovals);
      assert.deepEqual([known.flagged, fresh.flagged], [[], ['w']]);
      assert.equal(fresh.withdrawals[0]!.tier, known.withdrawals[0]!.tier);
    }),
    { numRuns: 200 },
  );
});

test('property: the batch needs the largest requirement of its withdrawals; adding one never lowers it', () => {
  fc.assert(
    fc.property(
      tieredPolicy,
      fc.array(fc.tuple(sats, fc.boolean()), { minLength: 1, maxLength: 8 }),
      (policy, items) => {
        const ws = items.map(([amount, isNew], i) => btcTo(amount, isNew ? BTC_NEW : BTC_PAID, `w${i}`));
        const d = evaluatePolicy(batchOf(...ws), policy, context());
        assert.equal(d.required, Math.max(policy.approvals.default, ...d.withdrawals.map((w) => w.required)));
        assert.ok(requiredFor(policy, ...ws.slice(0, -1)) <= d.required);
        assert.deepEqual(
          d.flagged,
          items.flatMap(([, isNew], i) => (isNew ? [`w${i}`] : [])),
        );
      },
    ),
    { numRuns: 200 },
  );
});

// --- random batches under the sample policy, against an independent oracle -----------------------

const ASSETS: readonly [Chain, DecodedAsset][] = [
  ['bitcoin', BTC],
  ['ethereum', ETH],
  ['ethereum', USDC_ASSET],
  ['ethereum', DAI_ASSET],
];
const DESTINATIONS: Record<Chain, readonly string[]> = {
  bitcoin: [BTC_PAID, BTC_NEW, BTC_DENIED],
  ethereum: [ETH_PAID, ETH_NEW, ETH_DENIED],
};

const randomWithdrawal = fc
  .record({
    asset: fc.constantFrom(...ASSETS, ...ASSETS.slice(0, 3)),
    // Mostly allowed destinations and fees within the caps, so that many batches are accepted.
    to: fc.constantFrom(0, 0, 1, 1, 1, 2),
    scale: fc.constantFrom(0n, 1n, 10n ** 6n, 10n ** 8n, 10n ** 18n, 10n ** 20n),
    amount: fc.bigInt({ min: 0n, max: 3000n }),
    fee: fc.oneof(
      { weight: 9, arbitrary: fc.bigInt({ min: 0n, max: 500_000n }) },
      { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 10n ** 17n }) },
    ),
  })
  .map(({ asset: [chain, asset], to, scale, amount, fee }) => ({
    chain,
    asset,
    destination: DESTINATIONS[chain][to]!,
    amount: amount * scale,
    fee,
  }));

test('property: a random batch is refused with a PolicyViolation, or keeps every rule', () => {
  const policy = samplePolicy();
  fc.assert(
    fc.property(
      fc.array(randomWithdrawal, { minLength: 1, maxLength: 4 }),
      fc.bigInt({ min: 0n, max: 6000n * 10n ** 8n }),
      (items, signedBtc) => {
        const ws = items.map((w, i) => ({ ...w, withdrawalId: `w${i}` }));
        const ctx = context({ history: history({ 'bitcoin/native': signedBtc }) });
        let d: ReturnType<typeof evaluatePolicy>;
        try {
          d = evaluatePolicy(batchOf(...ws), policy, ctx);
        } catch (e) {
          if (e instanceof PolicyViolation) return;
          throw e;
        }
        const totals = new Map<string, bigint>();
        for (const w of ws) {
          const key = assetKeyOf(w.chain, w.asset);
          const limits = policy.limits.get(key)!;
          totals.set(key, (totals.get(key) ?? 0n) + w.amount);
          assert.ok(policy.priceTable.prices.has(key), `${key} has a price`);
          assert.ok(w.amount <= limits.perWithdrawal);
          assert.ok(w.fee <= policy.feeCaps.get(w.chain)!);
          assert.ok(!policy.destinations.get(w.chain)!.deny.has(destinationKey(w.chain, w.destination)));
        }
        for (const [key, total] of totals) {
          assert.ok(total <= policy.perBatchTotals.get(key)!);
          const before = key === 'bitcoin/native' ? signedBtc : 0n;
          assert.ok(before + total <= policy.limits.get(key)!.perRolling24h);
        }
        assert.ok(d.required >= 2 && d.required <= 4);
      },
    ),
    { numRuns: 500 },
  );
});
