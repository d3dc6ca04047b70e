/** The replay ledger (issue 4, item 6). Re-exports only. */
export { LedgerError } from './errors.js';
export { type LedgerBatch, ledgerBatchOf } from './from-inspected.js';
export { ReplayLedger } from './ledger.js';
export type {
  CheckedWithdrawal,
  CheckOutcome,
  LedgerWithdrawal,
  RecordOutcome,
  SignedBatchRecord,
  SignedBatchSummary,
} from './records.js';
export { LEDGER_APPLICATION_ID } from './schema.js';
export type { OpenOptions, StorageErrorCode } from './sqlite-file.js';
