/**
 * The tamper-evident audit log in SQLite (issue 4, item 7): import, review, each approval, policy change,
 * enrolment, freeze/unfreeze, sign, export, PIN failures and unlocks, each a row chained to the one
 * before by its hash (entry.ts), appended in batches of one transaction each.
 *
 * Its own file, not the ledger's: the audit log is exported whole for the online side and kept forever,
 * the ledger never leaves the appliance; each file has its own `user_version` and `application_id`, and a
 * damaged ledger does not take the evidence with it. The cost is that a crash between a ledger commit
 * and the audit append can leave a signed batch without its `sign` row: record in the ledger first (the
 * ledger is the safety, the log the evidence), then append; at start-up, append the `sign` rows of
 * ledger batches (ReplayLedger.batches()) the log lacks.
 *
 * Invariants:
 * - `append` writes all its rows or none (one IMMEDIATE transaction: concurrent writers are serialised);
 *   each row takes the next seq and chains to the last stored hash, which the INSERT trigger enforces too;
 *   UPDATE and DELETE are refused by triggers;
 * - a commit returns only once it is on disk (WAL, synchronous=FULL);
 * - `verify()` reads one consistent snapshot and names the first broken row (chain.ts), then checks that
 *   the triggers are still the schema's own;
 * - storage failures are `AuditError`; tampering is a verify result, never an exception.
 */
import type Database from 'better-sqlite3';
import {
  alteredTriggers,
  mapSqliteError,
  type OpenOptions,
  openVersionedFile,
  sqliteProblems,
  triggersOf,
} from '../ledger/sqlite-file.js';
import { type AuditVerifyResult, type ChainSource, type VerifyOptions, walkChain } from './chain.js';
import {
  type AuditAction,
  type AuditEntry,
  type AuditHead,
  type AuditRow,
  EMPTY_HEAD,
  entryHash,
  entryPayloadText,
  isAuditAction,
  type StoredRow,
} from './entry.js';
import { AuditError, auditFail } from './errors.js';
import { type AuditExport, formatExport } from './export-format.js';
import { AUDIT_APPLICATION_ID, AUDIT_MIGRATIONS } from './schema.js';

const SPEC = { what: 'audit log', applicationId: AUDIT_APPLICATION_ID, migrations: AUDIT_MIGRATIONS };
const EXPECTED_TRIGGERS = new Map(AUDIT_MIGRATIONS.flatMap((m) => [...triggersOf(m)]));
const PAGE = 1000;

interface SqlRow {
  seq: number;
  time: string;
  actor: string;
  action: string;
  payload: string;
  prev_hash: string;
  hash: string;
}

const COLUMNS = 'seq, time, actor, action, payload, prev_hash, hash';

const toStored = (r: SqlRow): StoredRow => ({
  seq: r.seq,
  time: r.time,
  actor: r.actor,
  action: r.action,
  payload: r.payload,
  prevHash: r.prev_hash,
  hash: r.hash,
});

export interface RowQuery {
  /** First seq to return. Default 1. */
  readonly fromSeq?: number;
  /** At most this many rows. Default 1000. */
  readonly limit?: number;
  /** Only rows of this action. */
  readonly action?: AuditAction;
}

