/**
 * The ledger's view of an inspected batch: its digest in hex, its id and, per withdrawal, the id, chain
 * and the replay keys the chain adapter decoded from the bytes (never the declared fields).
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import type { InspectedBatch } from '../inspect.js';
import { assetKeyOf, knownDestinationKey } from '../policy/document.js';
import type { LedgerWithdrawal } from './records.js';

export interface LedgerBatch {
  readonly batchDigest: string;
  readonly batchId: string;
  readonly withdrawals: readonly LedgerWithdrawal[];
}

export function ledgerBatchOf(inspected: InspectedBatch): LedgerBatch {
  return {
    batchDigest: bytesToHex(inspected.batch.digest),
    batchId: inspected.batch.batchId,
    withdrawals: inspected.withdrawals.map((w) => ({
      id: w.declared.id,
      chain: w.decoded.view.chain,
      replayKeys: w.decoded.view.replayKeys,
      payment: {
        assetKey: assetKeyOf(w.decoded.view.chain, w.decoded.view.asset),
        amount: w.decoded.view.amount,
        destinationKey: knownDestinationKey(w.decoded.view.chain, w.decoded.view.destination),
      },
    })),
  };
}
