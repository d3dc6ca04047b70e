/**
 * What the replay ledger takes and gives: the per-withdrawal records, the outcomes of `checkBatch` and
 * `recordSigned`, and the argument checks (TypeError/RangeError naming the argument: a malformed argument
 * is a programming error, never a refusal of received data).
 *
 * Invariants checked here, before SQLite sees anything: a batch digest is 64 lower-case hex digits; ids
 * follow the wire format's id rule (1 to 64 of A-Z a-z 0-9 . _ : -); every withdrawal has at least one
 * replay key (a withdrawal without one could be signed twice), each `<kind>:<printable ASCII>`.
 */
import type { Chain } from '../chains/adapter.js';
import { LIMITS } from '../format/limits.js';

/** What a withdrawal pays, as the adapter decoded it: the policy's rolling sums and known destinations. */
export interface LedgerPayment {
  /** The policy's asset key (`bitcoin/native`, `ethereum/0x…`). */
  readonly assetKey: string;
  /** Base units. */
  readonly amount: bigint;
  /** `chain:destination` as the policy's `knownDestinationKey` gives it. */
  readonly destinationKey: string;
}

/** One signed (or about to be signed) withdrawal as the ledger records it. */
export interface LedgerWithdrawal {
  readonly id: string;
  readonly chain: Chain;
  /** From the adapter's decoded view (DecodedWithdrawal.replayKeys). */
  readonly replayKeys: readonly string[];
  /** What it pays; recorded for the policy's history (absent: the withdrawal is not in the history). */
  readonly payment?: LedgerPayment;
}

/** What `checkBatch` needs of a withdrawal. */
export type CheckedWithdrawal = Pick<LedgerWithdrawal, 'id' | 'replayKeys'>;

/** A batch the ledger holds as signed. */
export interface SignedBatchRecord {
  readonly batchDigest: string;
  readonly batchId: string;
  /** ISO 8601 UTC time of the recording. */
  readonly signedAt: string;
  /** Withdrawal ids in batch order. */
  readonly withdrawalIds: readonly string[];
  /** The signed result exactly as it was first exported. */
  readonly resultBytes: Uint8Array;
}

/** One line of `ReplayLedger.batches()`: enough to reconcile with the audit log after a crash. */
export interface SignedBatchSummary {
  readonly batchDigest: string;
  readonly batchId: string;
  readonly signedAt: string;
  readonly withdrawalCount: number;
}

/** `checkBatch`: nothing in the batch was signed before, or this very batch was (export those bytes again). */
export type CheckOutcome =
  | { readonly alreadySigned: false }
  | {
      readonly alreadySigned: true;
      readonly resultBytes: Uint8Array;
      readonly batchId: string;
      readonly signedAt: string;
    };

/**
 * `recordSigned`: recorded now, or the same batch was recorded before (by another process, or before a
 * crash): then the earlier bytes are the result to export, never the new ones.
 */
export type RecordOutcome =
  | { readonly recorded: true; readonly signedAt: string }
  | {
      readonly recorded: false;
      readonly alreadySigned: true;
      readonly resultBytes: Uint8Array;
      readonly batchId: string;
      readonly signedAt: string;
    };

const DIGEST = /^[0-9a-f]{64}$/;
/** `<kind>:<rest>`: kind in lower-case words joined by '-', rest printable ASCII without spaces. */
const REPLAY_KEY = /^[a-z0-9]+(?:-[a-z0-9]+)*:[\x21-\x7e]+$/;
const MAX_REPLAY_KEY_CHARS = 256;
const CHAINS: readonly Chain[] = ['bitcoin', 'ethereum'];

export function checkDigest(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || !DIGEST.test(value)) {
    throw new TypeError(`"${name}" expected 64 lower-case hex digits, got ${describe(value)}`);
  }
}

export function checkId(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`"${name}" expected a string, got ${describe(value)}`);
  if (value.length === 0 || value.length > LIMITS.maxIdChars || !LIMITS.idPattern.test(value)) {
    throw new RangeError(
      `"${name}" expected 1 to ${LIMITS.maxIdChars} characters of A-Z a-z 0-9 . _ : -, got ${describe(value)}`,
    );
  }
}

export function checkWithdrawals(
  withdrawals: unknown,
  withChain: boolean,
): asserts withdrawals is readonly LedgerWithdrawal[] {
  if (!Array.isArray(withdrawals))
    throw new TypeError(`"withdrawals" expected an array, got ${describe(withdrawals)}`);
  if (withdrawals.length < LIMITS.minWithdrawals || withdrawals.length > LIMITS.maxWithdrawals) {
    throw new RangeError(
      `"withdrawals" expected ${LIMITS.minWithdrawals} to ${LIMITS.maxWithdrawals} withdrawals, got ${withdrawals.length}`,
    );
  }
  withdrawals.forEach((w: unknown, i) => {
    const at = `withdrawals[${i}]`;
    if (typeof w !== 'object' || w === null)
      throw new TypeError(`"${at}" expected an object, got ${describe(w)}`);
    const { id, chain, replayKeys } = w as Record<string, unknown>;
    checkId(`${at}.id`, id);
    if (withChain && !CHAINS.includes(chain as Chain)) {
      throw new TypeError(`"${at}.chain" expected ${CHAINS.join(' or ')}, got ${describe(chain)}`);
    }
    if (!Array.isArray(replayKeys)) {
      throw new TypeError(`"${at}.replayKeys" expected an array, got ${describe(replayKeys)}`);
    }
    if (replayKeys.length === 0) {
      throw new RangeError(
        `"${at}.replayKeys" expected at least one replay key: without one it could be signed twice`,
      );
    }
    const { payment } = w as { payment?: unknown };
    if (payment !== undefined) checkPayment(`${at}.payment`, payment);
    replayKeys.forEach((key: unknown, k) => {
      if (typeof key !== 'string' || key.length > MAX_REPLAY_KEY_CHARS || !REPLAY_KEY.test(key)) {
        throw new TypeError(
          `"${at}.replayKeys[${k}]" expected <kind>:<value> in printable ASCII, at most ${MAX_REPLAY_KEY_CHARS} characters, got ${describe(key)}`,
        );
      }
    });
  });
}

function checkPayment(at: string, payment: unknown): void {
  if (typeof payment !== 'object' || payment === null)
    throw new TypeError(`"${at}" expected an object, got ${describe(payment)}`);
  const { assetKey, amount, destinationKey } = payment as Record<string, unknown>;
  for (const [name, v] of [
    ['assetKey', assetKey],
    ['destinationKey', destinationKey],
  ] as const) {
    if (typeof v !== 'string' || v.length === 0 || v.length > 200)
      throw new TypeError(`"${at}.${name}" expected a non-empty string, got ${describe(v)}`);
  }
  if (typeof amount !== 'bigint' || amount < 0n || amount >= 10n ** 78n)
    throw new TypeError(`"${at}.amount" expected a non-negative bigint below 10^78, got ${describe(amount)}`);
}

export function checkResultBytes(value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array))
    throw new TypeError(`"resultBytes" expected a Uint8Array, got ${describe(value)}`);
  if (value.length === 0) throw new RangeError('"resultBytes" expected the signed result, got 0 bytes');
}

export function checkTime(name: string, value: unknown): asserts value is Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new TypeError(`"${name}" expected a valid Date, got ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string')
    return value.length > 80 ? `${JSON.stringify(value.slice(0, 80))}...` : JSON.stringify(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
