/**
 * Hard limits of the wire formats: one frozen table, so the numbers an operator reads in docs/formats.md,
 * in the JSON Schemas and in a refusal are the same numbers.
 *
 * Limits exist so that a hostile or broken file cannot make the appliance spend unbounded memory or time
 * before it refuses. Every one is checked with a `LIMIT_EXCEEDED` refusal that names the limit, the bound
 * and what was found. Going *below* a minimum (an empty batch, an empty id) is a shape error,
 * `SCHEMA_INVALID`, not a limit.
 */
import { refuse } from '../errors.js';

export const LIMITS = Object.freeze({
  /** Bytes of a batch file, checked before any decoding or JSON parsing. */
  maxBatchBytes: 32 * 1024 * 1024,
  /** Bytes of a result file. Signed transactions are larger than unsigned ones, hence twice the batch limit. */
  maxResultBytes: 64 * 1024 * 1024,
  /** Nesting of arrays and objects in any document; v1 needs 5 levels, the rest is room for `approvals`. */
  maxJsonDepth: 32,
  /** Withdrawals in one batch (and in one result). */
  minWithdrawals: 1,
  maxWithdrawals: 10_000,
  /** batchId, withdrawal id, keyLabel, coordinatorKeyId, applianceKeyId. */
  maxIdChars: 64,
  /** The characters an id may use; no spaces, no look-alike Unicode. */
  idPattern: /^[A-Za-z0-9._:-]+$/,
  /** A declared destination address. */
  maxDestinationChars: 128,
  /** A withdrawal's unsigned transaction (PSBT base64 or EIP-1559 hex). */
  maxRawTxChars: 200_000,
  /** A signed transaction in a result (raw hex or PSBT base64): room for signatures and witnesses. */
  maxSignedTxChars: 400_000,
  /** Decimal digits of an amount, fee cap or nonce: 78 digits hold any uint256. */
  maxAmountDigits: 78,
  /** Decimal digits of a manifest total: 78 digits plus 4 for the sum of up to 10,000 amounts. */
  maxTotalDigits: 82,
  /** Entries in a result's `approvals` array. */
  maxApprovals: 64,
  /** How far in the future of the appliance clock a batch's createdAt may be (clock skew). */
  maxClockSkewMs: 5 * 60 * 1000,
});

export type LimitName = keyof typeof LIMITS;

const plural = (n: number, unit: string): string => `${n.toLocaleString('en-US')} ${unit}`;

/**
 * Refuse when `found` is above the limit `name`: "<subject> <verb> <found> <unit>, above the limit <name>",
 * e.g. "withdrawals[3].rawTx has 250,000 characters, above the limit maxRawTxChars".
 */
export function checkMax(
  name: LimitName,
  found: number,
  subject: string,
  unit: string,
  details: { readonly field?: string | undefined; readonly withdrawalId?: string | undefined } = {},
  verb: 'is' | 'has' | 'holds' = 'is',
): void {
  const max = LIMITS[name];
  if (typeof max !== 'number') throw new TypeError(`limit "${name}" is not a number`);
  if (found <= max) return;
  refuse('LIMIT_EXCEEDED', `${subject} ${verb} ${plural(found, unit)}, above the limit ${name}`, {
    ...details,
    expected: `at most ${plural(max, unit)}`,
    found: plural(found, unit),
  });
}
