/**
 * The replay ledger: what this appliance has signed, so that the same money is never signed twice,
 * after a restart or a crash too (issue 4, item 6).
 *
 * Per signed batch it holds the batch digest and id, the signed result bytes (exporting the batch again
 * returns exactly these bytes), and per withdrawal its id, chain and replay keys (Bitcoin outpoints,
 * Ethereum (chain id, account, nonce) and transaction hashes, from DecodedWithdrawal.replayKeys).
 *
 * Invariants:
 * - `checkBatch` refuses a batch one of whose withdrawal ids or replay keys was signed in another batch
 *   (`DUPLICATE_WITHDRAWAL_ID`, `DUPLICATE_SPEND`), naming the withdrawal, the key and the earlier batch;
 *   a batch with a digest already signed is not refused: its earlier result bytes are returned.
 * - `recordSigned` runs the same check and writes every row of the batch in ONE IMMEDIATE transaction:
 *   all rows or none, and two processes recording conflicting batches are serialised by SQLite's write
 *   lock, the second one refused. Under that, PRIMARY KEYs on withdrawal id and replay key make a double
 *   record impossible even for code that skipped the checks, and triggers make every table append-only.
 * - A commit returns only once it is on disk (WAL, synchronous=FULL; see sqlite-file.ts).
 * - Any storage failure is a `LedgerError`: the caller must then sign nothing.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import Database from 'better-sqlite3';
import { type BatchState, type BatchStep, nextBatchState } from '../batch-state.js';
import type { Chain } from '../chains/adapter.js';
import { RefusalError, refuse } from '../errors.js';
import { LedgerError, ledgerFail } from './errors.js';
import {
  type CheckedWithdrawal,
  type CheckOutcome,
  checkDigest,
  checkId,
  checkResultBytes,
  checkTime,
  checkWithdrawals,
  type LedgerWithdrawal,
  type RecordOutcome,
  type SignedBatchRecord,
  type SignedBatchSummary,
} from './records.js';
import { LEDGER_APPLICATION_ID, LEDGER_MIGRATIONS } from './schema.js';
import {
  alteredTriggers,
  mapSqliteError,
  type OpenOptions,
  openVersionedFile,
  sqliteProblems,
  triggersOf,
} from './sqlite-file.js';

const DAY_MS = 24 * 3_600_000;

/** The policy engine's view of the ledger (structurally signer/policy's PolicyHistory). */
export interface PolicyHistory {
  signedInLast24h(assetKey: string): bigint;
  readonly knownDestinations: ReadonlySet<string>;
}

export interface FreezeState {
  readonly frozen: boolean;
  /** ISO time of the last freeze or unfreeze; null when there was none. */
  readonly since: string | null;
  readonly operators: readonly string[];
  readonly reason: string;
  readonly motionDigest: string | null;
}

const SPEC = { what: 'replay ledger', applicationId: LEDGER_APPLICATION_ID, migrations: LEDGER_MIGRATIONS };
const EXPECTED_TRIGGERS = new Map(LEDGER_MIGRATIONS.flatMap((m) => [...triggersOf(m)]));

interface BatchRow {
  batch_id: string;
  signed_at: string;
  result: Buffer;
  result_sha256: string;
  withdrawal_count: number;
}

interface PriorUse {
  withdrawal_id: string;
  batch_digest: string;
  batch_id: string;
}

