/**
 * Opening one of Airlock's SQLite files (the replay ledger, the audit log) the same careful way:
 * - the file must exist unless the caller asks for `create` (a missing ledger would silently mean "nothing
 *   was ever signed", so creating one is a decision, not a default);
 * - WAL journal, `synchronous=FULL` (a commit is on disk before it returns: it survives power loss, not
 *   only a killed process), foreign keys enforced, `trusted_schema=OFF` (a planted view or trigger cannot
 *   call functions with side effects), recursive triggers on (an `INSERT OR REPLACE` cannot delete a row
 *   past a DELETE trigger);
 * - `PRAGMA application_id` says which kind of Airlock file it is, so the audit log is never opened as a
 *   ledger or the other way round, and `PRAGMA user_version` is the schema version: migration `i` takes
 *   version `i` to `i + 1`, each in one IMMEDIATE transaction together with the version bump; a file
 *   newer than this code is refused.
 *
 * Every failure becomes the caller's typed error through `fail` (LedgerError, AuditError). Shared by
 * signer/ledger and signer/audit; it knows neither.
 *
 * `AIRLOCK_SQLITE_BINDING` names the better-sqlite3 addon to load instead of the one in node_modules:
 * a development tree runs its Node tests with the Node build and the console under Electron with a
 * build for Electron's ABI (scripts/build-electron-sqlite.mjs). A packaged app needs neither: its
 * node_modules are rebuilt for Electron.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

/** Stable codes of storage failures (as opposed to refusals of a batch). */
export type StorageErrorCode =
  /** The file does not exist and `create` was not asked for. */
  | 'NOT_FOUND'
  /** Not a SQLite file, or a SQLite file of another kind. */
  | 'WRONG_FILE'
  /** Written by a newer Airlock: its schema version is above the newest this code knows. */
  | 'SCHEMA_TOO_NEW'
  /** The database reports damage, or stored data fails its own check. */
  | 'CORRUPT'
  /** Another process held the write lock for longer than the busy timeout. */
  | 'BUSY'
  /** Disk full, read-only file, I/O error, or any other failure of SQLite. */
  | 'IO'
  /** The handle was closed. */
  | 'CLOSED';

export type FailFn = (code: StorageErrorCode, message: string, cause?: unknown) => Error;

export interface VersionedFileSpec {
  /** Operator words for the file: "replay ledger", "audit log". */
  readonly what: string;
  /** `PRAGMA application_id` of this kind of file (a signed 32-bit integer, not 0). */
  readonly applicationId: number;
  /** SQL scripts; `migrations[i]` takes `user_version` i to i + 1. */
  readonly migrations: readonly string[];
}

export interface OpenOptions {
  /** Create the file (and its schema) when it does not exist. Default false. */
  readonly create?: boolean;
  /** Milliseconds to wait for another process's write lock. Default 5000. */
  readonly busyTimeoutMs?: number;
}

/** Open (or create) the file at `path`, check its kind and bring its schema to the newest version. */
export function openVersionedFile(
  path: string,
  spec: VersionedFileSpec,
  options: OpenOptions,
  fail: FailFn,
): Database.Database {
  if (typeof path !== 'string' || path === '') throw new TypeError('"path" expected a file path');
  if (path === ':memory:') throw new TypeError(`"path": the ${spec.what} must live in a file, not in memory`);
  if (!options.create && !existsSync(path)) {
    throw fail(
      'NOT_FOUND',
      `the ${spec.what} ${path} does not exist (open it with create to start a new one)`,
    );
  }
  let db: Database.Database;
  try {
    const binding = process.env.AIRLOCK_SQLITE_BINDING?.trim();
    db = new Database(path, {
      fileMustExist: !options.create,
      timeout: options.busyTimeoutMs ?? 5000,
      ...(binding ? { nativeBinding: binding } : {}),
    });
  } catch (err) {
    throw mapSqliteError(err, `cannot open the ${spec.what} ${path}`, fail);
  }
  try {
    configure(db, path, spec, fail);
    migrate(db, path, spec, fail);
    return db;
  } catch (err) {
    db.close();
    throw mapSqliteError(err, `cannot open the ${spec.what} ${path}`, fail);
  }
}

