/**
 * The policy document `airlock.policy/v1` as typed values (the wire form and its rules are in
 * parse.ts and docs/policy.md), and the keys the policy and the ledger share.
 *
 * Invariants (established by `parsePolicy`, the only way to obtain a `Policy`):
 * - every allowed chain has a fee cap, and its native asset has limits and a per-batch total; so has
 *   every allowlisted token; nothing else has limits (no half-configured asset);
 * - tiers rise strictly in `aboveUsd` and in `approvals`, every tier asks more than the default, and
 *   no tier asks more approvals than there are operators;
 * - destinations are in canonical form (`destinationKey`); no address is both allowed and denied;
 * - `wire` is the received JSON object, deep-frozen: the policy digest is computed over it.
 */
import type { Chain, DecodedAsset } from '../chains/adapter.js';
import type { JsonObject } from '../format/canonical.js';
import type { Decimal } from './decimal.js';

export const POLICY_FORMAT = 'airlock.policy/v1';

/**
 * An asset as the policy names it: `bitcoin/native`, `ethereum/native`, or `ethereum/0x<contract>`
 * with the contract in lower case.
 */
export type AssetKey = string;

export interface Tier {
  /** The tier applies to a withdrawal worth strictly more than this, in micro-USD. */
  readonly aboveUsdMicros: bigint;
  /** As written in the policy, for messages. */
  readonly aboveUsdText: string;
  readonly approvals: number;
}

export interface AssetLimits {
  /** Base units one withdrawal may move at most. */
  readonly perWithdrawal: bigint;
  /** Base units that may be signed within any 24 hours, this batch included. */
  readonly perRolling24h: bigint;
}

export interface DestinationLists {
  /** When present, only these destinations pass. */
  readonly allow: ReadonlySet<string> | undefined;
  readonly deny: ReadonlySet<string>;
}

export interface PriceTable {
  readonly asOf: Date;
  readonly maxAgeHours: number;
  /** USD per whole unit of the asset. */
  readonly prices: ReadonlyMap<AssetKey, Decimal>;
  /** The prices as written in the policy, for messages. */
  readonly priceTexts: ReadonlyMap<AssetKey, string>;
}

declare const parsedPolicy: unique symbol;

/** A policy document that passed `parsePolicy`. */
export interface Policy {
  readonly format: typeof POLICY_FORMAT;
  /** Only goes up (see update.ts). */
  readonly version: number;
  readonly effectiveFrom: Date;
  /** Default approvals M of N operators. */
  readonly approvals: { readonly default: number; readonly operators: number };
  /** Ascending by `aboveUsdMicros`. */
  readonly tiers: readonly Tier[];
  readonly newDestinationExtraApprovals: number;
  readonly priceTable: PriceTable;
  readonly limits: ReadonlyMap<AssetKey, AssetLimits>;
  /** Base units one batch may move at most, per asset. */
  readonly perBatchTotals: ReadonlyMap<AssetKey, bigint>;
  readonly chains: ReadonlySet<Chain>;
  /** Lower-case 0x contracts of the ERC-20 tokens (on ethereum) that may be moved. */
  readonly tokenAllowlist: ReadonlySet<string>;
  /** Chains without an entry have no allow list and an empty deny list. */
  readonly destinations: ReadonlyMap<Chain, DestinationLists>;
  /** Largest fee a withdrawal may pay, in base units of the chain's native asset. */
  readonly feeCaps: ReadonlyMap<Chain, bigint>;
  readonly maxBatchAgeMinutes: number;
  /** The received document, deep-frozen; `policyDigest` covers it. */
  readonly wire: JsonObject;
  readonly [parsedPolicy]: true;
}

/** The policy's key of an asset: `bitcoin/native`, `ethereum/0xa0b8...` (lower case). */
export function assetKeyOf(
  chain: Chain,
  asset: Pick<DecodedAsset, 'kind'> & { contract?: string },
): AssetKey {
  if (asset.kind === 'native') return `${chain}/native`;
  if (typeof asset.contract !== 'string') throw new TypeError('"asset.contract" expected a string');
  return `${chain}/${asset.contract.toLowerCase()}`;
}

/**
 * Canonical form of a destination for comparisons: Ethereum addresses in lower case (the adapter
 * shows them EIP-55 checksummed); Bitcoin addresses exactly as the adapter encodes them (bech32 in
 * lower case, base58check as is).
 */
export function destinationKey(chain: Chain, destination: string): string {
  return chain === 'ethereum' ? destination.toLowerCase() : destination;
}

/**
 * The member of `knownDestinations` that says a destination was paid before: `chain:destination`
 * with the destination as `destinationKey` gives it. The ledger records paid destinations in this form.
 */
export function knownDestinationKey(chain: Chain, destination: string): string {
  return `${chain}:${destinationKey(chain, destination)}`;
}
