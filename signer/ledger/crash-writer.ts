/**
 * Test fixture of ledger-crash.test.ts, run as a child process: records batches into a replay ledger, one
 * transaction each, until it is killed. It resumes after the batches already in the file, so it can be
 * killed and restarted any number of times. It prints `record <i>` before the transaction of batch i and
 * `<i>` once it committed (stdout to a pipe is synchronous on Linux: a printed index is a committed batch).
 *
 * Usage: node crash-writer.js <ledger file> <withdrawals per batch>
 *
 * `crashBatch(i, n)` is the one deterministic batch i, shared with the test that checks the file.
 */

import { fileURLToPath } from 'node:url';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { recordApproved } from '../../test-support/ledger.js';
import { ReplayLedger } from './ledger.js';
import type { LedgerWithdrawal } from './records.js';

export interface CrashBatch {
  readonly digest: string;
  readonly id: string;
  readonly withdrawals: readonly LedgerWithdrawal[];
  readonly result: Uint8Array;
}

const hex = (seed: string): string => bytesToHex(sha256(utf8ToBytes(seed)));

export function crashBatch(index: number, withdrawalsPerBatch: number): CrashBatch {
  return {
    digest: hex(`crash batch ${index}`),
    id: `crash-${index}`,
    withdrawals: Array.from({ length: withdrawalsPerBatch }, (_, j) => ({
      id: `c${index}-${j}`,
      chain: 'bitcoin' as const,
      replayKeys: [
        `btc-outpoint:${hex(`crash ${index} ${j}`)}:0`,
        `btc-outpoint:${hex(`crash ${index} ${j}`)}:1`,
      ],
    })),
    result: utf8ToBytes(`{"batch":${index},"signed":"${hex(`result ${index}`).repeat(64)}"}`),
  };
}

function main(path: string, withdrawalsPerBatch: number): void {
  const ledger = ReplayLedger.open(path);
  for (let i = ledger.batches().length; i < 1_000_000; i++) {
    const b = crashBatch(i, withdrawalsPerBatch);
    const check = ledger.checkBatch(b.digest, b.withdrawals);
    if (check.alreadySigned) throw new Error(`batch ${i} is already in the ledger`);
    process.stdout.write(`record ${i}\n`);
    recordApproved(ledger, b.digest, b.id, b.withdrawals, b.result);
    process.stdout.write(`${i}\n`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv[2]!, Number(process.argv[3]));
}
