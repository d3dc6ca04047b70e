/**
 * The policy engine: a batch, the policy and what the appliance knows (clock, ledger history,
 * freeze) in; either a `PolicyViolation` naming the rule and the numbers, or the decision of how many
 * operators must approve the batch. Pure and deterministic: no I/O, no clock of its own.
 *
 * Deny by default (docs/policy.md): the first rule a batch breaks refuses the whole batch, checked
 * in this order —
 *   1. FROZEN, POLICY_NOT_EFFECTIVE, BATCH_TOO_OLD, PRICE_TABLE_STALE (the batch as a whole);
 *   2. then per withdrawal, in batch order: CHAIN_NOT_ALLOWED, TOKEN_NOT_ALLOWED, DESTINATION_DENIED,
 *      DESTINATION_NOT_ALLOWED, FEE_CAP, NO_PRICE, PER_WITHDRAWAL_LIMIT, BATCH_TOTAL_LIMIT (the
 *      batch's running total of the asset), DAILY_LIMIT (the ledger's last 24 hours plus that running
 *      total), APPROVALS_UNREACHABLE.
 * Required approvals of a withdrawal: the approvals of the highest tier whose threshold its USD value
 * is strictly above (the default M when none is), plus `newDestinationExtraApprovals` when its
 * destination was never paid before. The batch needs the largest of these. USD values are exact
 * bigint arithmetic rounded up to the micro-USD (decimal.ts).
 */
import type { Chain, DecodedAsset } from '../chains/adapter.js';
import { LIMITS } from '../format/limits.js';
import { jsonPath } from '../format/strict-json.js';
import type { PolicyBatch, PolicyWithdrawal } from './batch.js';
import { type Decimal, formatFixed, formatUsd, usdValueMicros } from './decimal.js';
import { policyDigestHex } from './digest.js';
import { type AssetKey, assetKeyOf, destinationKey, knownDestinationKey, type Policy } from './document.js';
import { violate } from './violation.js';

/** What the local ledger knows. */
export interface PolicyHistory {
  /** Base units of the asset signed within the 24 hours before now. */
  signedInLast24h(assetKey: AssetKey): bigint;
  /** Destinations paid before, as `knownDestinationKey` gives them (`chain:destination`). */
  readonly knownDestinations: ReadonlySet<string>;
}

export interface PolicyContext {
  /** The appliance clock. */
  readonly now: Date;
  readonly history: PolicyHistory;
  /** The freeze state (kept by the quorum layer): when set, everything is refused. */
  readonly frozen: boolean;
}

export interface WithdrawalDecision {
  readonly withdrawalId: string;
  readonly assetKey: AssetKey;
  /** 0 for the default approvals, k for the k-th tier of the policy (counting from 1). */
  readonly tier: number;
  /** USD value, rounded up to the micro-USD, as a decimal string. */
  readonly usdValue: string;
  /** The destination was never paid before: extra approvals, and people are shown the flag. */
  readonly newDestination: boolean;
  /** Approvals this withdrawal needs. */
  readonly required: number;
}

export interface PolicyDecision {
  readonly batchId: string;
  readonly policyVersion: number;
  /** Hex SHA-256 of the policy document (digest.ts): approvals bind to it. */
  readonly policyDigest: string;
  /** Approvals the batch needs: the largest over its withdrawals, never below the default M. */
  readonly required: number;
  /** N, the operators of the policy. */
  readonly operators: number;
  readonly withdrawals: readonly WithdrawalDecision[];
  /** Ids of the withdrawals to destinations never paid before, in batch order. */
  readonly flagged: readonly string[];
  /** Why, in lines for people: the batch, each asset against its limits, each withdrawal. */
  readonly reasons: readonly string[];
}

