/**
 * `AuditError`: the audit log's file could not be opened, read or written (missing, of another kind, too
 * new, damaged, locked, disk full). A log that was tampered with is not an exception: `verify()` and
 * `verifyExport()` report it as a typed result naming the row.
 */
import { AirlockError } from '../errors.js';
import type { StorageErrorCode } from '../ledger/sqlite-file.js';

export class AuditError extends AirlockError {
  override readonly name = 'AuditError';
  readonly code: StorageErrorCode;

  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The `fail` callback of sqlite-file.ts for the audit log. */
export const auditFail = (code: StorageErrorCode, message: string, cause?: unknown): AuditError =>
  new AuditError(code, `audit log: ${message}`, cause === undefined ? undefined : { cause });
