/**
 * The tamper-evident audit log (issue 4, item 7). Re-exports only. The online side imports
 * `export-format.js` (and what it needs of `entry.js`/`chain.js`) directly: those are pure and never load
 * SQLite.
 */
export { AuditLog, type RowQuery } from './audit-log.js';
export { type AuditProblem, type AuditVerifyResult, type VerifyOptions, walkChain } from './chain.js';
export {
  AUDIT_ACTIONS,
  type AuditAction,
  type AuditEntry,
  type AuditHead,
  type AuditRow,
  EMPTY_HEAD,
  ENTRY_DOMAIN,
  entryHash,
  GENESIS_HASH,
  isAuditAction,
  MAX_PAYLOAD_BYTES,
  type StoredRow,
} from './entry.js';
export { AuditError } from './errors.js';
export { type AuditExport, EXPORT_FORMAT, formatExport, verifyExport } from './export-format.js';
export { AUDIT_APPLICATION_ID } from './schema.js';