/** Evaluate `batch` under `policy`. Throws PolicyViolation on the first rule the batch breaks. */
export function evaluatePolicy(batch: PolicyBatch, policy: Policy, ctx: PolicyContext): PolicyDecision {
  if (!(ctx.now instanceof Date) || Number.isNaN(ctx.now.getTime()))
    throw new TypeError('"ctx.now" expected a valid Date');
  checkBatchWide(batch, policy, ctx.now, ctx.frozen);

  const running = new Map<AssetKey, bigint>();
  const signedBefore = new Map<AssetKey, bigint>();
  const assets = new Map<AssetKey, PolicyWithdrawal['asset']>();
  const decisions: WithdrawalDecision[] = [];
  const lines: string[] = [];
  const flagged: string[] = [];
  let required = policy.approvals.default;

  for (const w of batch.withdrawals) {
    checkArguments(w);
    const key = assetKeyOf(w.chain, w.asset);
    checkWhere(w, policy);
    checkFee(w, policy);
    const price = priceOf(w, key, policy);
    const inBatch = (running.get(key) ?? 0n) + w.amount;
    running.set(key, inBatch);
    assets.set(key, w.asset);
    const before = signedBefore.get(key) ?? historyOf(ctx.history, key);
    signedBefore.set(key, before);
    checkLimits(w, key, policy, inBatch, before);

    const d = approvalsOf(w, key, price, policy, ctx.history.knownDestinations);
    if (d.required > required) required = d.required;
    if (d.newDestination) flagged.push(w.withdrawalId);
    decisions.push(d);
    lines.push(withdrawalLine(w, policy, d, price.text));
  }

  const digest = policyDigestHex(policy);
  const header =
    `policy v${policy.version} (digest ${digest}): batch ${batch.batchId} of ${batch.withdrawals.length} ` +
    `withdrawal${batch.withdrawals.length === 1 ? '' : 's'} needs ${required} of ${policy.approvals.operators} operators' approvals` +
    (flagged.length > 0 ? `; ${flagged.length} to a destination never paid before (flagged)` : '');
  const assetLines = [...running].map(([key, inBatch]) => {
    const asset = assets.get(key)!;
    const before = signedBefore.get(key)!;
    return (
      `${key}: ${units(inBatch, asset)} in this batch (per-batch total at most ${units(policy.perBatchTotals.get(key)!, asset)}); ` +
      `${units(before + inBatch, asset)} within 24 hours with the ${units(before, asset)} already signed (limit ${units(policy.limits.get(key)!.perRolling24h, asset)})`
    );
  });
  return Object.freeze({
    batchId: batch.batchId,
    policyVersion: policy.version,
    policyDigest: digest,
    required,
    operators: policy.approvals.operators,
    withdrawals: Object.freeze(decisions),
    flagged: Object.freeze(flagged),
    reasons: Object.freeze([header, ...assetLines, ...lines]),
  });
}

// --- rules -----------------------------------------------------------------------------------------

/** The tier, the new-destination surcharge and the approvals of one withdrawal that passed the rules. */
function approvalsOf(
  w: PolicyWithdrawal,
  key: AssetKey,
  price: PriceEntry,
  policy: Policy,
  known: ReadonlySet<string>,
): WithdrawalDecision {
  const usd = usdValueMicros(w.amount, w.asset.decimals, price.value);
  let tier = 0;
  policy.tiers.forEach((t, i) => {
    if (usd > t.aboveUsdMicros) tier = i + 1;
  });
  const base = tier === 0 ? policy.approvals.default : policy.tiers[tier - 1]!.approvals;
  // The ledger's canonical form, or the adapter's display form (EIP-55), both mean "paid before".
  const newDestination =
    !known.has(knownDestinationKey(w.chain, w.destination)) && !known.has(`${w.chain}:${w.destination}`);
  const required = base + (newDestination ? policy.newDestinationExtraApprovals : 0);
  if (required > policy.approvals.operators) {
    violate(
      'APPROVALS_UNREACHABLE',
      `the withdrawal needs ${required} approvals (${base}, plus ${policy.newDestinationExtraApprovals} for ${w.destination}, never paid before) but the policy has ${policy.approvals.operators} operators`,
      {
        rule: 'newDestinationExtraApprovals',
        withdrawalId: w.withdrawalId,
        limit: `at most ${policy.approvals.operators} approvals (approvals.operators)`,
        found: `${required} approvals`,
      },
    );
  }
  return Object.freeze({
    withdrawalId: w.withdrawalId,
    assetKey: key,
    tier,
    usdValue: formatUsd(usd),
    newDestination,
    required,
  });
}

