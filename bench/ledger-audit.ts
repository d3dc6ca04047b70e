/**
 * Benchmark: the audit log and the replay ledger on disk, WAL with synchronous=FULL (every commit
 * fsynced), in a temporary directory removed afterwards.
 * - audit appends/s: `entries` entries appended `perTransaction` at a time into a fresh log (median of
 *   `rounds` logs); and the rate at which verify() walks the resulting chain;
 * - ledger look-ups/s: `checkBatch` of fresh (non-conflicting) batches of 100 withdrawals with 2 replay
 *   keys each, against a ledger holding `replayKeys` replay keys; counted per replay key looked up and per
 *   batch; plus the recording rate while the ledger was filled.
 * Target (issue 4, item 11): at least 5,000 audit appends/s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { AuditLog } from '../signer/audit/audit-log.js';
import type { AuditEntry } from '../signer/audit/entry.js';
import { ReplayLedger } from '../signer/ledger/ledger.js';
import type { LedgerWithdrawal } from '../signer/ledger/records.js';
import { recordApproved } from '../test-support/ledger.js';
import { type BenchResult, median } from './report.js';

const TARGET_APPENDS_PER_SECOND = 5_000;
const FILL_WITHDRAWALS_PER_BATCH = 500;
const CHECK_WITHDRAWALS_PER_BATCH = 100;
const KEYS_PER_WITHDRAWAL = 2;

const hex = (seed: string): string => bytesToHex(sha256(utf8ToBytes(seed)));

function auditEntry(i: number): AuditEntry {
  return {
    actor: i % 3 === 0 ? 'appliance' : `operator:op-${i % 5}`,
    action: (['import', 'review', 'approval', 'approval', 'sign', 'export'] as const)[i % 6]!,
    payload: {
      batchId: `bench-${Math.floor(i / 6)}`,
      digest: hex(`digest ${i >> 4}`),
      withdrawals: 100,
      seq: i,
    },
  };
}

function withdrawals(prefix: string, count: number): LedgerWithdrawal[] {
  return Array.from({ length: count }, (_, j) => ({
    id: `${prefix}-${j}`,
    chain: j % 2 ? 'ethereum' : 'bitcoin',
    replayKeys: Array.from({ length: KEYS_PER_WITHDRAWAL }, (_, k) =>
      j % 2
        ? k === 0
          ? `eth-nonce:1:0x${hex(prefix).slice(0, 40)}:${j}`
          : `eth-tx:0x${hex(`${prefix} tx ${j}`)}`
        : `btc-outpoint:${hex(`${prefix} utxo ${j}`)}:${k}`,
    ),
  }));
}

export async function benchLedgerAudit(
  entries = 20_000,
  perTransaction = 100,
  replayKeys = 100_000,
  rounds = 3,
): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-ledger-audit-'));
  try {
    // --- audit appends --------------------------------------------------------------------------
    const all = Array.from({ length: entries }, (_, i) => auditEntry(i));
    const appendRates: number[] = [];
    const verifyRates: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const log = AuditLog.open(join(dir, `audit-${r}.sqlite`), { create: true });
      try {
        const t0 = performance.now();
        for (let i = 0; i < entries; i += perTransaction) log.append(all.slice(i, i + perTransaction));
        appendRates.push((entries / (performance.now() - t0)) * 1000);
        const t1 = performance.now();
        const verdict = log.verify();
        verifyRates.push((entries / (performance.now() - t1)) * 1000);
        if (!verdict.ok || verdict.rows !== entries)
          throw new Error(`audit log did not verify: ${JSON.stringify(verdict)}`);
      } finally {
        log.close();
      }
    }

    // --- ledger: fill, then look up -------------------------------------------------------------
    const ledger = ReplayLedger.open(join(dir, 'ledger.sqlite'), { create: true });
    try {
      const fillBatches = Math.ceil(replayKeys / (FILL_WITHDRAWALS_PER_BATCH * KEYS_PER_WITHDRAWAL));
      const result = utf8ToBytes(JSON.stringify({ signed: 'x'.repeat(20_000) }));
      const tFill = performance.now();
      for (let b = 0; b < fillBatches; b++) {
        const ws = withdrawals(`fill${b}`, FILL_WITHDRAWALS_PER_BATCH);
        const outcome = recordApproved(ledger, hex(`fill batch ${b}`), `fill-${b}`, ws, result);
        if (!outcome.recorded) throw new Error(`fill batch ${b} was not recorded`);
      }
      const recordRate = ((fillBatches * FILL_WITHDRAWALS_PER_BATCH) / (performance.now() - tFill)) * 1000;
      const held = ledger.counts().replayKeys;

      const checks = 200;
      const probes = Array.from({ length: checks }, (_, c) => ({
        digest: hex(`probe ${c}`),
        withdrawals: withdrawals(`probe${c}`, CHECK_WITHDRAWALS_PER_BATCH),
      }));
      for (const p of probes.slice(0, 20)) ledger.checkBatch(p.digest, p.withdrawals); // warm-up
      const keyRates: number[] = [];
      const batchRates: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const t0 = performance.now();
        for (const p of probes) {
          if (ledger.checkBatch(p.digest, p.withdrawals).alreadySigned)
            throw new Error('probe already signed');
        }
        const seconds = (performance.now() - t0) / 1000;
        keyRates.push((checks * CHECK_WITHDRAWALS_PER_BATCH * KEYS_PER_WITHDRAWAL) / seconds);
        batchRates.push(checks / seconds);
      }

      const appendRate = median(appendRates);
      return {
        name: 'ledger-audit',
        command: 'npm run bench -- ledger-audit',
        params: {
          auditEntries: entries,
          auditEntriesPerTransaction: perTransaction,
          ledgerReplayKeysHeld: held,
          checkBatchWithdrawals: CHECK_WITHDRAWALS_PER_BATCH,
          replayKeysPerWithdrawal: KEYS_PER_WITHDRAWAL,
          rounds,
          journal: 'WAL, synchronous=FULL',
          directory: tmpdir(),
        },
        figures: {
          auditAppendsPerSecond: Math.round(appendRate),
          auditVerifyRowsPerSecond: Math.round(median(verifyRates)),
          ledgerKeyLookupsPerSecond: Math.round(median(keyRates)),
          ledgerCheckBatchesPerSecond: Math.round(median(batchRates)),
          ledgerRecordWithdrawalsPerSecond: Math.round(recordRate),
        },
        target: {
          description: `audit appends >= ${TARGET_APPENDS_PER_SECOND.toLocaleString('en-US')}/s with synchronous=FULL, ${perTransaction} per transaction`,
          met: appendRate >= TARGET_APPENDS_PER_SECOND,
        },
        rounds: {
          auditAppends: appendRates.map(Math.round),
          auditVerify: verifyRates.map(Math.round),
          ledgerKeyLookups: keyRates.map(Math.round),
        },
      };
    } finally {
      ledger.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
