/**
 * Model-based property test of the replay ledger (fast-check): random sequences of checkBatch and
 * recordSigned over a few batches that share withdrawal ids and replay keys, against a model of a few
 * lines. After every step the ledger's answer must be the model's: the same batch is already signed
 * with its first bytes; otherwise the first conflict in batch order is refused with its code and
 * withdrawal; otherwise it passes (and, for a record, is recorded). At the end the file is reopened and
 * holds exactly the model.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { recordApproved } from '../../test-support/ledger.js';
import { RefusalError } from '../errors.js';
import { ReplayLedger } from './ledger.js';
import type { LedgerWithdrawal } from './records.js';

interface Batch {
  readonly digest: string;
  readonly id: string;
  readonly withdrawals: readonly LedgerWithdrawal[];
  readonly result: Uint8Array;
}

const hex = (seed: string): string => bytesToHex(sha256(utf8ToBytes(seed)));

const withdrawalArb = fc.record({
  id: fc.constantFrom('w0', 'w1', 'w2', 'w3', 'w4', 'w5'),
  chain: fc.constant('bitcoin' as const),
  replayKeys: fc
    .uniqueArray(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 2 })
    .map((ks) => ks.map((k) => `btc-outpoint:${hex(`utxo ${k}`)}:${k % 2}`)),
});

const batchesArb = fc
  .array(fc.array(withdrawalArb, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 5 })
  .map((lists) =>
    lists.map(
      (withdrawals, i): Batch => ({
        digest: hex(`property batch ${i}`),
        id: `batch-${i}`,
        withdrawals,
        result: utf8ToBytes(`result of batch ${i}`),
      }),
    ),
  );

const opsArb = fc.array(fc.record({ batch: fc.nat(), record: fc.boolean() }), {
  minLength: 1,
  maxLength: 10,
});

type Expected =
  | { readonly kind: 'pass' }
  | { readonly kind: 'signed'; readonly result: Uint8Array }
  | { readonly kind: 'refused'; readonly code: string; readonly withdrawalId: string };

class Model {
  readonly signed = new Map<string, Batch>();
  readonly ids = new Set<string>();
  readonly keys = new Set<string>();

  expect(b: Batch): Expected {
    const earlier = this.signed.get(b.digest);
    if (earlier !== undefined) return { kind: 'signed', result: earlier.result };
    const ids = new Set<string>();
    const keys = new Set<string>();
    for (const w of b.withdrawals) {
      if (ids.has(w.id) || this.ids.has(w.id))
        return { kind: 'refused', code: 'DUPLICATE_WITHDRAWAL_ID', withdrawalId: w.id };
      ids.add(w.id);
      for (const k of w.replayKeys) {
        if (keys.has(k) || this.keys.has(k))
          return { kind: 'refused', code: 'DUPLICATE_SPEND', withdrawalId: w.id };
        keys.add(k);
      }
    }
    return { kind: 'pass' };
  }

  record(b: Batch): void {
    this.signed.set(b.digest, b);
    for (const w of b.withdrawals) {
      this.ids.add(w.id);
      for (const k of w.replayKeys) this.keys.add(k);
    }
  }
}

function outcome(
  fn: () => { alreadySigned?: boolean; recorded?: boolean; resultBytes?: Uint8Array },
): Expected {
  try {
    const r = fn();
    if (r.alreadySigned === true) return { kind: 'signed', result: r.resultBytes! };
    return { kind: 'pass' };
  } catch (err) {
    if (!(err instanceof RefusalError)) throw err;
    return { kind: 'refused', code: err.code, withdrawalId: err.withdrawalId! };
  }
}

test('checkBatch and recordSigned agree with a model of the ledger, across a reopen', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-ledger-prop-'));
  let run = 0;
  try {
    fc.assert(
      fc.property(batchesArb, opsArb, (batches, ops) => {
        const path = join(dir, `run-${run++}.sqlite`);
        const model = new Model();
        let ledger = ReplayLedger.open(path, { create: true });
        try {
          for (const op of ops) {
            const b = batches[op.batch % batches.length]!;
            const expected = model.expect(b);
            const got = op.record
              ? outcome(() => recordApproved(ledger, b.digest, b.id, b.withdrawals, b.result))
              : outcome(() => ledger.checkBatch(b.digest, b.withdrawals));
            assert.deepEqual(got, expected);
            if (op.record && expected.kind === 'pass') model.record(b);
          }
          ledger.close();
          ledger = ReplayLedger.open(path);
          const counts = ledger.counts();
          assert.equal(counts.batches, model.signed.size);
          assert.equal(counts.withdrawals, model.ids.size);
          assert.equal(counts.replayKeys, model.keys.size);
          for (const b of model.signed.values())
            assert.deepEqual(ledger.signedBatch(b.digest)?.resultBytes, b.result);
          assert.deepEqual(ledger.integrityCheck(), []);
        } finally {
          ledger.close();
        }
      }),
      { numRuns: 60 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
