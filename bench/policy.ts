/**
 * Benchmark: policy evaluation of a 10,000-withdrawal batch (issue 4, item 11). Synthetic decoded
 * withdrawals, mixed Bitcoin native / Ethereum native / ERC-20 (USDC), about one in eleven to a
 * destination never paid before, under a policy with two tiers, 1,000-address deny lists on both
 * chains and a 2,000-address Ethereum allow list; the ledger knows 2,000 destinations. The batch
 * passes every rule, so every rule runs for every withdrawal. Rounds after a warm-up; the median
 * counts. Target: under 1 s. Parsing the policy document (address checksums included) is timed too.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bech32 } from '@scure/base';
import type { DecodedAsset } from '../signer/chains/adapter.js';
import { toChecksumAddress } from '../signer/chains/ethereum/address.js';
import {
  evaluatePolicy,
  knownDestinationKey,
  type PolicyBatch,
  type PolicyWithdrawal,
  readPolicy,
} from '../signer/policy/index.js';
import { type BenchResult, median } from './report.js';

const USDC = '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48';
const BTC: DecodedAsset = { kind: 'native', symbol: 'BTC', decimals: 8 };
const ETH: DecodedAsset = { kind: 'native', symbol: 'ETH', decimals: 18 };
const USDC_ASSET: DecodedAsset = { kind: 'token', contract: USDC, symbol: 'USDC', decimals: 6 };
const NOW = new Date('2025-01-31T12:00:00Z');
const MAX = ((1n << 256n) - 1n).toString();

function hash(seed: string): Uint8Array {
  return sha256(new TextEncoder().encode(`airlock policy bench ${seed}`));
}

/** A P2WPKH mainnet address of a made-up key hash. */
function btcAddress(seed: string): string {
  return bech32.encode('bc', [0, ...bech32.toWords(hash(seed).slice(0, 20))]);
}

function ethAddress(seed: string): string {
  return toChecksumAddress(`0x${Buffer.from(hash(seed).slice(0, 20)).toString('hex')}`);
}

const POOL = 1_000;

function policyText(): string {
  return JSON.stringify({
    format: 'airlock.policy/v1',
    version: 1,
    effectiveFrom: '2025-01-01T00:00:00Z',
    approvals: { default: 2, operators: 5 },
    tiers: [
      { aboveUsd: '10000', approvals: 3 },
      { aboveUsd: '250000', approvals: 4 },
    ],
    newDestinationExtraApprovals: 1,
    priceTable: {
      asOf: '2025-01-31T06:00:00Z',
      maxAgeHours: 24,
      prices: { 'bitcoin/native': '97123.45', 'ethereum/native': '3321.9', [`ethereum/${USDC}`]: '0.9998' },
    },
    chains: ['bitcoin', 'ethereum'],
    tokenAllowlist: [USDC],
    limits: {
      'bitcoin/native': { perWithdrawal: '1000000000', perRolling24h: MAX },
      'ethereum/native': { perWithdrawal: '100000000000000000000', perRolling24h: MAX },
      [`ethereum/${USDC}`]: { perWithdrawal: '1000000000000', perRolling24h: MAX },
    },
    perBatchTotals: { 'bitcoin/native': MAX, 'ethereum/native': MAX, [`ethereum/${USDC}`]: MAX },
    destinations: {
      bitcoin: { deny: Array.from({ length: POOL }, (_, i) => btcAddress(`denied-${i}`)) },
      ethereum: {
        allow: Array.from({ length: 2 * POOL }, (_, i) => ethAddress(`eth-${i}`)),
        deny: Array.from({ length: POOL }, (_, i) => ethAddress(`denied-${i}`)),
      },
    },
    feeCaps: { bitcoin: '1000000', ethereum: '50000000000000000' },
    maxBatchAgeMinutes: 60,
  });
}

/** Destinations 0..POOL-1 are known to the ledger; POOL..2*POOL-1 never paid before. */
function syntheticBatch(count: number): PolicyBatch {
  const withdrawals: PolicyWithdrawal[] = [];
  for (let i = 0; i < count; i++) {
    // One in eleven (independent of the asset mix, which cycles by ten) goes somewhere new.
    const slot = ((i * 7919) % POOL) + (i % 11 === 0 ? POOL : 0);
    const id = `wd-${String(i).padStart(5, '0')}`;
    const kind = i % 10;
    if (kind < 4) {
      withdrawals.push({
        withdrawalId: id,
        chain: 'bitcoin',
        asset: BTC,
        destination: btcAddress(`btc-${slot}`),
        amount: 10_000n + BigInt(i) * 1_000n,
        fee: 2_000n,
      });
    } else {
      withdrawals.push({
        withdrawalId: id,
        chain: 'ethereum',
        asset: kind < 7 ? ETH : USDC_ASSET,
        destination: ethAddress(`eth-${slot}`),
        amount: kind < 7 ? 10n ** 15n * BigInt(i + 1) : 1_000_000n * BigInt(i + 1),
        fee: 840_000_000_000_000n,
      });
    }
  }
  return { batchId: `bench-${count}`, createdAt: new Date(NOW.getTime() - 60_000), withdrawals };
}

export async function benchPolicy(withdrawals = 10_000, rounds = 7): Promise<BenchResult> {
  const text = policyText();
  const batch = syntheticBatch(withdrawals);
  const known = new Set<string>();
  for (let slot = 0; slot < POOL; slot++) {
    known.add(knownDestinationKey('bitcoin', btcAddress(`btc-${slot}`)));
    known.add(knownDestinationKey('ethereum', ethAddress(`eth-${slot}`)));
  }
  const history = { signedInLast24h: () => 0n, knownDestinations: known };
  const ctx = { now: NOW, history, frozen: false };

  const parseMs: number[] = [];
  const evaluateMs: number[] = [];
  let policy = readPolicy(text);
  let decision = evaluatePolicy(batch, policy, ctx); // warm-up; also proves the batch passes
  for (let r = 0; r < rounds; r++) {
    let t0 = performance.now();
    policy = readPolicy(text);
    parseMs.push(performance.now() - t0);
    t0 = performance.now();
    decision = evaluatePolicy(batch, policy, ctx);
    evaluateMs.push(performance.now() - t0);
  }
  const evaluateMedian = median(evaluateMs);
  return {
    name: 'policy',
    command: 'npm run bench -- policy',
    params: {
      withdrawals,
      rounds,
      mix: '40% bitcoin native, 30% ethereum native, 30% ERC-20',
      denyListEntries: 2 * POOL,
      allowListEntries: 2 * POOL,
      knownDestinations: known.size,
      policyBytes: Buffer.byteLength(text),
    },
    figures: {
      evaluateMedianMs: round(evaluateMedian),
      evaluateMaxMs: round(Math.max(...evaluateMs)),
      withdrawalsPerSecond: Math.round((withdrawals / evaluateMedian) * 1000),
      parsePolicyMedianMs: round(median(parseMs)),
      requiredApprovals: decision.required,
      flaggedNewDestinations: decision.flagged.length,
    },
    target: {
      description: `policy evaluation of a ${withdrawals.toLocaleString('en-US')}-withdrawal batch under 1 s (median)`,
      met: evaluateMedian < 1000,
    },
    rounds: { evaluateMs: evaluateMs.map(round), parseMs: parseMs.map(round) },
  };
}

function round(ms: number): number {
  return Number(ms.toFixed(2));
}