function configure(db: Database.Database, path: string, spec: VersionedFileSpec, fail: FailFn): void {
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal')
    throw fail('IO', `the ${spec.what} ${path} cannot use a WAL journal (got ${String(mode)})`);
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('trusted_schema = OFF');
  // So that an `INSERT OR REPLACE` deleting a row to make room fires the append-only DELETE triggers.
  db.pragma('recursive_triggers = ON');
  // Read back: a pragma SQLite does not know is silently ignored.
  if (db.pragma('synchronous', { simple: true }) !== 2 || db.pragma('foreign_keys', { simple: true }) !== 1) {
    throw fail('IO', `the ${spec.what} ${path} refused synchronous=FULL or foreign_keys=ON`);
  }
}

function migrate(db: Database.Database, path: string, spec: VersionedFileSpec, fail: FailFn): void {
  const newest = spec.migrations.length;
  const step = db.transaction((): boolean => {
    const appId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    if (appId === 0 && version === 0) {
      const objects = db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get() as number;
      if (objects !== 0) {
        throw fail(
          'WRONG_FILE',
          `${path} is a SQLite database of something else, not an Airlock ${spec.what}`,
        );
      }
      db.pragma(`application_id = ${spec.applicationId | 0}`);
    } else if (appId !== (spec.applicationId | 0)) {
      throw fail(
        'WRONG_FILE',
        `${path} is not an Airlock ${spec.what} (application_id ${appId}, expected ${spec.applicationId | 0})`,
      );
    }
    if (version > newest) {
      throw fail(
        'SCHEMA_TOO_NEW',
        `the ${spec.what} ${path} has schema version ${version}; this Airlock knows versions up to ${newest}`,
      );
    }
    if (version === newest) return false;
    db.exec(spec.migrations[version]!);
    db.pragma(`user_version = ${version + 1}`);
    return true;
  });
  // One migration per transaction; IMMEDIATE so two processes opening a new file do not both migrate it.
  while (step.immediate()) {
    /* next migration */
  }
}

/** Map an exception from better-sqlite3 to the caller's typed error; anything else passes unchanged. */
export function mapSqliteError(err: unknown, doing: string, fail: FailFn): unknown {
  if (!(err instanceof Database.SqliteError)) {
    if (err instanceof TypeError && /database connection is not open/.test(err.message)) {
      return fail('CLOSED', `${doing}: the file was closed`, err);
    }
    return err;
  }
  const code = err.code;
  if (code === 'SQLITE_NOTADB') return fail('WRONG_FILE', `${doing}: not a SQLite database`, err);
  if (code.startsWith('SQLITE_CORRUPT'))
    return fail('CORRUPT', `${doing}: the database is damaged (${code})`, err);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return fail('BUSY', `${doing}: another process holds the database (${code})`, err);
  }
  return fail('IO', `${doing}: ${err.message} (${code})`, err);
}

/** `PRAGMA integrity_check` and `foreign_key_check`: the problems found, [] when the file is sound. */
export function sqliteProblems(db: Database.Database): string[] {
  const problems: string[] = [];
  const integrity = db.pragma('integrity_check') as { integrity_check: string }[];
  for (const row of integrity) if (row.integrity_check !== 'ok') problems.push(row.integrity_check);
  const fk = db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
  for (const row of fk) problems.push(`${row.table} row ${row.rowid} refers to a missing ${row.parent} row`);
  return problems;
}

/** The triggers of the file whose SQL is not exactly `expected` (by name): removed or altered. */
export function alteredTriggers(db: Database.Database, expected: ReadonlyMap<string, string>): string[] {
  const found = new Map(
    (
      db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger'").all() as {
        name: string;
        sql: string;
      }[]
    ).map((r) => [r.name, r.sql]),
  );
  const problems: string[] = [];
  for (const [name, sql] of expected) {
    const actual = found.get(name);
    if (actual === undefined) problems.push(`trigger ${name} is missing`);
    else if (normalizeSql(actual) !== normalizeSql(sql)) problems.push(`trigger ${name} was altered`);
  }
  for (const name of found.keys()) if (!expected.has(name)) problems.push(`unexpected trigger ${name}`);
  return problems;
}

const normalizeSql = (sql: string): string => sql.replace(/\s+/g, ' ').replace(/;\s*$/, '').trim();

/** The `CREATE TRIGGER` statements of a migration script, by trigger name (for `alteredTriggers`). */
export function triggersOf(script: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of script.matchAll(/CREATE TRIGGER (\w+)[\s\S]*?\bEND;/g)) out.set(m[1]!, m[0]);
  return out;
}
