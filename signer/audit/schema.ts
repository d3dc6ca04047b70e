/**
 * The audit log's SQLite schema, versioned by `PRAGMA user_version` (signer/ledger/sqlite-file.ts applies
 * it). The audit log lives in its own file (see audit-log.ts for why).
 *
 * Version 1: one STRICT table `audit_log` (seq INTEGER PRIMARY KEY, time, actor, action, payload,
 * prev_hash, hash), and three triggers that make it append-only at the SQL level: UPDATE and DELETE are
 * refused, and an INSERT must take the next seq and chain to the last row's hash (the genesis hash for
 * the first). Someone with raw access to the file can still drop the triggers and edit it; `verify()`
 * detects that (the rows, and the triggers themselves).
 *
 * Append new versions at the end of `AUDIT_MIGRATIONS`; never edit a released one.
 */
import { GENESIS_HASH } from './entry.js';

/** `PRAGMA application_id` of an audit log file: "ARLA". */
export const AUDIT_APPLICATION_ID = 0x41524c41;

const V1 = `
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY CHECK (seq >= 1),
  time TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  payload TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused'); END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused'); END;

CREATE TRIGGER audit_log_append_in_order BEFORE INSERT ON audit_log
WHEN NEW.seq IS NOT (SELECT coalesce(max(seq), 0) + 1 FROM audit_log)
  OR NEW.prev_hash IS NOT coalesce((SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1), '${GENESIS_HASH}')
BEGIN SELECT RAISE(ABORT, 'audit log: a row must take the next seq and chain to the last row'); END;
`;

/** `AUDIT_MIGRATIONS[i]` takes schema version i to i + 1. */
export const AUDIT_MIGRATIONS: readonly string[] = Object.freeze([V1]);
