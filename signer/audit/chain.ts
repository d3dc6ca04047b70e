/**
 * Walking an audit chain and naming the first broken row. Pure: the rows come from the SQLite file
 * (audit-log.ts) or from an export (export-format.ts); both get the same verdicts.
 *
 * Each row must have seq = previous seq + 1 (row 1 first), prevHash = the previous row's hash (GENESIS_HASH
 * for row 1), hash = entryHash(row), and well-formed fields. At the first row that fails, the walk
 * tells the kind of tampering from the evidence, and stops:
 * - `deleted`: a seq gap; or a row whose hash holds only under a higher seq (rows before it were
 *   deleted and the rest renumbered);
 * - `inserted`: a row followed by one that chains past it, or a row chaining to a row further back
 *   (rows in between were inserted), or a seq that appears twice;
 * - `reordered`: a row chaining to a row that comes after it, or a seq that appears early;
 * - `changed`: a row whose content no longer gives its hash; or a row that still gives its hash but whose
 *   successor chains elsewhere (it was rewritten and its hash recomputed);
 * - `malformed`: fields that cannot be a row (unreadable export line, unknown action, payload not JCS);
 * - with an anchor (a head seen before, e.g. by the online node): `truncated` when the log now ends before
 *   it, `diverged` when the row at its seq has another hash (the log was rewritten from there on).
 *
 * What a keyless hash chain cannot see: rows appended at the end, and a rewrite of the tail with every
 * hash recomputed. Only an anchor kept elsewhere catches the latter; keep the last verified head.
 */

import type { AuditHead } from './entry.js';
import {
  checkHead,
  EMPTY_HEAD,
  entryHash,
  GENESIS_HASH,
  rowShapeProblem,
  type StoredRow,
  shortHash,
} from './entry.js';

export type AuditProblem =
  | 'changed'
  | 'deleted'
  | 'inserted'
  | 'reordered'
  | 'malformed'
  | 'truncated'
  | 'diverged'
  /** The file's append-only triggers were removed or altered (rows may be intact). */
  | 'schema-altered';

export type AuditVerifyResult =
  | { readonly ok: true; readonly rows: number; readonly head: AuditHead }
  | { readonly ok: false; readonly seq: number; readonly problem: AuditProblem; readonly message: string };

export interface VerifyOptions {
  /** A head verified before: the log must still contain it, unchanged. */
  readonly anchor?: AuditHead;
}

/** A row that could not be read at all (an export line that is not a row). */
export interface UnreadableRow {
  readonly seq: number;
  readonly unreadable: string;
}

export interface ChainSource {
  /** The rows in stored order (by seq in the file, by line in an export). */
  readonly rows: Iterable<StoredRow | UnreadableRow>;
  /** The seq of a row whose stored hash is `hash`, if any. Asked only once a link is broken. */
  seqOfHash(hash: string): number | undefined;
  /** Whether some row has this seq. Asked only at a seq gap. */
  hasSeq(seq: number): boolean;
}

type Failure = Extract<AuditVerifyResult, { ok: false }>;

const fail = (seq: number, problem: AuditProblem, message: string): Failure => ({
  ok: false,
  seq,
  problem,
  message,
});

/** Renumbered rows are recognised up to this many deletions before them. */
const MAX_SHIFT = 64;

export function walkChain(source: ChainSource, options: VerifyOptions = {}): AuditVerifyResult {
  const { anchor } = options;
  if (anchor !== undefined) checkHead('anchor', anchor);
  let prev: AuditHead = EMPTY_HEAD;
  let anchorHash: string | undefined = anchor?.seq === 0 ? GENESIS_HASH : undefined;
  let rows = 0;
  const it = source.rows[Symbol.iterator]();
  let current = it.next();
  while (!current.done) {
    const row = current.value;
    const next = it.next();
    if ('unreadable' in row) return fail(row.seq, 'malformed', row.unreadable);
    const after = next.done || 'unreadable' in next.value ? undefined : next.value;
    const broken = checkRow(row, prev, after, source);
    if (broken !== undefined) return broken;
    if (anchor !== undefined && row.seq === anchor.seq) anchorHash = row.hash;
    prev = { seq: row.seq, hash: row.hash };
    rows++;
    current = next;
  }
  if (anchor !== undefined) {
    if (anchor.seq > prev.seq) {
      return fail(
        prev.seq + 1,
        'truncated',
        `the log ends at row ${prev.seq}, but row ${anchor.seq} (hash ${shortHash(anchor.hash)}) was verified before: ` +
          (anchor.seq === prev.seq + 1
            ? `row ${anchor.seq} is gone`
            : `row ${prev.seq + 1} to row ${anchor.seq} are gone`),
      );
    }
    if (anchorHash !== anchor.hash) {
      return fail(
        anchor.seq,
        'diverged',
        `row ${anchor.seq} has hash ${shortHash(anchorHash ?? '')}, but ${shortHash(anchor.hash)} was verified before: ` +
          `the log up to row ${anchor.seq} was rewritten`,
      );
    }
  }
  return { ok: true, rows, head: prev };
}

