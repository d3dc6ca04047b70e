/**
 * The audit log on real SQLite files: appends chained from the genesis hash, one transaction per call,
 * restarts, concurrent writers, the append-only triggers, and tampering the way an attacker with raw
 * access to the file does it (a second connection that drops the triggers, then edits, deletes, inserts
 * or swaps rows): each is detected by `verify()` and named with its problem and row.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import Database from 'better-sqlite3';
import { ReplayLedger } from '../ledger/ledger.js';
import { AuditLog } from './audit-log.js';
import type { AuditVerifyResult } from './chain.js';
import { type AuditEntry, entryHash, GENESIS_HASH } from './entry.js';
import { AuditError } from './errors.js';
import { AUDIT_APPLICATION_ID } from './schema.js';

const AT = new Date('2026-11-26T09:00:00.000Z');

function tempPath(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-audit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'audit.sqlite');
}

/** A log of `n` rows over every kind of action, closed; returns its path. */
function seededLog(t: TestContext, n: number): string {
  const path = tempPath(t);
  const log = AuditLog.open(path, { create: true });
  const entries: AuditEntry[] = Array.from({ length: n }, (_, i) => ({
    actor: i % 2 ? 'operator:alice' : 'appliance',
    action: (['import', 'review', 'approval', 'approval', 'sign', 'export'] as const)[i % 6]!,
    payload: { batchId: `b-${Math.floor(i / 6)}`, step: i },
  }));
  log.append(entries, AT);
  log.close();
  return path;
}

/**
 * What an attacker with the file does: a plain connection drops the triggers, runs `edit`, and (unless
 * `leaveTriggersDropped`) puts the triggers back as they were, to hide the visit.
 */
function tamper(path: string, edit: (db: Database.Database) => void, leaveTriggersDropped = false): void {
  const db = new Database(path);
  try {
    const triggers = db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger'").all() as {
      name: string;
      sql: string;
    }[];
    assert.equal(triggers.length, 3);
    for (const { name } of triggers) db.exec(`DROP TRIGGER ${name}`);
    edit(db);
    if (!leaveTriggersDropped) for (const { sql } of triggers) db.exec(sql);
  } finally {
    db.close();
  }
}

/** Renumber rows with seq >= `from` by `by`, past the PRIMARY KEY and the seq >= 1 CHECK. */
function shiftSeq(db: Database.Database, from: number, by: number): void {
  db.prepare('UPDATE audit_log SET seq = seq + 1000000 WHERE seq >= ?').run(from);
  db.prepare('UPDATE audit_log SET seq = seq - 1000000 + ? WHERE seq >= 1000000').run(by);
}

function verifyFile(path: string): AuditVerifyResult {
  const log = AuditLog.open(path);
  try {
    return log.verify();
  } finally {
    log.close();
  }
}

function assertBroken(result: AuditVerifyResult, problem: string, seq: number): void {
  assert.equal(result.ok, false, 'tampering not detected');
  assert.ok(!result.ok);
  assert.deepEqual({ problem: result.problem, seq: result.seq }, { problem, seq }, result.message);
  assert.ok(result.message.includes(`row ${seq}`), `the message names row ${seq}: ${result.message}`);
}

test('appends chain from the genesis hash, in one transaction per call, and verify', (t) => {
  const path = tempPath(t);
  const log = AuditLog.open(path, { create: true });
  t.after(() => log.close());
  assert.deepEqual(log.verify(), { ok: true, rows: 0, head: { seq: 0, hash: GENESIS_HASH } });
  const first = log.append(
    [{ actor: 'operator:alice', action: 'import', payload: { batchId: 'b-1', z: 1, a: 2 } }],
    AT,
  );
  assert.equal(first.length, 1);
  assert.deepEqual(first[0], {
    seq: 1,
    time: '2026-11-26T09:00:00.000Z',
    actor: 'operator:alice',
    action: 'import',
    payload: '{"a":2,"batchId":"b-1","z":1}',
    prevHash: GENESIS_HASH,
    hash: entryHash({ ...first[0]!, prevHash: GENESIS_HASH }),
  });
  const more = log.append(
    [
      { actor: 'operator:alice', action: 'approval', payload: { batchId: 'b-1' } },
      { actor: 'operator:bob', action: 'approval', payload: { batchId: 'b-1' } },
    ],
    AT,
  );
  assert.deepEqual(
    more.map((r) => [r.seq, r.prevHash]),
    [
      [2, first[0]!.hash],
      [3, more[0]!.hash],
    ],
  );
  assert.deepEqual(log.head(), { seq: 3, hash: more[1]!.hash });
  assert.deepEqual(log.verify(), { ok: true, rows: 3, head: log.head() });
  assert.deepEqual(log.append([]), []);
  assert.deepEqual(
    log.rows({ action: 'approval' }).map((r) => r.seq),
    [2, 3],
  );
  assert.deepEqual(
    log.rows({ fromSeq: 2, limit: 1 }).map((r) => r.actor),
    ['operator:alice'],
  );
});

