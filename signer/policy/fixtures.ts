/**
 * Test-only fixtures for the policy engine: a complete sample policy (the one docs/policy.md
 * prints), synthetic decoded withdrawals, a ledger history, and a helper that expects a
 * `PolicyViolation`. Production code never imports this file.
 */
import type { Chain, DecodedAsset } from '../chains/adapter.js';
import type { JsonObject } from '../format/canonical.js';
import type { PolicyBatch, PolicyWithdrawal } from './batch.js';
import type { Policy } from './document.js';
import type { PolicyContext, PolicyHistory } from './evaluate.js';
import { parsePolicy } from './parse.js';
import { PolicyViolation, type PolicyViolationCode } from './violation.js';

export const USDC = '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48';
export const DAI = '0x6b175474e89094c44da98b954eedeac495271d0f';

/** Appliance clock of the sample scenarios. */
export const NOW = new Date('2025-01-31T12:00:00Z');

/** BIP-173 and other well-known addresses (canonical forms). */
export const BTC_PAID = 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4';
export const BTC_NEW = 'bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3';
export const BTC_DENIED = '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2';
export const ETH_PAID = '0x8ba1f109551bD432803012645Ac136ddd64DBA72';
export const ETH_NEW = '0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045';
export const ETH_DENIED = '0x000000000000000000000000000000000000dEaD';

export const BTC: DecodedAsset = { kind: 'native', symbol: 'BTC', decimals: 8 };
export const ETH: DecodedAsset = { kind: 'native', symbol: 'ETH', decimals: 18 };
export const USDC_ASSET: DecodedAsset = { kind: 'token', contract: USDC, symbol: 'USDC', decimals: 6 };
export const DAI_ASSET: DecodedAsset = { kind: 'token', contract: DAI, symbol: 'DAI', decimals: 18 };

/** The sample policy document (docs/policy.md, "Full example"), as a fresh mutable object. */
export function samplePolicyWire(): Record<string, unknown> & JsonObject {
  return {
    format: 'airlock.policy/v1',
    version: 7,
    effectiveFrom: '2025-01-30T00:00:00Z',
    approvals: { default: 2, operators: 4 },
    tiers: [
      { aboveUsd: '10000', approvals: 3 },
      { aboveUsd: '1000000', approvals: 4 },
    ],
    newDestinationExtraApprovals: 1,
    priceTable: {
      asOf: '2025-01-31T06:00:00Z',
      maxAgeHours: 24,
      prices: {
        'bitcoin/native': '50000',
        'ethereum/native': '2500',
        [`ethereum/${USDC}`]: '1',
      },
    },
    chains: ['bitcoin', 'ethereum'],
    tokenAllowlist: [USDC, DAI],
    limits: {
      'bitcoin/native': { perWithdrawal: '2500000000', perRolling24h: '5000000000' },
      'ethereum/native': { perWithdrawal: '500000000000000000000', perRolling24h: '1000000000000000000000' },
      [`ethereum/${USDC}`]: { perWithdrawal: '2000000000000', perRolling24h: '5000000000000' },
      [`ethereum/${DAI}`]: {
        perWithdrawal: '1000000000000000000000000',
        perRolling24h: '2000000000000000000000000',
      },
    },
    perBatchTotals: {
      'bitcoin/native': '4000000000',
      'ethereum/native': '800000000000000000000',
      [`ethereum/${USDC}`]: '3000000000000',
      [`ethereum/${DAI}`]: '1000000000000000000000000',
    },
    destinations: {
      bitcoin: { deny: [BTC_DENIED] },
      ethereum: { deny: [ETH_DENIED.toLowerCase()] },
    },
    feeCaps: { bitcoin: '500000', ethereum: '20000000000000000' },
    maxBatchAgeMinutes: 60,
  };
}

/** One edit of a policy document: the JSON path and the new value; `undefined` removes the member or item. */
export type Change = readonly [path: readonly (string | number)[], value: unknown];

/** The sample policy document with `changes` applied, in order. */
export function wireWith(...changes: Change[]): Record<string, unknown> {
  const wire: Record<string, unknown> = samplePolicyWire();
  for (const [path, value] of changes) {
    let parent: unknown = wire;
    for (const step of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[step];
    const last = path[path.length - 1]!;
    if (Array.isArray(parent) && typeof last === 'number' && value === undefined) parent.splice(last, 1);
    else if (value === undefined) delete (parent as Record<string | number, unknown>)[last];
    else (parent as Record<string | number, unknown>)[last] = value;
  }
  return wire;
}

/** The sample policy, parsed, with `changes` applied to its document first. */
export function samplePolicy(...changes: Change[]): Policy {
  return parsePolicy(wireWith(...changes));
}

export function withdrawal(
  id: string,
  chain: Chain,
  asset: DecodedAsset,
  amount: bigint,
  destination: string,
  fee = 1_000n,
): PolicyWithdrawal {
  return { withdrawalId: id, chain, asset, amount, destination, fee };
}

export function batchOf(...withdrawals: PolicyWithdrawal[]): PolicyBatch {
  return { batchId: 'batch-2025-01-31.001', createdAt: new Date(NOW.getTime() - 5 * 60_000), withdrawals };
}

/** A ledger history: what was signed in the last 24 hours per asset key, and the destinations paid. */
export function history(
  signed: Readonly<Record<string, bigint>> = {},
  known: readonly string[] = [`bitcoin:${BTC_PAID}`, `ethereum:${ETH_PAID.toLowerCase()}`],
): PolicyHistory {
  return { signedInLast24h: (key) => signed[key] ?? 0n, knownDestinations: new Set(known) };
}

export function context(over: Partial<PolicyContext> = {}): PolicyContext {
  return { now: NOW, history: history(), frozen: false, ...over };
}

/** Runs `run`, expects a PolicyViolation with `code`, and returns it. */
export function expectViolation(run: () => unknown, code: PolicyViolationCode): PolicyViolation {
  let thrown: unknown;
  try {
    run();
  } catch (e) {
    thrown = e;
  }
  if (!(thrown instanceof PolicyViolation)) {
    throw new Error(
      `expected PolicyViolation ${code}, got ${thrown === undefined ? 'no error' : String(thrown)}`,
    );
  }
  if (thrown.code !== code) throw new Error(`expected ${code}, got ${thrown.code}: ${thrown.message}`);
  return thrown;
}
