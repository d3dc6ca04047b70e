/**
 * Tests and benchmarks of the replay ledger record batches that no quorum approved: this takes such a
 * batch through the legal steps first (reviewed, approved), as `airlock inspect` and the quorum do on
 * the appliance, then records it. A batch already approved or signed is left as it is.
 */
import type { ReplayLedger } from '../signer/ledger/ledger.js';
import type { LedgerWithdrawal, RecordOutcome } from '../signer/ledger/records.js';

export function recordApproved(
  ledger: ReplayLedger,
  batchDigest: string,
  batchId: string,
  withdrawals: readonly LedgerWithdrawal[],
  resultBytes: Uint8Array,
  at?: Date,
): RecordOutcome {
  const state = ledger.batchState(batchDigest);
  if (state === undefined || state === 'imported' || state === 'reviewed') {
    ledger.stepBatch(batchDigest, batchId, 'review', at);
    ledger.stepBatch(batchDigest, batchId, 'quorum', at);
  }
  return ledger.recordSigned(batchDigest, batchId, withdrawals, resultBytes, at);
}