interface PriceEntry {
  readonly value: Decimal;
  readonly text: string;
}

function priceOf(w: PolicyWithdrawal, key: AssetKey, policy: Policy): PriceEntry {
  const value = policy.priceTable.prices.get(key);
  if (value === undefined) {
    violate(
      'NO_PRICE',
      `the price table has no price for ${key} (${w.asset.symbol}); an asset without a price is not signed`,
      {
        rule: jsonPath('priceTable.prices', key),
        withdrawalId: w.withdrawalId,
        limit: 'a USD price for every asset moved',
        found: 'no price',
      },
    );
  }
  return { value, text: policy.priceTable.priceTexts.get(key)! };
}

/**
 * Per withdrawal, then the batch's running total of the asset (`inBatch`, this withdrawal included),
 * then that total on top of what the ledger signed in the last 24 hours (`before`).
 */
function checkLimits(
  w: PolicyWithdrawal,
  key: AssetKey,
  policy: Policy,
  inBatch: bigint,
  before: bigint,
): void {
  const limits = policy.limits.get(key)!; // parse.ts: every allowed asset has limits and a batch total
  if (w.amount > limits.perWithdrawal) {
    violate(
      'PER_WITHDRAWAL_LIMIT',
      `amount ${units(w.amount, w.asset)} is above the per-withdrawal limit of ${key}`,
      {
        rule: jsonPath(jsonPath('limits', key), 'perWithdrawal'),
        withdrawalId: w.withdrawalId,
        limit: `at most ${units(limits.perWithdrawal, w.asset)}`,
        found: units(w.amount, w.asset),
      },
    );
  }
  const batchMax = policy.perBatchTotals.get(key)!;
  if (inBatch > batchMax) {
    violate(
      'BATCH_TOTAL_LIMIT',
      `the batch's withdrawals of ${key} reach ${units(inBatch, w.asset)} with this one, above the per-batch total`,
      {
        rule: jsonPath('perBatchTotals', key),
        withdrawalId: w.withdrawalId,
        limit: `at most ${units(batchMax, w.asset)} per batch`,
        found: units(inBatch, w.asset),
      },
    );
  }
  if (before + inBatch > limits.perRolling24h) {
    violate(
      'DAILY_LIMIT',
      `${units(before, w.asset)} of ${key} signed in the last 24 hours plus ${units(inBatch, w.asset)} in this batch up to this withdrawal is ${units(before + inBatch, w.asset)}, above the rolling 24-hour limit`,
      {
        rule: jsonPath(jsonPath('limits', key), 'perRolling24h'),
        withdrawalId: w.withdrawalId,
        limit: `at most ${units(limits.perRolling24h, w.asset)} within 24 hours`,
        found: units(before + inBatch, w.asset),
      },
    );
  }
}

