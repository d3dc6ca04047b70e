/**
 * Airlock's own PIN lock-out counter (issue 4, item 5), persistent in its own SQLite file.
 *
 * Tokens differ: a smartcard locks its user PIN after a few wrong entries, SoftHSM2 never does. So Airlock
 * counts failed PIN entries itself, per (token, subject): the token's label or serial, and who typed the
 * PIN (an operator id, or 'signing' for the signing token's PIN rebuilt from custodian shares). After
 * `maxFailures` (default 5) the key is locked and only an admin quorum unlocks it.
 *
 * Use, around every C_Login:
 *   guard.beforeAttempt(key)               // throws PinLockedOutError when locked
 *   guard.effectiveLock(key, token.pinState) // also refuse when the token itself says locked
 *   try C_Login → guard.recordSuccess(key)  // throws PinLockedOutError if it got locked meanwhile: log out
 *   catch PinIncorrectError → guard.recordFailure(key)
 *
 * Invariants:
 * - every change is one IMMEDIATE transaction (read, count, write): concurrent handles and processes on
 *   one file never lose a failure; a commit is on disk before it returns (WAL, synchronous=FULL);
 * - locked is sticky: once `failures` reached the limit the row carries `locked_at`, and only `unlock`
 *   clears it; a correct PIN typed afterwards does not (recordSuccess refuses instead);
 * - a key is also locked when its count is at or above the limit the guard was opened with (a lowered
 *   limit applies at once);
 * - `unlock` needs at least two distinct approver ids and records who, when, and the count it cleared;
 *   the real admin-quorum check is the caller's (policy) job, this is the floor beneath it;
 * - the file never holds a PIN or anything derived from one.
 */
import type Database from 'better-sqlite3';
import type { PinState } from '../../hsm/errors.js';
import { AirlockError } from '../errors.js';
import {
  mapSqliteError,
  type OpenOptions,
  openVersionedFile,
  type StorageErrorCode,
} from '../ledger/sqlite-file.js';

/** `PRAGMA application_id` of a PIN guard file: "ARLP". */
export const PIN_GUARD_APPLICATION_ID = 0x41524c50;

/** Append new versions at the end; never edit a released one. */
export const PIN_GUARD_MIGRATIONS: readonly string[] = [
  `
CREATE TABLE pin_counter (
  token TEXT NOT NULL,
  subject TEXT NOT NULL,
  failures INTEGER NOT NULL CHECK (failures >= 0),
  last_failure_at TEXT,
  locked_at TEXT,
  PRIMARY KEY (token, subject)
) STRICT;

CREATE TABLE pin_unlock (
  id INTEGER PRIMARY KEY,
  token TEXT NOT NULL,
  subject TEXT NOT NULL,
  failures INTEGER NOT NULL,
  was_locked INTEGER NOT NULL CHECK (was_locked IN (0, 1)),
  approved_by TEXT NOT NULL,
  unlocked_at TEXT NOT NULL
) STRICT;
`,
];

const SPEC = { what: 'PIN guard', applicationId: PIN_GUARD_APPLICATION_ID, migrations: PIN_GUARD_MIGRATIONS };
const MAX_ID_LENGTH = 256;

/** Whose PIN on which token: `token` is the token's label or serial, `subject` an operator id or 'signing'. */
export interface PinKey {
  readonly token: string;
  readonly subject: string;
}

export interface PinGuardOptions extends OpenOptions {
  /** Wrong PINs in a row that lock the key. Default 5; 1..100. */
  readonly maxFailures?: number;
  /** The clock for the stored times. Default `() => new Date()`. */
  readonly now?: () => Date;
}

export interface FailureResult {
  /** Wrong PINs in a row, this one included. */
  readonly failures: number;
  /** Wrong PINs left before the lock (0 when locked). */
  readonly remaining: number;
  readonly locked: boolean;
}

export interface PinStatus extends FailureResult {
  readonly max: number;
  /** ISO time of the last wrong PIN, if any since the last reset. */
  readonly lastFailureAt: string | undefined;
  /** ISO time the key locked, when locked. */
  readonly lockedAt: string | undefined;
}