function checkRow(
  row: StoredRow,
  prev: AuditHead,
  after: StoredRow | undefined,
  source: ChainSource,
): Failure | undefined {
  const expectedSeq = prev.seq + 1;
  if (row.seq <= prev.seq) {
    return fail(row.seq, 'inserted', `a second row numbered ${row.seq} comes after row ${prev.seq}`);
  }
  if (row.seq > expectedSeq) {
    if (source.hasSeq(expectedSeq)) {
      return fail(
        row.seq,
        'reordered',
        `row ${row.seq} comes before row ${expectedSeq}: rows were reordered`,
      );
    }
    const missing =
      row.seq - expectedSeq === 1 ? `row ${expectedSeq} is` : `rows ${expectedSeq} to ${row.seq - 1} are`;
    return fail(expectedSeq, 'deleted', `${missing} missing: row ${row.seq} follows row ${prev.seq}`);
  }
  let computed: string;
  try {
    computed = entryHash(row);
  } catch (err) {
    return fail(row.seq, 'malformed', `row ${row.seq} cannot be hashed: ${(err as Error).message}`);
  }
  if (row.prevHash !== prev.hash) return brokenLink(row, prev, after, computed, source);
  if (computed !== row.hash) {
    if (after !== undefined && after.prevHash === row.prevHash && after.prevHash !== row.hash) {
      return fail(
        row.seq,
        'inserted',
        `row ${row.seq} was inserted: the row after it chains to row ${prev.seq}, and its own hash does not verify`,
      );
    }
    return fail(
      row.seq,
      'changed',
      `row ${row.seq} was changed: its content hashes to ${shortHash(computed)}, the row says ${shortHash(row.hash)}`,
    );
  }
  const shape = rowShapeProblem(row);
  if (shape !== undefined) return fail(row.seq, 'malformed', `row ${row.seq}: ${shape}`);
  return undefined;
}

/** `row.prevHash` is not the previous row's hash: find out why from where it points. */
function brokenLink(
  row: StoredRow,
  prev: AuditHead,
  after: StoredRow | undefined,
  computed: string,
  source: ChainSource,
): Failure {
  const target = row.prevHash === GENESIS_HASH ? 0 : source.seqOfHash(row.prevHash);
  if (target !== undefined && target > row.seq) {
    return fail(
      row.seq,
      'reordered',
      `row ${row.seq} chains to row ${target}, which comes after it: rows were reordered`,
    );
  }
  if (target !== undefined && target < prev.seq) {
    const inserted =
      target + 1 === prev.seq ? `row ${prev.seq} was` : `rows ${target + 1} to ${prev.seq} were`;
    return fail(target + 1, 'inserted', `${inserted} inserted: row ${row.seq} chains to row ${target}`);
  }
  if (computed === row.hash) {
    if (prev.seq === 0) {
      return fail(row.seq, 'changed', `row ${row.seq} does not chain to the genesis hash`);
    }
    return fail(
      prev.seq,
      'changed',
      `row ${prev.seq} was changed and its hash recomputed: row ${row.seq} chains to ${shortHash(row.prevHash)}, ` +
        `not to ${shortHash(prev.hash)}`,
    );
  }
  for (let shift = 1; shift <= MAX_SHIFT; shift++) {
    if (entryHash({ ...row, seq: row.seq + shift }) === row.hash) {
      const deleted = shift === 1 ? 'a row' : `${shift} rows`;
      return fail(
        row.seq,
        'deleted',
        `${deleted} before row ${row.seq} ${shift === 1 ? 'was' : 'were'} deleted and the rows after it renumbered: ` +
          `this row was written as row ${row.seq + shift}`,
      );
    }
  }
  if (after !== undefined && after.prevHash === prev.hash) {
    return fail(
      row.seq,
      'inserted',
      `row ${row.seq} was inserted: the row after it chains to row ${prev.seq}`,
    );
  }
  return fail(
    row.seq,
    'changed',
    `row ${row.seq} was changed: it chains to ${shortHash(row.prevHash)}, but row ${prev.seq} has hash ${shortHash(prev.hash)}`,
  );
}