function checkBatchWide(batch: PolicyBatch, policy: Policy, now: Date, frozen: boolean): void {
  if (frozen) {
    violate('FROZEN', 'the appliance is frozen: nothing is signed until the quorum unfreezes it', {
      rule: 'freeze',
      limit: 'not frozen',
      found: 'frozen',
    });
  }
  if (now < policy.effectiveFrom) {
    violate(
      'POLICY_NOT_EFFECTIVE',
      `policy version ${policy.version} takes effect at ${iso(policy.effectiveFrom)}, after the appliance clock`,
      {
        rule: 'effectiveFrom',
        limit: `from ${iso(policy.effectiveFrom)}`,
        found: `now is ${iso(now)}`,
      },
    );
  }
  const batchAge = now.getTime() - batch.createdAt.getTime();
  if (Number.isNaN(batchAge)) throw new TypeError('"batch.createdAt" expected a valid Date');
  if (batchAge > policy.maxBatchAgeMinutes * 60_000) {
    violate(
      'BATCH_TOO_OLD',
      `batch ${batch.batchId} was created at ${iso(batch.createdAt)}, ${duration(batchAge)} ago`,
      {
        rule: 'maxBatchAgeMinutes',
        limit: `at most ${policy.maxBatchAgeMinutes} min old`,
        found: `${duration(batchAge)} old`,
      },
    );
  }
  const table = policy.priceTable;
  const tableAge = now.getTime() - table.asOf.getTime();
  if (tableAge > table.maxAgeHours * 3_600_000) {
    violate(
      'PRICE_TABLE_STALE',
      `the price table of ${iso(table.asOf)} is ${duration(tableAge)} old; USD values from it are not trusted`,
      {
        rule: 'priceTable.maxAgeHours',
        limit: `at most ${table.maxAgeHours} h old`,
        found: `${duration(tableAge)} old`,
      },
    );
  }
  // A table dated ahead of the clock would stay "fresh" for longer than maxAgeHours.
  if (-tableAge > LIMITS.maxClockSkewMs) {
    violate(
      'PRICE_TABLE_STALE',
      `the price table is dated ${iso(table.asOf)}, ${duration(-tableAge)} ahead of the appliance clock`,
      {
        rule: 'priceTable.asOf',
        limit: `at most ${duration(LIMITS.maxClockSkewMs)} ahead of the appliance clock`,
        found: `${duration(-tableAge)} ahead`,
      },
    );
  }
}

/** Chain, token and destination lists. */
function checkWhere(w: PolicyWithdrawal, policy: Policy): void {
  if (!policy.chains.has(w.chain)) {
    violate('CHAIN_NOT_ALLOWED', `the policy does not allow withdrawals on ${w.chain}`, {
      rule: 'chains',
      withdrawalId: w.withdrawalId,
      limit: `one of ${listText([...policy.chains])}`,
      found: w.chain,
    });
  }
  if (w.asset.kind === 'token') {
    const contract = w.asset.contract.toLowerCase();
    if (w.chain !== 'ethereum' || !policy.tokenAllowlist.has(contract)) {
      violate(
        'TOKEN_NOT_ALLOWED',
        `token ${w.asset.symbol} (${contract} on ${w.chain}) is not in the policy's token allowlist`,
        {
          rule: 'tokenAllowlist',
          withdrawalId: w.withdrawalId,
          limit: `one of ${policy.tokenAllowlist.size} allowlisted ethereum contracts`,
          found: `${w.chain} ${contract}`,
        },
      );
    }
  }
  const lists = policy.destinations.get(w.chain);
  if (lists === undefined) return;
  const dest = destinationKey(w.chain, w.destination);
  if (lists.deny.has(dest)) {
    violate('DESTINATION_DENIED', `destination ${w.destination} is in the ${w.chain} deny list`, {
      rule: `destinations.${w.chain}.deny`,
      withdrawalId: w.withdrawalId,
      limit: 'not one of the denied addresses',
      found: w.destination,
    });
  }
  if (lists.allow !== undefined && !lists.allow.has(dest)) {
    violate('DESTINATION_NOT_ALLOWED', `destination ${w.destination} is not in the ${w.chain} allow list`, {
      rule: `destinations.${w.chain}.allow`,
      withdrawalId: w.withdrawalId,
      limit: `one of the ${lists.allow.size} allowed addresses`,
      found: w.destination,
    });
  }
}