export interface UnlockAuthorisation {
  /** The admins who approved the unlock: at least two distinct, non-empty ids. */
  readonly approvedBy: readonly string[];
}

export interface UnlockRecord {
  readonly key: PinKey;
  /** The count the unlock cleared. */
  readonly failures: number;
  readonly wasLocked: boolean;
  /** The distinct approver ids, sorted. */
  readonly approvedBy: readonly string[];
  readonly unlockedAt: string;
}

/** What `effectiveLock` reports: Airlock's count and the token's own flags together. */
export interface EffectiveLock extends PinStatus {
  /** Who locks it: Airlock's counter, the token, both, or nobody. */
  readonly lockedBy: 'airlock' | 'token' | 'both' | 'none';
  /** The token says the next wrong PIN locks it. */
  readonly finalTry: boolean;
  /** The token says its PIN count is low. */
  readonly countLow: boolean;
}

/** A PIN entry refused because the key is locked. Exit code 5 at the CLI. */
export class PinLockedOutError extends AirlockError {
  override readonly name = 'PinLockedOutError';
  readonly code = 'PIN_LOCKED_OUT';
  readonly key: PinKey;
  readonly failures: number;
  readonly max: number;

  constructor(key: PinKey, failures: number, max: number, doing = 'PIN entry refused') {
    super(
      `${doing}: the PIN of ${describeKey(key)} is locked after ${failures} wrong PIN(s) ` +
        `(limit ${max}); an admin quorum must unlock it`,
    );
    this.key = { token: key.token, subject: key.subject };
    this.failures = failures;
    this.max = max;
  }
}

export type PinGuardErrorCode = StorageErrorCode | 'UNLOCK_NOT_AUTHORISED';

/** The PIN guard's file failed (StorageErrorCode), or an unlock lacked its approvers. */
export class PinGuardError extends AirlockError {
  override readonly name = 'PinGuardError';
  readonly code: PinGuardErrorCode;