export class ReplayLedger {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #sql: {
    batch: Database.Statement<[string], BatchRow>;
    withdrawalIds: Database.Statement<[string], string>;
    withdrawal: Database.Statement<[string], PriorUse>;
    keyOwner: Database.Statement<[string], PriorUse>;
    insertBatch: Database.Statement<[string, string, string, Buffer, string, number]>;
    insertWithdrawal: Database.Statement<[string, string, number, Chain]>;
    insertKey: Database.Statement<[string, string]>;
    insertPayment: Database.Statement<[string, string, string, string, string]>;
    batchState: Database.Statement<[string], string>;
    insertBatchEvent: Database.Statement<[string, string, string, string]>;
  };
  readonly #checkTx: Database.Transaction<
    (digest: string, withdrawals: readonly CheckedWithdrawal[]) => CheckOutcome
  >;
  readonly #recordTx: Database.Transaction<
    (
      digest: string,
      batchId: string,
      withdrawals: readonly LedgerWithdrawal[],
      result: Uint8Array,
      signedAt: string,
    ) => RecordOutcome
  >;

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.#db = db;
    this.#sql = {
      batch: db.prepare(
        'SELECT batch_id, signed_at, result, result_sha256, withdrawal_count FROM batches WHERE batch_digest = ?',
      ),
      withdrawalIds: db
        .prepare<[string], string>(
          'SELECT withdrawal_id FROM withdrawals WHERE batch_digest = ? ORDER BY position',
        )
        .pluck(),
      withdrawal: db.prepare(
        `SELECT w.withdrawal_id, w.batch_digest, b.batch_id
           FROM withdrawals w JOIN batches b ON b.batch_digest = w.batch_digest
          WHERE w.withdrawal_id = ?`,
      ),
      keyOwner: db.prepare(
        `SELECT w.withdrawal_id, w.batch_digest, b.batch_id
           FROM replay_keys r
           JOIN withdrawals w ON w.withdrawal_id = r.withdrawal_id
           JOIN batches b ON b.batch_digest = w.batch_digest
          WHERE r.replay_key = ?`,
      ),
      insertBatch: db.prepare(
        `INSERT INTO batches (batch_digest, batch_id, signed_at, result, result_sha256, withdrawal_count)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      insertWithdrawal: db.prepare(
        'INSERT INTO withdrawals (withdrawal_id, batch_digest, position, chain) VALUES (?, ?, ?, ?)',
      ),
      insertKey: db.prepare('INSERT INTO replay_keys (replay_key, withdrawal_id) VALUES (?, ?)'),
      insertPayment: db.prepare(
        `INSERT INTO payments (withdrawal_id, asset_key, amount, destination_key, signed_at)
         VALUES (?, ?, ?, ?, ?)`,
      ),
      batchState: db
        .prepare<[string], string>(
          'SELECT state FROM batch_events WHERE batch_digest = ? ORDER BY seq DESC LIMIT 1',
        )
        .pluck(),
      insertBatchEvent: db.prepare(
        'INSERT INTO batch_events (batch_digest, batch_id, state, at) VALUES (?, ?, ?, ?)',
      ),
    };
    this.#checkTx = db.transaction((digest: string, withdrawals: readonly CheckedWithdrawal[]) =>
      this.#check(digest, withdrawals),
    );
    this.#recordTx = db.transaction((digest, batchId, withdrawals, result, signedAt): RecordOutcome => {
      const check = this.#check(digest, withdrawals);
      if (check.alreadySigned) return { recorded: false, ...check };
      const bytes = Buffer.from(result.buffer, result.byteOffset, result.byteLength);
      this.#sql.insertBatch.run(
        digest,
        batchId,
        signedAt,
        bytes,
        bytesToHex(sha256(result)),
        withdrawals.length,
      );
      withdrawals.forEach((w, position) => {
        this.#sql.insertWithdrawal.run(w.id, digest, position, w.chain);
        for (const key of w.replayKeys) this.#sql.insertKey.run(key, w.id);
        if (w.payment)
          this.#sql.insertPayment.run(
            w.id,
            w.payment.assetKey,
            w.payment.amount.toString(),
            w.payment.destinationKey,
            signedAt,
          );
      });
      // The batch's state moves to signed in the same transaction: a crash leaves both or neither.
      this.#step(digest, batchId, 'sign', signedAt);
      return { recorded: true, signedAt };
    });
  }

  /** Open the ledger file at `path` (`create: true` to start a new one). Throws LedgerError. */
  static open(path: string, options: OpenOptions = {}): ReplayLedger {
    return new ReplayLedger(path, openVersionedFile(path, SPEC, options, ledgerFail));
  }

  /**
   * Before signing: refuses (RefusalError) when a withdrawal id or replay key of the batch was signed in
   * another batch, or is used twice in this one; returns the earlier result when this very batch (same
   * digest) was signed already.
   */
  checkBatch(batchDigest: string, withdrawals: readonly CheckedWithdrawal[]): CheckOutcome {
    checkDigest('batchDigest', batchDigest);
    checkWithdrawals(withdrawals, false);
    return this.#guard('checking a batch', () => this.#checkTx.deferred(batchDigest, withdrawals));
  }

  /**
   * After signing, before exporting: records the batch in one transaction. Refuses like `checkBatch` when
   * another batch took one of its ids or keys in the meantime; when the same batch was recorded already,
   * records nothing and returns the earlier bytes, which are then the ones to export.
   */
  recordSigned(
    batchDigest: string,
    batchId: string,
    withdrawals: readonly LedgerWithdrawal[],
    resultBytes: Uint8Array,
    at: Date = new Date(),
  ): RecordOutcome {
    checkDigest('batchDigest', batchDigest);
    checkId('batchId', batchId);
    checkWithdrawals(withdrawals, true);
    checkResultBytes(resultBytes);
    checkTime('at', at);
    return this.#guard('recording a signed batch', () =>
      this.#recordTx.immediate(batchDigest, batchId, withdrawals, resultBytes, at.toISOString()),
    );
  }

  /** The state of the batch with this digest (signer/batch-state.ts), undefined if never seen. */
  batchState(batchDigest: string): BatchState | undefined {
    checkDigest('batchDigest', batchDigest);
    return this.#guard('reading a batch state', () => this.#sql.batchState.get(batchDigest) as BatchState);
  }

  /**
   * Take one step in the life of a batch (import, review, approval, quorum, export; `sign` is taken by
   * `recordSigned`). Refuses an illegal step (RefusalError ILLEGAL_BATCH_STEP); records a row only
   * when the state changes or the step is an export. Returns the new state.
   */
  stepBatch(
    batchDigest: string,
    batchId: string,
    step: Exclude<BatchStep, 'sign'>,
    at: Date = new Date(),
  ): BatchState {
    checkDigest('batchDigest', batchDigest);
    checkId('batchId', batchId);
    checkTime('at', at);
    return this.#guard('recording a batch step', () =>
      this.#db.transaction(() => this.#step(batchDigest, batchId, step, at.toISOString())).immediate(),
    );
  }

  /**
   * What the policy engine needs of the past (signer/policy PolicyHistory): the base units of each
   * asset signed in the 24 hours before `now`, and every destination ever paid.
   */
  policyHistory(now: Date): PolicyHistory {
    checkTime('now', now);
    return this.#guard('reading the payment history', () => {
      const since = new Date(now.getTime() - DAY_MS).toISOString();
      const sums = new Map<string, bigint>();
      for (const r of this.#db
        .prepare('SELECT asset_key, amount FROM payments WHERE signed_at > ? AND signed_at <= ?')
        .iterate(since, now.toISOString()) as Iterable<{ asset_key: string; amount: string }>) {
        sums.set(r.asset_key, (sums.get(r.asset_key) ?? 0n) + BigInt(r.amount));
      }
      const known = new Set(
        this.#db.prepare('SELECT DISTINCT destination_key FROM payments').pluck().all() as string[],
      );
      return { signedInLast24h: (assetKey: string) => sums.get(assetKey) ?? 0n, knownDestinations: known };
    });
  }

  /** The freeze state: the last freeze or unfreeze recorded (frozen: false when there was none). */
  freezeState(): FreezeState {
    return this.#guard('reading the freeze state', () => {
      const row = this.#db
        .prepare(
          'SELECT frozen, operators, reason, motion_digest, at FROM freeze_events ORDER BY seq DESC LIMIT 1',
        )
        .get() as
        | { frozen: number; operators: string; reason: string; motion_digest: string; at: string }
        | undefined;
      if (row === undefined)
        return { frozen: false, since: null, operators: [], reason: '', motionDigest: null };
      return {
        frozen: row.frozen === 1,
        since: row.at,
        operators: row.operators.split(','),
        reason: row.reason,
        motionDigest: row.motion_digest,
      };
    });
  }

  /** Whether the governance motion with this digest was carried out already. */
  motionApplied(motionDigest: string): { readonly kind: string; readonly appliedAt: string } | undefined {
    checkDigest('motionDigest', motionDigest);
    return this.#guard('reading a motion', () => {
      const row = this.#db
        .prepare('SELECT kind, applied_at FROM motions_applied WHERE motion_digest = ?')
        .get(motionDigest) as { kind: string; applied_at: string } | undefined;
      return row && { kind: row.kind, appliedAt: row.applied_at };
    });
  }

  /**
   * Carry out a governance motion once: records it and runs `apply` in one IMMEDIATE transaction (a
   * freeze or unfreeze is recorded here too). A motion applied before is refused (`MOTION_REPLAYED`):
   * the caller learns it from the thrown RefusalError and changes nothing.
   */
  applyMotion(
    motion: {
      readonly digest: string;
      readonly kind: string;
      readonly operators: readonly string[];
      readonly freeze?: { readonly frozen: boolean; readonly reason: string };
    },
    at: Date = new Date(),
    apply: () => void = () => {},
  ): void {
    checkDigest('motion.digest', motion.digest);
    checkTime('at', at);
    if (
      motion.operators.length === 0 ||
      motion.operators.some((o) => typeof o !== 'string' || o.includes(','))
    )
      throw new TypeError('"motion.operators" expected at least one operator id without commas');
    this.#guard('applying a motion', () =>
      this.#db
        .transaction(() => {
          const iso = at.toISOString();
          if (this.motionApplied(motion.digest) !== undefined)
            throw new RefusalError('MOTION_REPLAYED', `motion ${motion.digest} was carried out already`, {
              field: 'motion',
              expected: 'a motion not carried out before',
              found: 'carried out already',
            });
          this.#db
            .prepare(
              'INSERT INTO motions_applied (motion_digest, kind, operators, applied_at) VALUES (?, ?, ?, ?)',
            )
            .run(motion.digest, motion.kind, motion.operators.join(','), iso);
          if (motion.freeze)
            this.#db
              .prepare(
                'INSERT INTO freeze_events (frozen, operators, reason, motion_digest, at) VALUES (?, ?, ?, ?, ?)',
              )
              .run(
                motion.freeze.frozen ? 1 : 0,
                motion.operators.join(','),
                motion.freeze.reason,
                motion.digest,
                iso,
              );
          apply();
        })
        .immediate(),
    );
  }

  /** The signed batch with this digest, or undefined. */
  signedBatch(batchDigest: string): SignedBatchRecord | undefined {
    checkDigest('batchDigest', batchDigest);
    return this.#guard('reading a signed batch', () =>
      this.#db.transaction(() => this.#signed(batchDigest)).deferred(),
    );
  }

  /** Every signed batch, in the order recorded. */
  batches(): SignedBatchSummary[] {
    return this.#guard('listing signed batches', () =>
      (
        this.#db
          .prepare('SELECT batch_digest, batch_id, signed_at, withdrawal_count FROM batches ORDER BY rowid')
          .all() as { batch_digest: string; batch_id: string; signed_at: string; withdrawal_count: number }[]
      ).map((r) => ({
        batchDigest: r.batch_digest,
        batchId: r.batch_id,
        signedAt: r.signed_at,
        withdrawalCount: r.withdrawal_count,
      })),
    );
  }

  /** Row counts (for status screens and benchmarks). */
  counts(): { readonly batches: number; readonly withdrawals: number; readonly replayKeys: number } {
    return this.#guard('counting', () => {
      const count = (table: string) =>
        this.#db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
      return {
        batches: count('batches'),
        withdrawals: count('withdrawals'),
        replayKeys: count('replay_keys'),
      };
    });
  }

  /**
   * A full check of the file: SQLite's integrity and foreign-key checks, the append-only triggers, every
   * batch complete (as many withdrawals as recorded, each with a replay key) and every result matching its
   * SHA-256. Returns the problems, [] when sound. Reads everything: for start-up and `airlock` checks.
   */
  integrityCheck(): string[] {
    return this.#guard('checking the file', () => {
      const problems = [...sqliteProblems(this.#db), ...alteredTriggers(this.#db, EXPECTED_TRIGGERS)];
      const incomplete = this.#db
        .prepare(
          `SELECT b.batch_id, b.batch_digest, b.withdrawal_count,
                  (SELECT count(*) FROM withdrawals w WHERE w.batch_digest = b.batch_digest) AS found
             FROM batches b WHERE found <> b.withdrawal_count`,
        )
        .all() as { batch_id: string; batch_digest: string; withdrawal_count: number; found: number }[];
      for (const r of incomplete) {
        problems.push(
          `batch ${r.batch_id} (${r.batch_digest}) records ${r.withdrawal_count} withdrawals, ${r.found} found`,
        );
      }
      const keyless = this.#db
        .prepare(
          `SELECT withdrawal_id FROM withdrawals w
            WHERE NOT EXISTS (SELECT 1 FROM replay_keys r WHERE r.withdrawal_id = w.withdrawal_id)`,
        )
        .pluck()
        .all() as string[];
      for (const id of keyless) problems.push(`withdrawal ${id} has no replay key`);
      for (const r of this.#db
        .prepare('SELECT batch_id, result, result_sha256 FROM batches')
        .iterate() as Iterable<Pick<BatchRow, 'batch_id' | 'result' | 'result_sha256'>>) {
        if (bytesToHex(sha256(r.result)) !== r.result_sha256)
          problems.push(`the result of batch ${r.batch_id} does not match its SHA-256`);
      }
      return problems;
    });
  }

  get isOpen(): boolean {
    return this.#db.open;
  }

  /** Close the file. Idempotent. */
  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #step(digest: string, batchId: string, step: BatchStep, at: string): BatchState {
    const from = this.#sql.batchState.get(digest) as BatchState | undefined;
    const to = nextBatchState(from, step, batchId);
    if (to !== from || step === 'export') this.#sql.insertBatchEvent.run(digest, batchId, to, at);
    return to;
  }

  #signed(digest: string): SignedBatchRecord | undefined {
    const row = this.#sql.batch.get(digest);
    if (row === undefined) return undefined;
    if (bytesToHex(sha256(row.result)) !== row.result_sha256) {
      throw new LedgerError(
        'CORRUPT',
        `replay ledger: the stored result of batch ${row.batch_id} (${digest}) does not match its SHA-256`,
      );
    }
    const withdrawalIds = this.#sql.withdrawalIds.all(digest);
    if (withdrawalIds.length !== row.withdrawal_count) {
      throw new LedgerError(
        'CORRUPT',
        `replay ledger: batch ${row.batch_id} (${digest}) records ${row.withdrawal_count} withdrawals, ${withdrawalIds.length} found`,
      );
    }
    return {
      batchDigest: digest,
      batchId: row.batch_id,
      signedAt: row.signed_at,
      withdrawalIds,
      resultBytes: new Uint8Array(row.result),
    };
  }

  #check(digest: string, withdrawals: readonly CheckedWithdrawal[]): CheckOutcome {
    const earlier = this.#signed(digest);
    if (earlier !== undefined) {
      const given = withdrawals.map((w) => w.id);
      if (
        given.length !== earlier.withdrawalIds.length ||
        given.some((id, i) => id !== earlier.withdrawalIds[i])
      ) {
        // The digest covers every withdrawal: the caller passed withdrawals of another batch.
        throw new RangeError(
          `"withdrawals" are not those recorded for batch ${earlier.batchId} (${digest}): ` +
            `recorded ${earlier.withdrawalIds.join(', ')}; given ${given.join(', ')}`,
        );
      }
      return {
        alreadySigned: true,
        resultBytes: earlier.resultBytes,
        batchId: earlier.batchId,
        signedAt: earlier.signedAt,
      };
    }
    const idsInBatch = new Set<string>();
    const keysInBatch = new Map<string, string>();
    for (const w of withdrawals) {
      if (idsInBatch.has(w.id)) {
        refuse('DUPLICATE_WITHDRAWAL_ID', 'the batch holds this withdrawal id twice', {
          withdrawalId: w.id,
          field: 'id',
          expected: 'each withdrawal id once',
          found: `${w.id} twice`,
        });
      }
      idsInBatch.add(w.id);
      const prior = this.#sql.withdrawal.get(w.id);
      if (prior !== undefined) {
        refuse(
          'DUPLICATE_WITHDRAWAL_ID',
          `this withdrawal id was already signed in batch ${prior.batch_id}; a withdrawal is signed once`,
          {
            withdrawalId: w.id,
            field: 'id',
            expected: 'a withdrawal id never signed before',
            found: `signed in batch ${prior.batch_id} (digest ${prior.batch_digest})`,
          },
        );
      }
      for (const key of w.replayKeys) {
        const other = keysInBatch.get(key);
        if (other !== undefined) {
          refuse('DUPLICATE_SPEND', `withdrawals ${other} and ${w.id} spend the same ${key}`, {
            withdrawalId: w.id,
            field: 'replayKeys',
            expected: 'each outpoint and account nonce used once',
            found: `${key} also used by ${other} of this batch`,
          });
        }
        keysInBatch.set(key, w.id);
        const owner = this.#sql.keyOwner.get(key);
        if (owner !== undefined) {
          refuse(
            'DUPLICATE_SPEND',
            `${key} was already signed for withdrawal ${owner.withdrawal_id} in batch ${owner.batch_id}; the same money is never signed twice`,
            {
              withdrawalId: w.id,
              field: 'replayKeys',
              expected: 'an outpoint or account nonce never signed before',
              found: `${key} signed for withdrawal ${owner.withdrawal_id} in batch ${owner.batch_id} (digest ${owner.batch_digest})`,
            },
          );
        }
      }
    }
    return { alreadySigned: false };
  }

  #guard<T>(doing: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof RefusalError || err instanceof LedgerError) throw err;
      if (
        err instanceof Database.SqliteError &&
        (err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || err.code === 'SQLITE_CONSTRAINT_UNIQUE')
      ) {
        // Unreachable through this class (the checks run first, under the write lock); kept as the last
        // word of the schema: whatever reached SQLite, a second record of an id or key is refused.
        throw new RefusalError(
          'DUPLICATE_SPEND',
          `the replay ledger refused the record: ${err.message}; nothing of the batch was recorded`,
          { field: 'replayKeys', expected: 'ids and replay keys never signed before', found: err.message },
        );
      }
      throw mapSqliteError(err, doing, ledgerFail);
    }
  }
}
