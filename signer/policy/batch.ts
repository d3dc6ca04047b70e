/**
 * What the policy engine reads of a batch: its id, when it was created, and each withdrawal as the
 * chain adapter decoded it from the bytes (never the batch's declared words), and where it comes from
 * on the appliance: an `InspectedBatch` (signer/inspect.ts).
 */
import type { DecodedWithdrawal } from '../chains/adapter.js';
import type { InspectedBatch } from '../inspect.js';

/** The parts of a decoded withdrawal the policy rules look at. A `DecodedWithdrawal` is one. */
export type PolicyWithdrawal = Pick<
  DecodedWithdrawal,
  'withdrawalId' | 'chain' | 'asset' | 'destination' | 'amount' | 'fee'
>;

export interface PolicyBatch {
  readonly batchId: string;
  readonly createdAt: Date;
  readonly withdrawals: readonly PolicyWithdrawal[];
}

/** The policy's view of an inspected batch: the decoded withdrawals, in batch order. */
export function policyBatchOf(inspected: InspectedBatch): PolicyBatch {
  return {
    batchId: inspected.batch.batchId,
    createdAt: inspected.batch.createdAt,
    withdrawals: inspected.withdrawals.map((w) => w.decoded.view),
  };
}
