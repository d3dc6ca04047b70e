/**
 * The replay ledger's SQLite schema, versioned by `PRAGMA user_version` (sqlite-file.ts applies it).
 *
 * Version 1:
 * - `batches`: one row per signed batch, keyed by the batch digest (64 lower-case hex), with the signed
 *   result bytes exactly as exported, their SHA-256 (checked on every read) and the number of its
 *   withdrawals (so a batch can be checked complete);
 * - `withdrawals`: one row per signed withdrawal; the withdrawal id is the PRIMARY KEY, so an id is signed
 *   once, in one batch, whatever the code above does;
 * - `replay_keys`: one row per replay key (`btc-outpoint:<txid>:<vout>`, `eth-nonce:<chainId>:<from>:<n>`,
 *   `eth-tx:<hash>`), the key is the PRIMARY KEY: the same outpoint or nonce cannot be recorded twice;
 * - triggers make all three tables append-only: the ledger never forgets a signature.
 *
 * Version 2 (issue 4: the ledger's history in the policy, batch states, freeze, governance):
 * - `payments`: per signed withdrawal what it paid, as the adapter decoded it: the policy's asset key,
 *   the amount in base units (decimal text: amounts exceed SQLite's 64-bit integers) and the destination
 *   as `knownDestinationKey` gives it, with the signing time: the rolling 24-hour sums and the
 *   destinations paid before come from here;
 * - `batch_events`: the life of each batch (imported → reviewed → approved → signed → exported), one
 *   row per step; the state of a batch is its last row (signer/batch-state.ts says which steps are legal);
 * - `freeze_events`: every freeze and unfreeze; the appliance is frozen when the last row says so;
 * - `motions_applied`: every governance motion carried out (a motion is applied once, never replayed);
 * - all four append-only, like version 1's tables.
 *
 * Append new versions at the end of `LEDGER_MIGRATIONS`; never edit a released one.
 */

/** `PRAGMA application_id` of a replay ledger file: "ARLL". */
export const LEDGER_APPLICATION_ID = 0x41524c4c;

const V1 = `
CREATE TABLE batches (
  batch_digest TEXT PRIMARY KEY CHECK (length(batch_digest) = 64 AND batch_digest NOT GLOB '*[^0-9a-f]*'),
  batch_id TEXT NOT NULL CHECK (length(batch_id) > 0),
  signed_at TEXT NOT NULL,
  result BLOB NOT NULL CHECK (length(result) > 0),
  result_sha256 TEXT NOT NULL CHECK (length(result_sha256) = 64),
  withdrawal_count INTEGER NOT NULL CHECK (withdrawal_count > 0)
) STRICT;

CREATE INDEX batches_by_id ON batches (batch_id);

CREATE TABLE withdrawals (
  withdrawal_id TEXT PRIMARY KEY CHECK (length(withdrawal_id) > 0),
  batch_digest TEXT NOT NULL REFERENCES batches (batch_digest),
  position INTEGER NOT NULL CHECK (position >= 0),
  chain TEXT NOT NULL CHECK (chain IN ('bitcoin', 'ethereum')),
  UNIQUE (batch_digest, position)
) STRICT;

CREATE TABLE replay_keys (
  replay_key TEXT PRIMARY KEY CHECK (length(replay_key) > 0),
  withdrawal_id TEXT NOT NULL REFERENCES withdrawals (withdrawal_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX replay_keys_by_withdrawal ON replay_keys (withdrawal_id);

CREATE TRIGGER batches_no_update BEFORE UPDATE ON batches
BEGIN SELECT RAISE(ABORT, 'replay ledger is append-only: UPDATE of batches refused'); END;
CREATE TRIGGER batches_no_delete BEFORE DELETE ON batches
BEGIN SELECT RAISE(ABORT, 'replay ledger is append-only: DELETE from batches refused'); END;
CREATE TRIGGER withdrawals_no_update BEFORE UPDATE ON withdrawals
BEGIN SELECT RAISE(ABORT, 'replay ledger is append-only: UPDATE of withdrawals refused'); END;
CREATE TRIGGER withdrawals_no_delete BEFORE DELETE ON withdrawals
BEGIN SELECT RAISE(ABORT, 'replay ledger is append-only: DELETE from withdrawals refused'); END;
CREATE TRIGGER replay_keys_no_update BEFORE UPDATE ON replay_keys
BEGIN SELECT RAISE(ABORT, 'replay ledger is append-only: UPDATE of replay_keys refused'); END;
CREATE TRIGGER replay_keys_no_delete BEFORE DELETE ON replay_keys
BEGIN SELECT RAISE(ABORT, 'replay ledger is append-only: DELETE from replay_keys refused'); END;
`;

const HEX64 = (column: string) => `length(${column}) = 64 AND ${column} NOT GLOB '*[^0-9a-f]*'`;

const appendOnly = (table: string) => `
CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, 'replay ledger is append-only: UPDATE of ${table} refused'); END;
CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
BEGIN SELECT RAISE(ABORT, 'replay ledger is append-only: DELETE from ${table} refused'); END;`;

const V2 = `
CREATE TABLE payments (
  withdrawal_id TEXT PRIMARY KEY REFERENCES withdrawals (withdrawal_id),
  asset_key TEXT NOT NULL CHECK (length(asset_key) > 0),
  amount TEXT NOT NULL CHECK (length(amount) BETWEEN 1 AND 78 AND amount NOT GLOB '*[^0-9]*'),
  destination_key TEXT NOT NULL CHECK (length(destination_key) > 0),
  signed_at TEXT NOT NULL
) STRICT;

CREATE INDEX payments_by_asset_time ON payments (asset_key, signed_at);

CREATE TABLE batch_events (
  seq INTEGER PRIMARY KEY,
  batch_digest TEXT NOT NULL CHECK (${HEX64('batch_digest')}),
  batch_id TEXT NOT NULL CHECK (length(batch_id) > 0),
  state TEXT NOT NULL CHECK (state IN ('imported', 'reviewed', 'approved', 'signed', 'exported')),
  at TEXT NOT NULL
) STRICT;

CREATE INDEX batch_events_by_digest ON batch_events (batch_digest, seq);

CREATE TABLE freeze_events (
  seq INTEGER PRIMARY KEY,
  frozen INTEGER NOT NULL CHECK (frozen IN (0, 1)),
  operators TEXT NOT NULL CHECK (length(operators) > 0),
  reason TEXT NOT NULL,
  motion_digest TEXT NOT NULL CHECK (${HEX64('motion_digest')}),
  at TEXT NOT NULL
) STRICT;

CREATE TABLE motions_applied (
  motion_digest TEXT PRIMARY KEY CHECK (${HEX64('motion_digest')}),
  kind TEXT NOT NULL CHECK (length(kind) > 0),
  operators TEXT NOT NULL CHECK (length(operators) > 0),
  applied_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;
${appendOnly('payments')}
${appendOnly('batch_events')}
${appendOnly('freeze_events')}
${appendOnly('motions_applied')}
`;

/** `LEDGER_MIGRATIONS[i]` takes schema version i to i + 1. */
export const LEDGER_MIGRATIONS: readonly string[] = Object.freeze([V1, V2]);
