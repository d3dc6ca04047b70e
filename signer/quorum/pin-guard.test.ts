/**
 * Issue 4, item 5: Airlock's own PIN lock-out. Lock after 5 wrong PINs, the remaining count, persistence
 * across a restart (reopen), reset by a correct PIN below the limit, a locked key staying locked after
 * a correct PIN, unlock by two distinct approvers, the token's own flags, and two handles (same process
 * and two worker threads) on one file never losing a failure.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { AirlockError } from '../errors.js';
import { PinGuard, PinGuardError, type PinKey, PinLockedOutError } from './pin-guard.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-pin-guard-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = (): string => join(dir, `pins-${++n}.sqlite`);

const KEY: PinKey = { token: 'airlock-signing', subject: 'signing' };
const OTHER: PinKey = { token: 'airlock-card-1', subject: 'alice' };
const NO_FLAGS = { locked: false, finalTry: false, countLow: false };

function withGuard<T>(fn: (g: PinGuard, path: string) => T, options = {}): T {
  const path = freshPath();
  const g = PinGuard.open(path, { create: true, ...options });
  try {
    return fn(g, path);
  } finally {
    g.close();
  }
}

describe('PinGuard lock-out', () => {
  it('locks after 5 wrong PINs, counting down the remaining tries', () => {
    withGuard((g) => {
      const results = [1, 2, 3, 4, 5].map(() => {
        g.beforeAttempt(KEY);
        return g.recordFailure(KEY);
      });
      assert.deepEqual(
        results.map((r) => [r.failures, r.remaining, r.locked]),
        [
          [1, 4, false],
          [2, 3, false],
          [3, 2, false],
          [4, 1, false],
          [5, 0, true],
        ],
      );
      assert.throws(
        () => g.beforeAttempt(KEY),
        (err: unknown) => {
          assert.ok(err instanceof PinLockedOutError);
          assert.ok(err instanceof AirlockError);
          assert.equal(err.code, 'PIN_LOCKED_OUT');
          assert.deepEqual(err.key, KEY);
          assert.equal(err.failures, 5);
          assert.equal(err.max, 5);
          assert.match(err.message, /"signing" on token "airlock-signing" is locked after 5 wrong PIN/);
          return true;
        },
      );
      // Keys are independent.
      g.beforeAttempt(OTHER);
      assert.equal(g.status(OTHER).failures, 0);
      assert.equal(g.status(OTHER).remaining, 5);
    });
  });

  it('honours a configured limit and stays locked past it', () => {
    withGuard(
      (g) => {
        assert.deepEqual(g.recordFailure(KEY), { failures: 1, remaining: 2, locked: false });
        g.recordFailure(KEY);
        assert.deepEqual(g.recordFailure(KEY), { failures: 3, remaining: 0, locked: true });
        assert.deepEqual(g.recordFailure(KEY), { failures: 4, remaining: 0, locked: true });
      },
      { maxFailures: 3 },
    );
    assert.throws(() => PinGuard.open(freshPath(), { create: true, maxFailures: 0 }), RangeError);
    assert.throws(() => PinGuard.open(freshPath(), { create: true, maxFailures: 2.5 }), RangeError);
  });

  it('survives a restart: the count and the lock are on disk', () => {
    const path = freshPath();
    let g = PinGuard.open(path, { create: true });
    g.recordFailure(KEY);
    g.recordFailure(KEY);
    g.close();
    g = PinGuard.open(path);
    assert.equal(g.status(KEY).failures, 2);
    assert.equal(g.status(KEY).remaining, 3);
    g.recordFailure(KEY);
    g.recordFailure(KEY);
    g.recordFailure(KEY);
    g.close();
    g = PinGuard.open(path);
    try {
      assert.equal(g.status(KEY).locked, true);
      assert.throws(() => g.beforeAttempt(KEY), PinLockedOutError);
    } finally {
      g.close();
    }
    // A missing file is not silently created.
    assert.throws(
      () => PinGuard.open(join(dir, 'missing.sqlite')),
      (err: unknown) => err instanceof PinGuardError && err.code === 'NOT_FOUND',
    );
  });

  it('applies a lowered limit to an existing count', () => {
    const path = freshPath();
    const g = PinGuard.open(path, { create: true });
    g.recordFailure(KEY);
    g.recordFailure(KEY);
    g.close();
    const strict = PinGuard.open(path, { maxFailures: 2 });
    try {
      assert.equal(strict.status(KEY).locked, true);
      assert.throws(() => strict.beforeAttempt(KEY), PinLockedOutError);
    } finally {
      strict.close();
    }
  });

  it('a correct PIN below the limit resets the count', () => {
    withGuard((g) => {
      for (let i = 0; i < 4; i++) g.recordFailure(KEY);
      g.recordSuccess(KEY);
      assert.deepEqual(
        { failures: g.status(KEY).failures, remaining: g.status(KEY).remaining },
        { failures: 0, remaining: 5 },
      );
      // Four more wrong PINs still do not lock: the count really restarted.
      for (let i = 0; i < 4; i++) assert.equal(g.recordFailure(KEY).locked, false);
    });
  });

  it('a locked key stays locked when the correct PIN is then typed', () => {
    withGuard((g) => {
      for (let i = 0; i < 5; i++) g.recordFailure(KEY);
      assert.throws(
        () => g.recordSuccess(KEY),
        (err: unknown) =>
          err instanceof PinLockedOutError && /the correct PIN does not unlock/.test(err.message),
      );
      assert.equal(g.status(KEY).locked, true);
      assert.equal(g.status(KEY).failures, 5);
      assert.throws(() => g.beforeAttempt(KEY), PinLockedOutError);
    });
  });

  it('unlock needs two distinct, non-empty approvers and records them', () => {
    withGuard(
      (g) => {
        for (let i = 0; i < 5; i++) g.recordFailure(KEY);
        const refused = (approvedBy: unknown[]): void =>
          assert.throws(
            () => g.unlock(KEY, { approvedBy: approvedBy as string[] }),
            (err: unknown) => err instanceof PinGuardError && err.code === 'UNLOCK_NOT_AUTHORISED',
          );
        refused([]);
        refused(['admin-1']);
        refused(['admin-1', 'admin-1']);
        refused(['admin-1', ' admin-1 ']);
        refused(['admin-1', '']);
        refused(['admin-1', '   ']);
        refused(['admin-1', 7]);
        assert.throws(() => g.unlock(KEY, {} as never), TypeError);
        assert.equal(g.status(KEY).locked, true, 'refused unlocks change nothing');
        assert.deepEqual(g.unlocks(), []);

        const record = g.unlock(KEY, { approvedBy: ['admin-2', 'admin-1', 'admin-2'] });
        assert.deepEqual(record, {
          key: KEY,
          failures: 5,
          wasLocked: true,
          approvedBy: ['admin-1', 'admin-2'],
          unlockedAt: '2026-01-02T03:04:05.000Z',
        });
        assert.deepEqual(g.unlocks(), [record]);
        g.beforeAttempt(KEY);
        assert.deepEqual(g.recordFailure(KEY), { failures: 1, remaining: 4, locked: false });
      },
      { now: () => new Date('2026-01-02T03:04:05Z') },
    );
  });

  it("honours the token's own PIN flags", () => {
    withGuard((g) => {
      g.recordFailure(KEY);
      assert.deepEqual(pick(g.effectiveLock(KEY, NO_FLAGS)), {
        locked: false,
        lockedBy: 'none',
        remaining: 4,
        failures: 1,
      });
      assert.deepEqual(pick(g.effectiveLock(KEY, { locked: false, finalTry: true, countLow: true })), {
        locked: false,
        lockedBy: 'none',
        remaining: 1,
        failures: 1,
      });
      assert.deepEqual(pick(g.effectiveLock(KEY, { ...NO_FLAGS, locked: true })), {
        locked: true,
        lockedBy: 'token',
        remaining: 0,
        failures: 1,
      });
      for (let i = 0; i < 4; i++) g.recordFailure(KEY);
      assert.equal(g.effectiveLock(KEY, NO_FLAGS).lockedBy, 'airlock');
      assert.equal(g.effectiveLock(KEY, { ...NO_FLAGS, locked: true }).lockedBy, 'both');
      assert.throws(() => g.effectiveLock(KEY, { locked: 'no' } as never), TypeError);
    });
  });

  it('checks its arguments', () => {
    withGuard((g) => {
      assert.throws(() => g.status({ token: '', subject: 'x' }), /"key.token" expected a non-empty string/);
      assert.throws(() => g.recordFailure({ token: 't' } as PinKey), /"key.subject"/);
      assert.throws(() => g.beforeAttempt(null as never), TypeError);
      assert.throws(() => g.status({ token: 't', subject: 'x'.repeat(257) }), RangeError);
    });
    assert.throws(() => PinGuard.open(':memory:', { create: true }), TypeError);
  });

  it('refuses another Airlock file and a closed handle, with typed errors', () => {
    const foreign = freshPath();
    const db = new Database(foreign);
    db.pragma('application_id = 1095912513'); // the audit log's "ARLA"
    db.exec('CREATE TABLE t (x)');
    db.close();
    assert.throws(
      () => PinGuard.open(foreign),
      (err: unknown) => err instanceof PinGuardError && err.code === 'WRONG_FILE',
    );
    const g = PinGuard.open(freshPath(), { create: true });
    g.close();
    g.close();
    assert.equal(g.isOpen, false);
    assert.throws(
      () => g.status(KEY),
      (err: unknown) => err instanceof PinGuardError && err.code === 'CLOSED',
    );
  });
});

describe('PinGuard concurrency (two handles on one file)', () => {
  it('interleaved handles in one process share one count and one lock', () => {
    const path = freshPath();
    const a = PinGuard.open(path, { create: true });
    const b = PinGuard.open(path);
    try {
      assert.equal(a.recordFailure(KEY).failures, 1);
      assert.equal(b.recordFailure(KEY).failures, 2);
      assert.equal(a.recordFailure(KEY).failures, 3);
      assert.equal(b.recordFailure(KEY).failures, 4);
      assert.equal(b.status(KEY).remaining, 1);
      assert.equal(a.recordFailure(KEY).locked, true);
      assert.throws(() => b.beforeAttempt(KEY), PinLockedOutError);
      // Locked by one handle, the correct PIN through the other does not reset it.
      assert.throws(() => b.recordSuccess(KEY), PinLockedOutError);
      b.unlock(KEY, { approvedBy: ['admin-1', 'admin-2'] });
      a.beforeAttempt(KEY);
      assert.equal(a.status(KEY).failures, 0);
    } finally {
      a.close();
      b.close();
    }
  });

  it('two worker threads racing never lose a failure', async () => {
    const path = freshPath();
    PinGuard.open(path, { create: true }).close();
    const count = 200;
    const workerFile = fileURLToPath(new URL('./pin-guard-worker.js', import.meta.url));
    const run = (): Promise<number[]> =>
      new Promise((resolve, reject) => {
        const w = new Worker(workerFile, {
          workerData: { path, count, maxFailures: 100, ...KEY },
        });
        w.once('message', resolve);
        w.once('error', reject);
        w.once('exit', (code) => {
          if (code !== 0) reject(new Error(`worker exited with ${code}`));
        });
      });
    const [seenA, seenB] = await Promise.all([run(), run()]);
    const all = [...seenA!, ...seenB!].sort((x, y) => x - y);
    // Every increment saw a distinct count: 1..400 exactly once.
    assert.deepEqual(
      all,
      Array.from({ length: 2 * count }, (_, i) => i + 1),
    );
    const g = PinGuard.open(path, { maxFailures: 100 });
    try {
      assert.equal(g.status(KEY).failures, 2 * count);
      assert.equal(g.status(KEY).locked, true);
    } finally {
      g.close();
    }
  });
});

function pick(e: { locked: boolean; lockedBy: string; remaining: number; failures: number }): object {
  return { locked: e.locked, lockedBy: e.lockedBy, remaining: e.remaining, failures: e.failures };
}
