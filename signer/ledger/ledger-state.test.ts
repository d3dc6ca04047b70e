/**
 * The ledger's schema version 2 on real SQLite files: the payment history the policy reads (rolling
 * 24-hour sums per asset, destinations paid before), the batch states (legal and illegal steps, the
 * signed state written with the signature), freezes and governance motions (carried out once).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import Database from 'better-sqlite3';
import { recordApproved } from '../../test-support/ledger.js';
import { RefusalError } from '../errors.js';
import { ReplayLedger } from './ledger.js';
import type { LedgerWithdrawal } from './records.js';

const hex = (seed: string): string => bytesToHex(sha256(utf8ToBytes(seed)));
const HOUR = 3_600_000;
const T0 = new Date('2026-11-20T12:00:00.000Z');
const at = (hours: number) => new Date(T0.getTime() + hours * HOUR);
const result = utf8ToBytes('{"signed":true}');

function open(t: TestContext): { ledger: ReplayLedger; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-ledger-state-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'ledger.sqlite');
  const ledger = ReplayLedger.open(path, { create: true });
  t.after(() => ledger.close());
  return { ledger, path };
}

const pay = (id: string, assetKey: string, amount: bigint, destination: string): LedgerWithdrawal => ({
  id,
  chain: assetKey.startsWith('bitcoin') ? 'bitcoin' : 'ethereum',
  replayKeys: [`test:${id}`],
  payment: { assetKey, amount, destinationKey: destination },
});

test('the rolling 24-hour sums count only what was signed in the 24 hours before now, per asset', (t) => {
  const { ledger } = open(t);
  recordApproved(
    ledger,
    hex('b1'),
    'b1',
    [pay('w1', 'bitcoin/native', 100n, 'bitcoin:bc1qa')],
    result,
    at(0),
  );
  recordApproved(
    ledger,
    hex('b2'),
    'b2',
    [
      pay('w2', 'bitcoin/native', 250n, 'bitcoin:bc1qb'),
      pay('w3', 'ethereum/native', 10n ** 30n, 'ethereum:0xabc'),
    ],
    result,
    at(10),
  );
  recordApproved(ledger, hex('b3'), 'b3', [pay('w4', 'bitcoin/native', 7n, 'bitcoin:bc1qa')], result, at(20));

  const h = ledger.policyHistory(at(23));
  assert.equal(h.signedInLast24h('bitcoin/native'), 357n);
  assert.equal(h.signedInLast24h('ethereum/native'), 10n ** 30n);
  assert.equal(h.signedInLast24h('ethereum/0xdac17f958d2ee523a2206206994597c13d831ec7'), 0n);
  // 24 h after the first batch it falls out of the window (the window is (now - 24 h, now]).
  assert.equal(ledger.policyHistory(at(24)).signedInLast24h('bitcoin/native'), 257n);
  assert.equal(ledger.policyHistory(at(34)).signedInLast24h('bitcoin/native'), 7n);
  // Nothing signed after `now` counts (a clock set back does not hide what was signed "later").
  assert.equal(ledger.policyHistory(at(5)).signedInLast24h('bitcoin/native'), 100n);
  assert.deepEqual([...h.knownDestinations].sort(), ['bitcoin:bc1qa', 'bitcoin:bc1qb', 'ethereum:0xabc']);
});

test('a withdrawal recorded without a payment stays out of the history; a bad payment is a TypeError', (t) => {
  const { ledger } = open(t);
  recordApproved(ledger, hex('b'), 'b', [{ id: 'w', chain: 'bitcoin', replayKeys: ['test:w'] }], result);
  assert.equal(ledger.policyHistory(new Date()).knownDestinations.size, 0);
  assert.throws(
    () =>
      recordApproved(
        ledger,
        hex('c'),
        'c',
        [
          {
            ...pay('w9', 'bitcoin/native', 1n, 'x'),
            payment: { assetKey: 'bitcoin/native', amount: -1n, destinationKey: 'x' },
          },
        ],
        result,
      ),
    /"withdrawals\[0\]\.payment\.amount" expected a non-negative bigint/,
  );
});

function illegal(step: string, state: string) {
  return (err: unknown) => {
    assert.ok(err instanceof RefusalError, String(err));
    assert.equal(err.code, 'ILLEGAL_BATCH_STEP');
    assert.equal(err.found, state);
    assert.match(err.message, new RegExp(step));
    return true;
  };
}

test('batch states: imported → reviewed → approved → signed → exported; illegal steps are refused', (t) => {
  const { ledger, path } = open(t);
  const d = hex('life');
  const w = [pay('w1', 'bitcoin/native', 1n, 'bitcoin:bc1qa')];
  assert.equal(ledger.batchState(d), undefined);
  assert.throws(
    () => ledger.recordSigned(d, 'life', w, result),
    illegal('only a batch whose quorum', 'unknown'),
  );
  assert.throws(() => ledger.stepBatch(d, 'life', 'approval'), illegal('reviewed', 'unknown'));
  assert.throws(() => ledger.stepBatch(d, 'life', 'export'), illegal('only a signed batch', 'unknown'));
  assert.equal(ledger.stepBatch(d, 'life', 'import'), 'imported');
  assert.throws(() => ledger.stepBatch(d, 'life', 'quorum'), illegal('reviewed', 'imported'));
  assert.equal(ledger.stepBatch(d, 'life', 'review'), 'reviewed');
  assert.equal(ledger.stepBatch(d, 'life', 'approval'), 'reviewed');
  assert.throws(() => ledger.recordSigned(d, 'life', w, result), illegal('quorum', 'reviewed'));
  assert.equal(ledger.stepBatch(d, 'life', 'quorum'), 'approved');
  assert.equal(ledger.stepBatch(d, 'life', 'review'), 'approved', 'looking again never moves a batch back');
  assert.equal(ledger.recordSigned(d, 'life', w, result).recorded, true);
  assert.equal(ledger.batchState(d), 'signed');
  assert.throws(() => ledger.stepBatch(d, 'life', 'approval'), illegal('approvals die', 'signed'));
  assert.throws(() => ledger.stepBatch(d, 'life', 'quorum'), illegal('signed already', 'signed'));
  assert.equal(ledger.stepBatch(d, 'life', 'export'), 'exported');
  assert.equal(ledger.stepBatch(d, 'life', 'export'), 'exported');
  // The same batch recorded again changes nothing and stays exported.
  assert.equal(ledger.recordSigned(d, 'life', w, result).recorded, false);
  ledger.close();

  // Persisted: one row per change, plus each export; and append-only.
  const raw = new Database(path);
  t.after(() => raw.close());
  assert.deepEqual(
    raw.prepare('SELECT state FROM batch_events WHERE batch_digest = ? ORDER BY seq').pluck().all(d),
    ['imported', 'reviewed', 'approved', 'signed', 'exported', 'exported'],
  );
  assert.throws(() => raw.prepare("UPDATE batch_events SET state = 'approved'").run(), /append-only/);
  assert.throws(() => raw.prepare('DELETE FROM payments').run(), /append-only/);
  assert.deepEqual(ReplayLedger.open(path).integrityCheck(), []);
});

test('a refused signature leaves the batch approved and records no payment', (t) => {
  const { ledger } = open(t);
  recordApproved(ledger, hex('first'), 'first', [pay('w1', 'bitcoin/native', 5n, 'bitcoin:bc1qa')], result);
  const d = hex('second');
  assert.throws(
    () => recordApproved(ledger, d, 'second', [pay('w1', 'bitcoin/native', 5n, 'bitcoin:bc1qz')], result),
    (err: unknown) => err instanceof RefusalError && err.code === 'DUPLICATE_WITHDRAWAL_ID',
  );
  assert.equal(ledger.batchState(d), 'approved');
  assert.deepEqual([...ledger.policyHistory(new Date()).knownDestinations], ['bitcoin:bc1qa']);
});

test('freeze and unfreeze are recorded with their motion; a motion is carried out once, all or nothing', (t) => {
  const { ledger, path } = open(t);
  assert.equal(ledger.freezeState().frozen, false);
  const freeze = {
    digest: hex('freeze 1'),
    kind: 'freeze',
    operators: ['carol'],
    freeze: { frozen: true, reason: 'drill' },
  };
  ledger.applyMotion(freeze, at(1));
  assert.deepEqual(ledger.freezeState(), {
    frozen: true,
    since: at(1).toISOString(),
    operators: ['carol'],
    reason: 'drill',
    motionDigest: freeze.digest,
  });
  assert.deepEqual(ledger.motionApplied(freeze.digest), { kind: 'freeze', appliedAt: at(1).toISOString() });
  assert.throws(
    () => ledger.applyMotion(freeze, at(2)),
    (err: unknown) => err instanceof RefusalError && err.code === 'MOTION_REPLAYED',
  );

  // A motion whose action fails leaves nothing behind: not applied, state unchanged.
  const unfreeze = {
    digest: hex('unfreeze 1'),
    kind: 'unfreeze',
    operators: ['alice', 'bob'],
    freeze: { frozen: false, reason: '' },
  };
  assert.throws(
    () =>
      ledger.applyMotion(unfreeze, at(3), () => {
        throw new Error('registry write failed');
      }),
    /registry write failed/,
  );
  assert.equal(ledger.motionApplied(unfreeze.digest), undefined);
  assert.equal(ledger.freezeState().frozen, true);

  ledger.applyMotion(unfreeze, at(4));
  ledger.close();
  const again = ReplayLedger.open(path);
  t.after(() => again.close());
  assert.equal(again.freezeState().frozen, false);
  assert.deepEqual(again.freezeState().operators, ['alice', 'bob']);
  assert.throws(() => again.applyMotion({ ...unfreeze, digest: 'nothex' }), TypeError);
  assert.throws(() => again.applyMotion({ ...unfreeze, digest: hex('x'), operators: [] }), TypeError);
});