export class AuditLog {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #sql: {
    head: Database.Statement<[], SqlRow>;
    page: Database.Statement<[number, number], SqlRow>;
    insert: Database.Statement<[number, string, string, string, string, string, string]>;
    seqOfHash: Database.Statement<[string], number>;
    hasSeq: Database.Statement<[number], number>;
  };
  readonly #appendTx: Database.Transaction<
    (entries: readonly { actor: string; action: AuditAction; payload: string }[], time: string) => AuditRow[]
  >;

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.#db = db;
    this.#sql = {
      head: db.prepare(`SELECT ${COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT 1`),
      page: db.prepare(`SELECT ${COLUMNS} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`),
      insert: db.prepare(`INSERT INTO audit_log (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      seqOfHash: db
        .prepare<[string], number>('SELECT seq FROM audit_log WHERE hash = ? ORDER BY seq LIMIT 1')
        .pluck(),
      hasSeq: db.prepare<[number], number>('SELECT 1 FROM audit_log WHERE seq = ?').pluck(),
    };
    this.#appendTx = db.transaction((entries, time) => {
      let head = this.#head();
      const rows: AuditRow[] = [];
      for (const e of entries) {
        const unhashed = {
          seq: head.seq + 1,
          time,
          actor: e.actor,
          action: e.action,
          payload: e.payload,
          prevHash: head.hash,
        };
        const row: AuditRow = { ...unhashed, hash: entryHash(unhashed) };
        this.#sql.insert.run(row.seq, row.time, row.actor, row.action, row.payload, row.prevHash, row.hash);
        rows.push(row);
        head = row;
      }
      return rows;
    });
  }

  /** Open the audit log file at `path` (`create: true` to start a new one). Throws AuditError. */
  static open(path: string, options: OpenOptions = {}): AuditLog {
    return new AuditLog(path, openVersionedFile(path, SPEC, options, auditFail));
  }

  /**
   * Append `entries` in one transaction, all stamped with `at`; returns the rows written. Throws
   * TypeError/RangeError for a malformed entry (before anything is written), AuditError on storage failure.
   */
  append(entries: readonly AuditEntry[], at: Date = new Date()): AuditRow[] {
    if (!Array.isArray(entries)) throw new TypeError('"entries" expected an array');
    if (!(at instanceof Date) || Number.isNaN(at.getTime()))
      throw new TypeError('"at" expected a valid Date');
    const checked = entries.map((e: AuditEntry, i) => ({
      actor: e.actor,
      action: e.action,
      payload: entryPayloadText(e, `entries[${i}]`),
    }));
    if (checked.length === 0) return [];
    return this.#guard('appending', () => this.#appendTx.immediate(checked, at.toISOString()));
  }

  /** The last row's seq and hash (seq 0 and the genesis hash when empty). */
  head(): AuditHead {
    return this.#guard('reading the head', () => this.#head());
  }

  /** Rows in seq order, as stored (unverified: call `verify()` to trust them). */
  rows(query: RowQuery = {}): StoredRow[] {
    const from = query.fromSeq ?? 1;
    const limit = query.limit ?? PAGE;
    if (!Number.isSafeInteger(from) || from < 1)
      throw new RangeError('"fromSeq" expected a whole number from 1');
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new RangeError('"limit" expected a whole number from 1');
    if (query.action !== undefined && !isAuditAction(query.action))
      throw new TypeError('"action" is not an audit action');
    return this.#guard('reading rows', () => {
      const sql = `SELECT ${COLUMNS} FROM audit_log WHERE seq >= ?${query.action === undefined ? '' : ' AND action = ?'} ORDER BY seq LIMIT ?`;
      const params = query.action === undefined ? [from, limit] : [from, query.action, limit];
      return (this.#db.prepare(sql).all(...params) as SqlRow[]).map(toStored);
    });
  }

  /**
   * Walk the whole chain in one snapshot; the first broken row is named (chain.ts). When the rows are
   * sound, the append-only triggers are checked too (`schema-altered`).
   */
  verify(options: VerifyOptions = {}): AuditVerifyResult {
    return this.#guard('verifying', () =>
      this.#db
        .transaction((): AuditVerifyResult => {
          const walked = walkChain(this.#source(), options);
          if (!walked.ok) return walked;
          const altered = alteredTriggers(this.#db, EXPECTED_TRIGGERS);
          if (altered.length > 0) {
            return {
              ok: false,
              seq: 0,
              problem: 'schema-altered',
              message: `the rows verify, but the file was opened outside Airlock: ${altered.join('; ')}`,
            };
          }
          return walked;
        })
        .deferred(),
    );
  }

  /** The whole log as an export (export-format.ts), from one snapshot. Does not verify it first. */
  exportLog(): AuditExport {
    return this.#guard('exporting', () =>
      this.#db
        .transaction(() => {
          const head = this.#head();
          const rows = [...this.#pages()].map((r) => r as AuditRow);
          return formatExport(rows, head);
        })
        .deferred(),
    );
  }

  /** SQLite's integrity and foreign-key checks; [] when the file is sound. */
  integrityCheck(): string[] {
    return this.#guard('checking the file', () => sqliteProblems(this.#db));
  }

  get isOpen(): boolean {
    return this.#db.open;
  }

  /** Close the file. Idempotent. */
  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #head(): AuditHead {
    const last = this.#sql.head.get();
    return last === undefined ? EMPTY_HEAD : { seq: last.seq, hash: last.hash };
  }

  /** Rows page by page, so other statements can run between pages (a better-sqlite3 iterator blocks them). */
  *#pages(): Generator<StoredRow> {
    let after = 0;
    for (;;) {
      const page = this.#sql.page.all(after, PAGE);
      for (const r of page) yield toStored(r);
      if (page.length < PAGE) return;
      after = page[page.length - 1]!.seq;
    }
  }

  #source(): ChainSource {
    return {
      rows: { [Symbol.iterator]: () => this.#pages() },
      seqOfHash: (hash) => this.#sql.seqOfHash.get(hash),
      hasSeq: (seq) => this.#sql.hasSeq.get(seq) !== undefined,
    };
  }

  #guard<T>(doing: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof AuditError) throw err;
      throw mapSqliteError(err, doing, auditFail);
    }
  }
}