test('an append with one malformed entry writes nothing', (t) => {
  const log = AuditLog.open(seededLog(t, 3));
  t.after(() => log.close());
  const head = log.head();
  assert.throws(
    () =>
      log.append([
        { actor: 'operator:alice', action: 'review', payload: {} },
        { actor: 'operator:alice', action: 'bogus' as never, payload: {} },
      ]),
    /"entries\[1\]\.action"/,
  );
  assert.deepEqual(log.head(), head);
});

test('the log survives a restart and continues the same chain', (t) => {
  const path = seededLog(t, 5);
  const log = AuditLog.open(path);
  t.after(() => log.close());
  const before = log.head();
  const [row] = log.append([{ actor: 'admin:carol', action: 'freeze', payload: { reason: 'drill' } }]);
  assert.equal(row!.seq, 6);
  assert.equal(row!.prevHash, before.hash);
  assert.equal(log.verify().ok, true);
});

test('two handles appending in turn (two processes) keep one chain', (t) => {
  const path = seededLog(t, 1);
  const a = AuditLog.open(path);
  const b = AuditLog.open(path);
  t.after(() => {
    a.close();
    b.close();
  });
  for (let i = 0; i < 10; i++) {
    (i % 2 ? a : b).append([
      { actor: i % 2 ? 'operator:a' : 'operator:b', action: 'review', payload: { i } },
    ]);
  }
  const result = a.verify();
  assert.deepEqual(result.ok && result.rows, 11);
});

test('UPDATE, DELETE and out-of-order INSERT are refused at the SQL level', (t) => {
  const path = seededLog(t, 4);
  const db = new Database(path);
  t.after(() => db.close());
  assert.throws(
    () => db.exec("UPDATE audit_log SET payload = '{}' WHERE seq = 2"),
    /append-only: UPDATE refused/,
  );
  assert.throws(() => db.exec('DELETE FROM audit_log WHERE seq = 4'), /append-only: DELETE refused/);
  const last = db.prepare('SELECT hash FROM audit_log WHERE seq = 4').pluck().get() as string;
  const insert = db.prepare('INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?)');
  const row = (seq: number, prev: string) => [seq, AT.toISOString(), 'x', 'sign', '{}', prev, 'f'.repeat(64)];
  assert.throws(() => insert.run(...row(7, last)), /next seq and chain to the last row/);
  assert.throws(() => insert.run(...row(5, GENESIS_HASH)), /next seq and chain to the last row/);
  assert.throws(() => insert.run(...row(3, last)), /next seq and chain to the last row/);
  db.close();
  const result = verifyFile(path);
  assert.ok(result.ok && result.rows === 4 && result.head.hash === last);
});

test('tampering: an edited payload is "changed" at its row', (t) => {
  const path = seededLog(t, 10);
  tamper(path, (db) => db.exec(`UPDATE audit_log SET payload = '{"batchId":"b-0","step":99}' WHERE seq = 4`));
  assertBroken(verifyFile(path), 'changed', 4);
});

test('tampering: an edited payload with its hash recomputed is "changed" at its row', (t) => {
  const path = seededLog(t, 10);
  tamper(path, (db) => {
    const row = db.prepare('SELECT time, actor, action, prev_hash FROM audit_log WHERE seq = 6').get() as {
      time: string;
      actor: string;
      action: string;
      prev_hash: string;
    };
    const payload = '{"batchId":"b-0","step":"forged"}';
    const hash = entryHash({
      seq: 6,
      time: row.time,
      actor: row.actor,
      action: row.action,
      payload,
      prevHash: row.prev_hash,
    });
    db.prepare('UPDATE audit_log SET payload = ?, hash = ? WHERE seq = 6').run(payload, hash);
  });
  assertBroken(verifyFile(path), 'changed', 6);
});

test('tampering: a deleted row is "deleted" at its seq, renumbered or not', (t) => {
  const kept = seededLog(t, 10);
  tamper(kept, (db) => db.exec('DELETE FROM audit_log WHERE seq = 3'));
  assertBroken(verifyFile(kept), 'deleted', 3);

  const renumbered = seededLog(t, 10);
  tamper(renumbered, (db) => {
    db.exec('DELETE FROM audit_log WHERE seq = 3');
    shiftSeq(db, 4, -1);
  });
  assertBroken(verifyFile(renumbered), 'deleted', 3);
});

