/**
 * Import and review of a batch, without any key: parse (limits, schema, manifest) → authenticate
 * (enrolled coordinator, freshness) → decode every raw transaction with its chain adapter →
 * cross-check it against the declared withdrawal → refuse double spends inside the batch.
 * The result is an `InspectedBatch`, the only thing the signing pipeline accepts. Pure: the caller
 * supplies the bytes, the trust anchors and the time.
 */
import type { AdapterContext, Decoded, DecodedWithdrawal } from './chains/adapter.js';
import { formatUnits } from './chains/ethereum/units.js';
import { ADAPTERS } from './chains/index.js';
import { decodeAll } from './chains/parallel.js';
import { crossCheck } from './crosscheck.js';
import { RefusalError, refuse } from './errors.js';
import {
  type DeclaredWithdrawal,
  type Fingerprint,
  fingerprint,
  parseBatch,
  type VerifiedBatch,
  verifyBatch,
} from './format/index.js';

declare const inspected: unique symbol;

export interface InspectedWithdrawal {
  readonly declared: DeclaredWithdrawal;
  readonly decoded: Decoded<unknown>;
}

export interface AssetTotal {
  readonly chain: string;
  readonly asset: string;
  readonly symbol: string;
  readonly decimals: number;
  readonly amount: bigint;
}

/** A batch that was authenticated, decoded and cross-checked in full. */
export interface InspectedBatch {
  readonly batch: VerifiedBatch;
  readonly fingerprint: Fingerprint;
  readonly withdrawals: readonly InspectedWithdrawal[];
  readonly totals: readonly AssetTotal[];
  readonly [inspected]: true;
}

export interface TrustAnchors {
  /** Enrolled coordinator keys (Ed25519) by key id. */
  readonly coordinators: ReadonlyMap<string, Uint8Array>;
  readonly ctx: AdapterContext;
}

export function inspectBatch(input: Uint8Array | string, trust: TrustAnchors, now: Date): InspectedBatch {
  const parsed = parseBatch(input);
  const batch = verifyBatch(parsed, trust.coordinators, now);
  if (batch.network !== trust.ctx.network) {
    refuse(
      'WRONG_NETWORK',
      `batch ${batch.batchId} is for ${batch.network}; this appliance signs on ${trust.ctx.network}`,
      {
        field: 'network',
        expected: trust.ctx.network,
        found: batch.network,
      },
    );
  }
  const withdrawals: InspectedWithdrawal[] = [];
  const spentBy = new Map<string, string>();
  // Decoding is pure and per withdrawal: it runs on this thread and a worker beside it
  // (chains/parallel.ts); everything below still happens in batch order, so the first refusal is
  // the one a one-by-one pass would make.
  const outcomes = decodeAll(
    batch.withdrawals.map((declared) => ({
      chain: declared.chain,
      input: { withdrawalId: declared.id, rawTx: declared.rawTx, keyLabel: declared.keyLabel },
    })),
    trust.ctx,
  );
  for (const [n, declared] of batch.withdrawals.entries()) {
    const adapter = ADAPTERS[declared.chain];
    const outcome = outcomes[n]!;
    const decoded = decodeGuarded(() => {
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    }, declared.id);
    crossCheck(declared, decoded.view, adapter, trust.ctx);
    for (const key of decoded.view.replayKeys) {
      const other = spentBy.get(key);
      if (other !== undefined) {
        refuse('DUPLICATE_SPEND', `withdrawals ${other} and ${declared.id} spend the same ${key}`, {
          withdrawalId: declared.id,
          field: 'rawTx',
          expected: 'each outpoint and account nonce used once per batch',
          found: `${key} also used by ${other}`,
        });
      }
      spentBy.set(key, declared.id);
    }
    withdrawals.push({ declared, decoded });
  }
  return {
    batch,
    fingerprint: fingerprint(batch.digest),
    withdrawals,
    totals: totalsOf(withdrawals.map((w) => w.decoded.view)),
  } as unknown as InspectedBatch;
}

/** An adapter must refuse with RefusalError; anything else it throws is a malformed transaction too. */
function decodeGuarded<T>(fn: () => T, withdrawalId: string): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RefusalError) throw err;
    refuse('MALFORMED_TX', `the raw transaction could not be decoded: ${(err as Error).message}`, {
      withdrawalId,
      field: 'rawTx',
    });
  }
}

function totalsOf(views: readonly DecodedWithdrawal[]): AssetTotal[] {
  const totals = new Map<string, AssetTotal>();
  for (const v of views) {
    const asset = v.asset.kind === 'native' ? 'native' : v.asset.contract;
    const key = `${v.chain}/${asset}`;
    const prev = totals.get(key);
    totals.set(key, {
      chain: v.chain,
      asset,
      symbol: v.asset.symbol,
      decimals: v.asset.decimals,
      amount: (prev?.amount ?? 0n) + v.amount,
    });
  }
  return [...totals.values()];
}

/** The `inspect --json` report of one withdrawal. */
export function withdrawalReport(w: InspectedWithdrawal): Record<string, unknown> {
  const v = w.decoded.view;
  const nativeDecimals = v.chain === 'bitcoin' ? 8 : 18;
  const nativeSymbol = v.chain === 'bitcoin' ? 'BTC' : 'ETH';
  return {
    id: v.withdrawalId,
    chain: v.chain,
    asset: v.asset.kind === 'native' ? 'native' : v.asset.contract,
    symbol: v.asset.symbol,
    destination: v.destination,
    amount: v.amount.toString(),
    amountText: `${formatUnits(v.amount, v.asset.decimals)} ${v.asset.symbol}`,
    fee: v.fee.toString(),
    feeText: `${formatUnits(v.fee, nativeDecimals)} ${nativeSymbol}`,
    ...(v.nonce === undefined ? {} : { nonce: v.nonce.toString() }),
    keyLabel: w.declared.keyLabel,
    change: v.change.map((c) => ({ destination: c.destination, amount: c.amount.toString() })),
    details: v.details,
  };
}
