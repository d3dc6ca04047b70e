/**
 * `LedgerError`: the replay ledger's file could not be opened, read or written (missing, of another kind,
 * too new, damaged, locked, disk full). Not a refusal: a batch that conflicts with what was signed before
 * is refused with `RefusalError` (DUPLICATE_SPEND, DUPLICATE_WITHDRAWAL_ID). When the ledger fails, nothing
 * may be signed: the appliance cannot know what it signed before.
 */
import { AirlockError } from '../errors.js';
import type { StorageErrorCode } from './sqlite-file.js';

export class LedgerError extends AirlockError {
  override readonly name = 'LedgerError';
  readonly code: StorageErrorCode;

  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The `fail` callback of sqlite-file.ts for the ledger. */
export const ledgerFail = (code: StorageErrorCode, message: string, cause?: unknown): LedgerError =>
  new LedgerError(code, `replay ledger: ${message}`, cause === undefined ? undefined : { cause });
