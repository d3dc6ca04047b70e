/**
 * Typed refusals of the signing core.
 *
 * Every refusal names the withdrawal, the field, what was expected and what was found, in words an
 * operator understands, and carries a stable machine `code` for logs, tests and the `--json` report.
 * Codes are part of the public contract (docs/formats.md lists them): never rename one.
 */

/** Stable refusal codes. Grouped by the layer that raises them. */
export const REFUSAL_CODES = [
  // wire format and limits
  'MALFORMED_JSON',
  'SCHEMA_INVALID',
  'UNSUPPORTED_VERSION',
  'LIMIT_EXCEEDED',
  'DUPLICATE_WITHDRAWAL_ID',
  /** Two withdrawals of one batch spend the same outpoint or use the same account nonce. */
  'DUPLICATE_SPEND',
  /** The batch is for another network than the appliance's. */
  'WRONG_NETWORK',
  'MANIFEST_MISMATCH',
  // authenticity and freshness
  'UNKNOWN_COORDINATOR',
  'BATCH_SIGNATURE_INVALID',
  'BATCH_EXPIRED',
  'BATCH_NOT_YET_VALID',
  'RESULT_SIGNATURE_INVALID',
  // decoding
  'MALFORMED_TX',
  'UNSUPPORTED_CHAIN',
  'UNSUPPORTED_TX_TYPE',
  // intent cross-check (bytes against words)
  'MISMATCH_DESTINATION',
  'MISMATCH_AMOUNT',
  'MISMATCH_ASSET',
  'MISMATCH_CHAIN',
  'MISMATCH_NONCE',
  'WRONG_CHAIN_ID',
  'FEE_ABOVE_CAP',
  'GAS_LIMIT_ABOVE_CAP',
  'MAX_FEE_ABOVE_CAP',
  // ownership and shape (deny by default)
  'UNKNOWN_KEY',
  'FOREIGN_INPUT',
  'MISSING_WITNESS_UTXO',
  'UNSUPPORTED_INPUT_TYPE',
  'UNOWNED_CHANGE',
  'UNEXPECTED_OUTPUT',
  'SIGHASH_NOT_ALL',
  'CALLDATA_REFUSED',
  'TOKEN_NOT_ALLOWLISTED',
  'VALUE_WITH_TOKEN_TRANSFER',
  // signing
  'HSM_MECHANISM_UNAVAILABLE',
  'SIGNATURE_VERIFY_FAILED',
  // the batch's life on the appliance (signer/batch-state.ts)
  'ILLEGAL_BATCH_STEP',
  // governance (signer/governance): a motion carried out before is never carried out again
  'MOTION_REPLAYED',
] as const;

export type RefusalCode = (typeof REFUSAL_CODES)[number];

export interface RefusalDetails {
  readonly withdrawalId?: string;
  readonly field?: string;
  readonly expected?: string;
  readonly found?: string;
}

/** Base of every error Airlock raises on purpose. */
export class AirlockError extends Error {
  override readonly name: string = 'AirlockError';
}

/**
 * A batch, withdrawal or result was refused. The whole batch is refused with it: nothing of it is
 * signed, written or exported.
 */
export class RefusalError extends AirlockError {
  override readonly name = 'RefusalError';
  readonly code: RefusalCode;
  readonly withdrawalId: string | undefined;
  readonly field: string | undefined;
  readonly expected: string | undefined;
  readonly found: string | undefined;

  constructor(code: RefusalCode, message: string, details: RefusalDetails = {}) {
    super(message);
    this.code = code;
    this.withdrawalId = details.withdrawalId;
    this.field = details.field;
    this.expected = details.expected;
    this.found = details.found;
  }

  /** The `error` member of the `inspect --json` report. */
  toJSON(): {
    code: RefusalCode;
    withdrawalId?: string;
    field?: string;
    expected?: string;
    found?: string;
    message: string;
  } {
    return {
      code: this.code,
      ...(this.withdrawalId === undefined ? {} : { withdrawalId: this.withdrawalId }),
      ...(this.field === undefined ? {} : { field: this.field }),
      ...(this.expected === undefined ? {} : { expected: this.expected }),
      ...(this.found === undefined ? {} : { found: this.found }),
      message: this.message,
    };
  }
}

/** Refuse with a message built from the details: "withdrawal w1: destination is X, the batch declares Y". */
export function refuse(code: RefusalCode, what: string, details: RefusalDetails = {}): never {
  const where = details.withdrawalId === undefined ? '' : `withdrawal ${details.withdrawalId}: `;
  const numbers =
    details.expected !== undefined || details.found !== undefined
      ? ` (expected ${details.expected ?? '-'}, found ${details.found ?? '-'})`
      : '';
  throw new RefusalError(code, `${where}${what}${numbers}`, details);
}

/** For exhaustive switches over unions: a missing case fails to compile. */
export function missingCaseError(x: never): Error {
  return new TypeError(`unhandled case: ${String(x)}`);
}