function checkFee(w: PolicyWithdrawal, policy: Policy): void {
  const cap = policy.feeCaps.get(w.chain)!; // parse.ts: every allowed chain has a fee cap
  if (w.fee > cap) {
    const native = NATIVE[w.chain];
    violate('FEE_CAP', `the fee can reach ${units(w.fee, native)}, above the ${w.chain} fee cap`, {
      rule: jsonPath('feeCaps', w.chain),
      withdrawalId: w.withdrawalId,
      limit: `at most ${units(cap, native)}`,
      found: units(w.fee, native),
    });
  }
}

/** Programming errors, not refusals: the adapters never produce these. */
function checkArguments(w: PolicyWithdrawal): void {
  if (typeof w.amount !== 'bigint' || w.amount < 0n)
    throw new RangeError(
      `"amount" of ${w.withdrawalId} expected a non-negative bigint, got ${String(w.amount)}`,
    );
  if (typeof w.fee !== 'bigint' || w.fee < 0n)
    throw new RangeError(`"fee" of ${w.withdrawalId} expected a non-negative bigint, got ${String(w.fee)}`);
  if (!Number.isSafeInteger(w.asset.decimals) || w.asset.decimals < 0 || w.asset.decimals > 77)
    throw new RangeError(`"asset.decimals" of ${w.withdrawalId} expected 0 to 77, got ${w.asset.decimals}`);
}

function historyOf(history: PolicyHistory, key: AssetKey): bigint {
  const signed = history.signedInLast24h(key);
  if (typeof signed !== 'bigint' || signed < 0n)
    throw new RangeError(`"signedInLast24h(${key})" expected a non-negative bigint, got ${String(signed)}`);
  return signed;
}

// --- words -----------------------------------------------------------------------------------------

const NATIVE: Readonly<Record<Chain, Pick<DecodedAsset, 'symbol' | 'decimals'>>> = {
  bitcoin: { symbol: 'BTC', decimals: 8 },
  ethereum: { symbol: 'ETH', decimals: 18 },
};

/** "150000000 base units (1.5 BTC)". */
function units(amount: bigint, asset: Pick<DecodedAsset, 'symbol' | 'decimals'>): string {
  return `${amount} base units (${formatFixed(amount, asset.decimals)} ${asset.symbol})`;
}

function withdrawalLine(
  w: PolicyWithdrawal,
  policy: Policy,
  d: WithdrawalDecision,
  priceText: string,
): string {
  const t = policy.tiers[d.tier - 1];
  const first = policy.tiers[0];
  const band =
    t !== undefined
      ? `above ${t.aboveUsdText} USD, tier ${d.tier}`
      : first === undefined
        ? 'default'
        : `not above ${first.aboveUsdText} USD, default`;
  const base = t?.approvals ?? policy.approvals.default;
  const extra = d.newDestination
    ? `; destination never paid before (flagged): +${policy.newDestinationExtraApprovals}, so ${d.required} approvals`
    : '';
  return (
    `${w.withdrawalId}: ${formatFixed(w.amount, w.asset.decimals)} ${w.asset.symbol} to ${w.destination} worth ` +
    `${d.usdValue} USD (at ${priceText} USD per ${w.asset.symbol}): ${band}: ${base} approvals${extra}`
  );
}

function iso(d: Date): string {
  return d.toISOString();
}

/** Milliseconds as "2 h 5 min 3 s" or "60 min 0.001 s". Display only: the rules compare milliseconds. */
function duration(ms: number): string {
  const whole = Math.max(0, Math.floor(ms));
  const total = Math.floor(whole / 1000);
  const h = Math.floor(total / 3600);
  const min = Math.floor((total % 3600) / 60);
  const millis = whole % 1000;
  const s =
    millis === 0 ? `${total % 60}` : `${total % 60}.${String(millis).padStart(3, '0').replace(/0+$/, '')}`;
  return h > 0 ? `${h} h ${min} min ${s} s` : `${min} min ${s} s`;
}

function listText(items: readonly string[]): string {
  return items.length === 0 ? 'no chain (the policy allows none)' : items.join(', ');
}