  constructor(code: PinGuardErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

const pinGuardFail = (code: StorageErrorCode, message: string, cause?: unknown): PinGuardError =>
  new PinGuardError(code, `PIN guard: ${message}`, cause === undefined ? undefined : { cause });

const describeKey = (key: PinKey): string => `"${key.subject}" on token "${key.token}"`;

interface CounterRow {
  failures: number;
  last_failure_at: string | null;
  locked_at: string | null;
}

export class PinGuard {
  readonly path: string;
  readonly maxFailures: number;
  readonly #db: Database.Database;
  readonly #now: () => Date;
  readonly #sql: {
    get: Database.Statement<[string, string], CounterRow>;
    upsert: Database.Statement<[string, string, number, string, string | null]>;
    reset: Database.Statement<[string, string]>;
    logUnlock: Database.Statement<[string, string, number, number, string, string]>;
  };

  private constructor(path: string, db: Database.Database, maxFailures: number, now: () => Date) {
    this.path = path;
    this.#db = db;
    this.maxFailures = maxFailures;
    this.#now = now;
    this.#sql = {
      get: db.prepare(
        'SELECT failures, last_failure_at, locked_at FROM pin_counter WHERE token = ? AND subject = ?',
      ),
      upsert: db.prepare(
        `INSERT INTO pin_counter (token, subject, failures, last_failure_at, locked_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (token, subject) DO UPDATE SET failures = excluded.failures,
           last_failure_at = excluded.last_failure_at, locked_at = excluded.locked_at`,
      ),
      reset: db.prepare('DELETE FROM pin_counter WHERE token = ? AND subject = ?'),
      logUnlock: db.prepare(
        `INSERT INTO pin_unlock (token, subject, failures, was_locked, approved_by, unlocked_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  /** Open the PIN guard file at `path` (`create: true` to start a new one). Throws PinGuardError. */
  static open(path: string, options: PinGuardOptions = {}): PinGuard {
    const max = options.maxFailures ?? 5;
    if (!Number.isSafeInteger(max) || max < 1 || max > 100) {
      throw new RangeError(`"maxFailures" expected a whole number from 1 to 100, got ${String(max)}`);
    }
    const now = options.now ?? (() => new Date());
    if (typeof now !== 'function') throw new TypeError('"now" expected a function returning a Date');
    return new PinGuard(path, openVersionedFile(path, SPEC, options, pinGuardFail), max, now);
  }

  /** Throws PinLockedOutError when `key` is locked; call it before asking for the PIN and before C_Login. */
  beforeAttempt(key: PinKey): void {
    const k = checkKey(key);
    const status = this.status(k);
    if (status.locked) throw new PinLockedOutError(k, status.failures, this.maxFailures);
  }

  /** Count one wrong PIN for `key`, in one transaction. Locks the key when the limit is reached. */
  recordFailure(key: PinKey): FailureResult {
    const k = checkKey(key);
    return this.#guard('recording a wrong PIN', () =>
      this.#db
        .transaction((): FailureResult => {
          const row = this.#sql.get.get(k.token, k.subject);
          const failures = (row?.failures ?? 0) + 1;
          const at = this.#time();
          const lockedAt = row?.locked_at ?? (failures >= this.maxFailures ? at : null);
          this.#sql.upsert.run(k.token, k.subject, failures, at, lockedAt);
          const locked = lockedAt !== null;
          return { failures, remaining: locked ? 0 : this.maxFailures - failures, locked };
        })
        .immediate(),
    );
  }

  /**
   * A correct PIN: reset the count of `key`. Throws PinLockedOutError when the key is locked (locked by
   * another process between `beforeAttempt` and C_Login, say): the caller must log out and refuse.
   */
  recordSuccess(key: PinKey): void {
    const k = checkKey(key);
    this.#guard('recording a correct PIN', () =>
      this.#db
        .transaction(() => {
          const s = this.#status(k);
          if (s.locked) {
            throw new PinLockedOutError(k, s.failures, this.maxFailures, 'the correct PIN does not unlock');
          }
          this.#sql.reset.run(k.token, k.subject);
        })
        .immediate(),
    );
  }

  /**
   * Clear the count and the lock of `key`, recording who approved it. Needs at least two distinct,
   * non-empty approver ids (else PinGuardError UNLOCK_NOT_AUTHORISED); whether they are admins who form
   * the quorum is checked by the caller, before this. Also clears a count below the limit.
   */
  unlock(key: PinKey, authorisation: UnlockAuthorisation): UnlockRecord {
    const k = checkKey(key);
    const approvedBy = checkApprovers(authorisation, k);
    return this.#guard('unlocking', () =>
      this.#db
        .transaction((): UnlockRecord => {
          const s = this.#status(k);
          const at = this.#time();
          this.#sql.logUnlock.run(
            k.token,
            k.subject,
            s.failures,
            s.locked ? 1 : 0,
            JSON.stringify(approvedBy),
            at,
          );
          this.#sql.reset.run(k.token, k.subject);
          return { key: k, failures: s.failures, wasLocked: s.locked, approvedBy, unlockedAt: at };
        })
        .immediate(),
    );
  }

  /** The count and lock of `key` (a key never seen has no failures). */
  status(key: PinKey): PinStatus {
    const k = checkKey(key);
    return this.#guard('reading the count', () => this.#status(k));
  }

  /**
   * Airlock's count together with the token's own PIN flags (C_GetTokenInfo): locked when either says
   * so; on the token's final try at most one attempt remains.
   */
  effectiveLock(
    key: PinKey,
    tokenPinState: Pick<PinState, 'locked' | 'finalTry' | 'countLow'>,
  ): EffectiveLock {
    if (typeof tokenPinState !== 'object' || tokenPinState === null)
      throw new TypeError('"tokenPinState" expected the token\'s PIN flags { locked, finalTry, countLow }');
    for (const flag of ['locked', 'finalTry', 'countLow'] as const) {
      if (typeof tokenPinState[flag] !== 'boolean')
        throw new TypeError(`"tokenPinState.${flag}" expected boolean, got ${typeof tokenPinState[flag]}`);
    }
    const s = this.status(key);
    const token = tokenPinState.locked;
    const locked = s.locked || token;
    const lockedBy = s.locked ? (token ? 'both' : 'airlock') : token ? 'token' : 'none';
    const remaining = locked ? 0 : tokenPinState.finalTry ? Math.min(s.remaining, 1) : s.remaining;
    return {
      ...s,
      locked,
      remaining,
      lockedBy,
      finalTry: tokenPinState.finalTry,
      countLow: tokenPinState.countLow,
    };
  }

  /** Every unlock recorded, oldest first. */
  unlocks(): UnlockRecord[] {
    return this.#guard('reading unlocks', () =>
      (
        this.#db
          .prepare(
            'SELECT token, subject, failures, was_locked, approved_by, unlocked_at FROM pin_unlock ORDER BY id',
          )
          .all() as {
          token: string;
          subject: string;
          failures: number;
          was_locked: number;
          approved_by: string;
          unlocked_at: string;
        }[]
      ).map((r) => ({
        key: { token: r.token, subject: r.subject },
        failures: r.failures,
        wasLocked: r.was_locked === 1,
        approvedBy: JSON.parse(r.approved_by) as string[],
        unlockedAt: r.unlocked_at,
      })),
    );
  }

  get isOpen(): boolean {
    return this.#db.open;
  }

  /** Close the file. Idempotent. */
  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #status(k: PinKey): PinStatus {
    const row = this.#sql.get.get(k.token, k.subject);
    const failures = row?.failures ?? 0;
    const locked = row?.locked_at != null || failures >= this.maxFailures;
    return {
      failures,
      remaining: locked ? 0 : this.maxFailures - failures,
      locked,
      max: this.maxFailures,
      lastFailureAt: row?.last_failure_at ?? undefined,
      lockedAt: row?.locked_at ?? undefined,
    };
  }

  #time(): string {
    const d = this.#now();
    if (!(d instanceof Date) || Number.isNaN(d.getTime()))
      throw new TypeError('"now" returned an invalid Date');
    return d.toISOString();
  }

  #guard<T>(doing: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof AirlockError) throw err;
      // SqliteError and "connection is not open" become PinGuardError; anything else passes unchanged.
      throw mapSqliteError(err, doing, pinGuardFail);
    }
  }
}

function checkKey(key: PinKey): PinKey {
  if (typeof key !== 'object' || key === null) throw new TypeError('"key" expected { token, subject }');
  for (const field of ['token', 'subject'] as const) {
    const v: unknown = key[field];
    if (typeof v !== 'string' || v.trim() === '')
      throw new TypeError(`"key.${field}" expected a non-empty string, got ${JSON.stringify(v) ?? typeof v}`);
    if (v.length > MAX_ID_LENGTH)
      throw new RangeError(`"key.${field}" expected at most ${MAX_ID_LENGTH} characters, got ${v.length}`);
  }
  return { token: key.token, subject: key.subject };
}

function checkApprovers(authorisation: UnlockAuthorisation, key: PinKey): string[] {
  const list: unknown = authorisation?.approvedBy;
  if (!Array.isArray(list))
    throw new TypeError('"authorisation.approvedBy" expected an array of approver ids');
  const ids = new Set<string>();
  for (const [i, id] of list.entries()) {
    if (typeof id !== 'string' || id.trim() === '') {
      throw new PinGuardError(
        'UNLOCK_NOT_AUTHORISED',
        `unlocking ${describeKey(key)}: approver ${i + 1} is empty (expected an admin id)`,
      );
    }
    if (id.length > MAX_ID_LENGTH)
      throw new RangeError(`"authorisation.approvedBy[${i}]" expected at most ${MAX_ID_LENGTH} characters`);
    ids.add(id.trim());
  }
  if (ids.size < 2) {
    throw new PinGuardError(
      'UNLOCK_NOT_AUTHORISED',
      `unlocking ${describeKey(key)} needs at least 2 distinct approvers, found ${ids.size}`,
    );
  }
  return [...ids].sort();
}
