/**
 * The replay ledger on real SQLite files: refusals across batches (DUPLICATE_SPEND naming the
 * withdrawal, the key and the earlier batch; DUPLICATE_WITHDRAWAL_ID), the same batch returning the same
 * bytes, restarts, all-or-nothing records, two handles racing on one file, the schema's own guarantees
 * (PRIMARY KEYs, foreign keys, append-only triggers), and opening the wrong file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import Database from 'better-sqlite3';
import { recordApproved } from '../../test-support/ledger.js';
import { AuditLog } from '../audit/audit-log.js';
import { RefusalError } from '../errors.js';
import { LedgerError } from './errors.js';
import { ReplayLedger } from './ledger.js';
import type { LedgerWithdrawal } from './records.js';
import { LEDGER_APPLICATION_ID } from './schema.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-ledger-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function openNew(t: TestContext): { ledger: ReplayLedger; path: string } {
  const path = join(tempDir(t), 'ledger.sqlite');
  const ledger = ReplayLedger.open(path, { create: true });
  t.after(() => ledger.close());
  return { ledger, path };
}

const hex = (seed: string): string => bytesToHex(sha256(utf8ToBytes(seed)));
const outpoint = (seed: string, vout = 0): string => `btc-outpoint:${hex(`tx ${seed}`)}:${vout}`;
const FROM = '0x9858effd232b4033e47d90003d41ec34ecaeda94';
const btc = (id: string, ...keys: string[]): LedgerWithdrawal => ({ id, chain: 'bitcoin', replayKeys: keys });
const eth = (id: string, nonce: number, tx = `${id}/${nonce}`): LedgerWithdrawal => ({
  id,
  chain: 'ethereum',
  replayKeys: [`eth-nonce:1:${FROM}:${nonce}`, `eth-tx:0x${hex(tx)}`],
});
const resultOf = (seed: string): Uint8Array =>
  utf8ToBytes(JSON.stringify({ result: seed, pad: 'x'.repeat(300) }));

const BATCH_A = {
  digest: hex('batch A'),
  id: 'batch-A',
  withdrawals: [btc('wd-1', outpoint('a1'), outpoint('a1', 1)), eth('wd-2', 7), btc('wd-3', outpoint('a3'))],
  result: resultOf('A'),
};

function recordA(ledger: ReplayLedger): void {
  assert.deepEqual(ledger.checkBatch(BATCH_A.digest, BATCH_A.withdrawals), { alreadySigned: false });
  const outcome = recordApproved(ledger, BATCH_A.digest, BATCH_A.id, BATCH_A.withdrawals, BATCH_A.result);
  assert.equal(outcome.recorded, true);
}

function refusal(code: string, withdrawalId: string, field: string, ...inMessage: string[]) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof RefusalError, `expected a RefusalError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.withdrawalId, withdrawalId);
    assert.equal(err.field, field);
    for (const text of inMessage)
      assert.ok(err.message.includes(text), `message names ${text}: ${err.message}`);
    return true;
  };
}

test('a new batch passes, is recorded, and the same batch then returns the same result bytes', (t) => {
  const { ledger } = openNew(t);
  recordA(ledger);
  const again = ledger.checkBatch(BATCH_A.digest, BATCH_A.withdrawals);
  assert.equal(again.alreadySigned, true);
  assert.ok(again.alreadySigned);
  assert.deepEqual(again.resultBytes, BATCH_A.result);
  assert.equal(again.batchId, BATCH_A.id);
  assert.deepEqual(ledger.counts(), { batches: 1, withdrawals: 3, replayKeys: 5 });
  assert.deepEqual(ledger.signedBatch(BATCH_A.digest)?.withdrawalIds, ['wd-1', 'wd-2', 'wd-3']);
  assert.deepEqual(ledger.integrityCheck(), []);
});

test('an outpoint signed before is refused in another batch: DUPLICATE_SPEND names withdrawal, key and batch', (t) => {
  const { ledger } = openNew(t);
  recordA(ledger);
  const reused = outpoint('a1', 1);
  assert.throws(
    () =>
      ledger.checkBatch(hex('batch B'), [btc('wd-10', outpoint('b1')), btc('wd-11', outpoint('b2'), reused)]),
    refusal('DUPLICATE_SPEND', 'wd-11', 'replayKeys', 'wd-11', reused, 'batch-A', 'wd-1'),
  );
});

test('an Ethereum (chain, account, nonce) signed before is refused even in a different transaction', (t) => {
  const { ledger } = openNew(t);
  recordA(ledger);
  const sameNonceOtherTx = eth('wd-20', 7, 'a different payload at nonce 7');
  assert.throws(
    () => ledger.checkBatch(hex('batch C'), [sameNonceOtherTx]),
    refusal('DUPLICATE_SPEND', 'wd-20', 'replayKeys', `eth-nonce:1:${FROM}:7`, 'batch-A', 'wd-2'),
  );
  // The next nonce of the same account is fine.
  assert.deepEqual(ledger.checkBatch(hex('batch C'), [eth('wd-20', 8)]), { alreadySigned: false });
});

test('a withdrawal id signed before is refused in another batch: DUPLICATE_WITHDRAWAL_ID', (t) => {
  const { ledger } = openNew(t);
  recordA(ledger);
  assert.throws(
    () => ledger.checkBatch(hex('batch D'), [btc('wd-3', outpoint('fresh'))]),
    refusal('DUPLICATE_WITHDRAWAL_ID', 'wd-3', 'id', 'wd-3', 'batch-A'),
  );
});

test('duplicates inside one batch are refused too', (t) => {
  const { ledger } = openNew(t);
  assert.throws(
    () => ledger.checkBatch(hex('dup key'), [btc('wd-1', outpoint('x')), btc('wd-2', outpoint('x'))]),
    refusal('DUPLICATE_SPEND', 'wd-2', 'replayKeys', 'wd-1', 'wd-2', outpoint('x')),
  );
  assert.throws(
    () => ledger.checkBatch(hex('dup id'), [btc('wd-1', outpoint('x')), btc('wd-1', outpoint('y'))]),
    refusal('DUPLICATE_WITHDRAWAL_ID', 'wd-1', 'id'),
  );
});

test('refusals and results survive a restart (the file is reopened)', (t) => {
  const { ledger, path } = openNew(t);
  recordA(ledger);
  ledger.close();
  const reopened = ReplayLedger.open(path);
  t.after(() => reopened.close());
  const check = reopened.checkBatch(BATCH_A.digest, BATCH_A.withdrawals);
  assert.ok(check.alreadySigned);
  assert.deepEqual(check.resultBytes, BATCH_A.result);
  assert.throws(
    () => reopened.checkBatch(hex('after restart'), [btc('wd-99', outpoint('a3'))]),
    refusal('DUPLICATE_SPEND', 'wd-99', 'replayKeys', outpoint('a3'), 'batch-A'),
  );
});

test('recordSigned is all or nothing: a conflict in the last withdrawal leaves no row of the batch', (t) => {
  const { ledger } = openNew(t);
  recordA(ledger);
  const before = ledger.counts();
  const batch = [btc('wd-30', outpoint('c1')), btc('wd-31', outpoint('c2')), btc('wd-32', outpoint('a3'))];
  assert.throws(
    () => recordApproved(ledger, hex('batch E'), 'batch-E', batch, resultOf('E')),
    refusal('DUPLICATE_SPEND', 'wd-32', 'replayKeys'),
  );
  assert.deepEqual(ledger.counts(), before);
  assert.equal(ledger.signedBatch(hex('batch E')), undefined);
  // Its first withdrawals were not recorded: another batch may still use them.
  assert.equal(
    recordApproved(ledger, hex('batch F'), 'batch-F', batch.slice(0, 2), resultOf('F')).recorded,
    true,
  );
});

test('recording the same batch again records nothing and returns the bytes recorded first', (t) => {
  const { ledger } = openNew(t);
  recordA(ledger);
  const outcome = recordApproved(
    ledger,
    BATCH_A.digest,
    BATCH_A.id,
    BATCH_A.withdrawals,
    resultOf('signed again'),
  );
  assert.equal(outcome.recorded, false);
  assert.ok(!outcome.recorded);
  assert.deepEqual(outcome.resultBytes, BATCH_A.result);
  assert.deepEqual(ledger.counts(), { batches: 1, withdrawals: 3, replayKeys: 5 });
});

test('two handles on one file (two processes): both check, the second record is refused', (t) => {
  const { ledger: first, path } = openNew(t);
  const second = ReplayLedger.open(path);
  t.after(() => second.close());
  const one = [btc('wd-40', outpoint('shared'))];
  const two = [btc('wd-41', outpoint('other')), btc('wd-42', outpoint('shared'))];
  assert.deepEqual(first.checkBatch(hex('one'), one), { alreadySigned: false });
  assert.deepEqual(second.checkBatch(hex('two'), two), { alreadySigned: false });
  assert.equal(recordApproved(first, hex('one'), 'one', one, resultOf('1')).recorded, true);
  assert.throws(
    () => recordApproved(second, hex('two'), 'two', two, resultOf('2')),
    refusal('DUPLICATE_SPEND', 'wd-42', 'replayKeys', outpoint('shared'), 'one'),
  );
  assert.deepEqual(second.counts(), { batches: 1, withdrawals: 1, replayKeys: 1 });
});

test('the schema itself refuses a second replay key, a second withdrawal id and orphan rows', (t) => {
  const { ledger, path } = openNew(t);
  recordA(ledger);
  const raw = new Database(path);
  t.after(() => raw.close());
  raw.pragma('foreign_keys = ON');
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return (err as { code?: string }).code;
    }
    return 'no error';
  };
  assert.equal(
    code(() => raw.prepare('INSERT INTO replay_keys VALUES (?, ?)').run(outpoint('a1'), 'wd-3')),
    'SQLITE_CONSTRAINT_PRIMARYKEY',
  );
  assert.equal(
    code(() =>
      raw.prepare('INSERT INTO withdrawals VALUES (?, ?, 9, ?)').run('wd-1', BATCH_A.digest, 'bitcoin'),
    ),
    'SQLITE_CONSTRAINT_PRIMARYKEY',
  );
  assert.equal(
    code(() =>
      raw.prepare('INSERT INTO withdrawals VALUES (?, ?, 0, ?)').run('wd-x', hex('nowhere'), 'bitcoin'),
    ),
    'SQLITE_CONSTRAINT_FOREIGNKEY',
  );
  assert.equal(
    code(() => raw.prepare('INSERT INTO replay_keys VALUES (?, ?)').run(outpoint('new'), 'wd-nowhere')),
    'SQLITE_CONSTRAINT_FOREIGNKEY',
  );
});

test('every ledger table is append-only: UPDATE and DELETE are refused by triggers', (t) => {
  const { ledger, path } = openNew(t);
  recordA(ledger);
  const raw = new Database(path);
  t.after(() => raw.close());
  for (const sql of [
    'DELETE FROM replay_keys',
    "UPDATE replay_keys SET withdrawal_id = 'wd-1'",
    'DELETE FROM withdrawals',
    "UPDATE withdrawals SET chain = 'ethereum'",
    'DELETE FROM batches',
    "UPDATE batches SET batch_id = 'other'",
  ]) {
    assert.throws(() => raw.exec(sql), /append-only/, sql);
  }
  assert.deepEqual(ledger.counts(), { batches: 1, withdrawals: 3, replayKeys: 5 });
});

test('a stored result that no longer matches its SHA-256 is a LedgerError, never exported', (t) => {
  const { ledger, path } = openNew(t);
  recordA(ledger);
  const raw = new Database(path);
  raw.exec('DROP TRIGGER batches_no_update');
  raw.prepare('UPDATE batches SET result = ?').run(Buffer.from('forged result'));
  raw.close();
  assert.throws(
    () => ledger.checkBatch(BATCH_A.digest, BATCH_A.withdrawals),
    (err: unknown) => err instanceof LedgerError && err.code === 'CORRUPT' && /SHA-256/.test(err.message),
  );
  const problems = ledger.integrityCheck();
  assert.ok(problems.some((p) => /trigger batches_no_update is missing/.test(p)));
  assert.ok(problems.some((p) => /result of batch batch-A does not match/.test(p)));
});

test('the file is WAL, versioned by user_version and marked by application_id', (t) => {
  const { ledger, path } = openNew(t);
  ledger.close();
  const raw = new Database(path, { readonly: true });
  t.after(() => raw.close());
  assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(raw.pragma('user_version', { simple: true }), 2);
  assert.equal(raw.pragma('application_id', { simple: true }), LEDGER_APPLICATION_ID);
});

test('opening: a missing file without create, a foreign file, an audit log, a newer schema are LedgerErrors', (t) => {
  const dir = tempDir(t);
  const code = (fn: () => unknown): string => {
    try {
      const opened = fn() as { close(): void };
      opened.close();
      return 'opened';
    } catch (err) {
      assert.ok(err instanceof LedgerError, `expected a LedgerError, got ${String(err)}`);
      return err.code;
    }
  };
  assert.equal(
    code(() => ReplayLedger.open(join(dir, 'missing.sqlite'))),
    'NOT_FOUND',
  );

  writeFileSync(join(dir, 'text.sqlite'), 'this is not a database, just text that is long enough'.repeat(20));
  assert.equal(
    code(() => ReplayLedger.open(join(dir, 'text.sqlite'))),
    'WRONG_FILE',
  );

  const other = new Database(join(dir, 'other.sqlite'));
  other.exec('CREATE TABLE t (x INTEGER)');
  other.close();
  assert.equal(
    code(() => ReplayLedger.open(join(dir, 'other.sqlite'))),
    'WRONG_FILE',
  );

  AuditLog.open(join(dir, 'audit.sqlite'), { create: true }).close();
  assert.equal(
    code(() => ReplayLedger.open(join(dir, 'audit.sqlite'))),
    'WRONG_FILE',
  );

  ReplayLedger.open(join(dir, 'newer.sqlite'), { create: true }).close();
  const newer = new Database(join(dir, 'newer.sqlite'));
  newer.pragma('user_version = 3');
  newer.close();
  assert.equal(
    code(() => ReplayLedger.open(join(dir, 'newer.sqlite'))),
    'SCHEMA_TOO_NEW',
  );

  assert.throws(() => ReplayLedger.open(':memory:', { create: true }), TypeError);
});

test('malformed arguments are programming errors that name the argument', (t) => {
  const { ledger } = openNew(t);
  assert.throws(
    () => ledger.checkBatch('ABC', [btc('w', outpoint('x'))]),
    /"batchDigest" expected 64 lower-case hex/,
  );
  assert.throws(() => ledger.checkBatch(hex('x'), []), /"withdrawals" expected 1 to/);
  assert.throws(
    () => ledger.checkBatch(hex('x'), [btc('w')]),
    /"withdrawals\[0\]\.replayKeys" expected at least one/,
  );
  assert.throws(
    () => ledger.checkBatch(hex('x'), [btc('w', 'no kind here')]),
    /"withdrawals\[0\]\.replayKeys\[0\]" expected <kind>:<value>/,
  );
  assert.throws(() => ledger.checkBatch(hex('x'), [btc('w w', outpoint('x'))]), /"withdrawals\[0\]\.id"/);
  assert.throws(
    () =>
      recordApproved(
        ledger,
        hex('x'),
        'b',
        [{ id: 'w', chain: 'dogecoin', replayKeys: ['k:1'] } as never],
        resultOf('x'),
      ),
    /"withdrawals\[0\]\.chain" expected bitcoin or ethereum/,
  );
  assert.throws(
    () => recordApproved(ledger, hex('x'), 'b', [btc('w', outpoint('x'))], new Uint8Array()),
    RangeError,
  );
  assert.deepEqual(ledger.counts(), { batches: 0, withdrawals: 0, replayKeys: 0 });
});

test('a same-digest check with other withdrawals than recorded is a programming error, not a pass', (t) => {
  const { ledger } = openNew(t);
  recordA(ledger);
  assert.throws(
    () => ledger.checkBatch(BATCH_A.digest, [btc('wd-1', outpoint('a1'))]),
    (err: unknown) => err instanceof RangeError && /not those recorded for batch batch-A/.test(err.message),
  );
});

test('a closed ledger refuses to answer with LedgerError CLOSED', (t) => {
  const { ledger } = openNew(t);
  ledger.close();
  assert.equal(ledger.isOpen, false);
  assert.throws(
    () => ledger.checkBatch(BATCH_A.digest, BATCH_A.withdrawals),
    (err: unknown) => err instanceof LedgerError && err.code === 'CLOSED',
  );
  ledger.close();
});