test('tampering: an inserted row (well hashed, later rows renumbered) is "inserted" at its seq', (t) => {
  const path = seededLog(t, 10);
  tamper(path, (db) => {
    const prev = db.prepare('SELECT hash FROM audit_log WHERE seq = 4').pluck().get() as string;
    shiftSeq(db, 5, 1);
    const forged = {
      seq: 5,
      time: AT.toISOString(),
      actor: 'operator:mallory',
      action: 'approval',
      payload: '{"batchId":"b-0"}',
      prevHash: prev,
    };
    db.prepare('INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      ...Object.values(forged),
      entryHash(forged),
    );
  });
  assertBroken(verifyFile(path), 'inserted', 5);
});

test('tampering: two swapped rows are "reordered" at the first', (t) => {
  const path = seededLog(t, 10);
  tamper(path, (db) => {
    db.exec('UPDATE audit_log SET seq = 1000000 WHERE seq = 3');
    db.exec('UPDATE audit_log SET seq = 3 WHERE seq = 7');
    db.exec('UPDATE audit_log SET seq = 7 WHERE seq = 1000000');
  });
  assertBroken(verifyFile(path), 'reordered', 3);
});

test('rows are checked before the triggers: an edit is named even with the triggers left dropped', (t) => {
  const path = seededLog(t, 6);
  tamper(path, (db) => db.exec(`UPDATE audit_log SET actor = 'operator:mallory' WHERE seq = 2`), true);
  assertBroken(verifyFile(path), 'changed', 2);
});

test('dropped triggers alone are "schema-altered"', (t) => {
  const dropped = seededLog(t, 6);
  tamper(dropped, () => {}, true);
  const result = verifyFile(dropped);
  assert.equal(result.ok, false);
  assert.ok(
    !result.ok &&
      result.problem === 'schema-altered' &&
      /audit_log_no_delete is missing/.test(result.message),
  );
});

test('an anchor catches a cut-off tail and a recomputed history', (t) => {
  const path = seededLog(t, 8);
  const log = AuditLog.open(path);
  const anchor = log.head();
  log.close();
  tamper(path, (db) => db.exec('DELETE FROM audit_log WHERE seq >= 7'));
  const cut = AuditLog.open(path);
  t.after(() => cut.close());
  assert.equal(cut.verify().ok, true, 'a cut tail is invisible without an anchor');
  assertBroken(cut.verify({ anchor }), 'truncated', 7);

  const rewritten = seededLog(t, 8);
  tamper(rewritten, (db) => {
    const rows = db
      .prepare(
        'SELECT seq, time, actor, action, payload, prev_hash FROM audit_log WHERE seq >= 3 ORDER BY seq',
      )
      .all() as {
      seq: number;
      time: string;
      actor: string;
      action: string;
      payload: string;
      prev_hash: string;
    }[];
    let prevHash = rows[0]!.prev_hash;
    for (const r of rows) {
      const row = {
        seq: r.seq,
        time: r.time,
        actor: r.actor,
        action: r.action,
        payload: r.seq === 3 ? '{"forged":true}' : r.payload,
        prevHash,
      };
      const hash = entryHash(row);
      db.prepare('UPDATE audit_log SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(
        row.payload,
        prevHash,
        hash,
        r.seq,
      );
      prevHash = hash;
    }
  });
  const original = AuditLog.open(seededLog(t, 8));
  const originalHead = original.head();
  original.close();
  const forged = AuditLog.open(rewritten);
  t.after(() => forged.close());
  assert.equal(forged.verify().ok, true, 'a recomputed history is invisible without an anchor');
  assertBroken(forged.verify({ anchor: originalHead }), 'diverged', 8);
});

test('opening: missing without create, a ledger file, a newer schema are AuditErrors; the file is WAL and marked', (t) => {
  const path = tempPath(t);
  const code = (fn: () => AuditLog | ReplayLedger): string => {
    try {
      fn().close();
      return 'opened';
    } catch (err) {
      return err instanceof AuditError ? err.code : String(err);
    }
  };
  assert.equal(
    code(() => AuditLog.open(path)),
    'NOT_FOUND',
  );
  ReplayLedger.open(`${path}.ledger`, { create: true }).close();
  assert.equal(
    code(() => AuditLog.open(`${path}.ledger`)),
    'WRONG_FILE',
  );
  AuditLog.open(path, { create: true }).close();
  const raw = new Database(path);
  assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(raw.pragma('application_id', { simple: true }), AUDIT_APPLICATION_ID);
  assert.equal(raw.pragma('user_version', { simple: true }), 1);
  raw.pragma('user_version = 9');
  raw.close();
  assert.equal(
    code(() => AuditLog.open(path)),
    'SCHEMA_TOO_NEW',
  );
});

test('a closed log is an AuditError CLOSED', (t) => {
  const log = AuditLog.open(seededLog(t, 1));
  log.close();
  assert.throws(
    () => log.append([{ actor: 'a', action: 'sign', payload: null }]),
    (err: unknown) => err instanceof AuditError && err.code === 'CLOSED',
  );
});
