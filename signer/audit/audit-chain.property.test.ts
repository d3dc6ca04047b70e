/**
 * The chain walker's verdicts (chain.ts), as properties over random logs and random single tamperings
 * done the way an attacker with raw access would: edit a row (with or without recomputing its hash),
 * edit a link, delete a row (with or without renumbering the rest), insert a row (well or badly hashed),
 * swap two rows, rewrite the tail with every hash recomputed, append. Each must be named with the exact
 * problem and seq; what a keyless chain cannot see (an append, a fully recomputed tail) must be caught by
 * an anchor where the anchor can catch it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type AuditProblem, type ChainSource, walkChain } from './chain.js';
import { AUDIT_ACTIONS, type AuditHead, entryHash, GENESIS_HASH, type StoredRow } from './entry.js';

type Draft = Omit<StoredRow, 'hash'>;

function seal(draft: Draft): StoredRow {
  return { ...draft, hash: entryHash(draft) };
}

/** A valid chain of `n` rows. */
function chain(n: number, salt: number): StoredRow[] {
  const rows: StoredRow[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const row = seal({
      seq,
      time: new Date(Date.UTC(2026, 10, 26, 9, 0, seq)).toISOString(),
      actor: seq % 3 === 0 ? 'appliance' : `operator:op${seq % 4}`,
      action: AUDIT_ACTIONS[(seq + salt) % AUDIT_ACTIONS.length]!,
      payload: JSON.stringify({ n: seq, salt }),
      prevHash,
    });
    rows.push(row);
    prevHash = row.hash;
  }
  return rows;
}

function sourceOf(rows: readonly StoredRow[]): ChainSource {
  return {
    rows,
    seqOfHash: (hash) => rows.find((r) => r.hash === hash)?.seq,
    hasSeq: (seq) => rows.some((r) => r.seq === seq),
  };
}

const headOf = (rows: readonly StoredRow[]): AuditHead => {
  const last = rows[rows.length - 1];
  return last === undefined ? { seq: 0, hash: GENESIS_HASH } : { seq: last.seq, hash: last.hash };
};

const renumber = (rows: StoredRow[], from: number, by: number): StoredRow[] =>
  rows.map((r) => (r.seq >= from ? { ...r, seq: r.seq + by } : r));

const editedPayload = (r: StoredRow): string => JSON.stringify({ forged: r.payload });

interface Case {
  readonly rows: StoredRow[];
  /** Expected verdict without an anchor: undefined = ok. */
  readonly plain?: { problem: AuditProblem; seq: number };
  /** Expected verdict with the original head as anchor: undefined = ok. */
  readonly anchored?: { problem: AuditProblem; seq: number };
}

type Tamper = (rows: StoredRow[], k: number, m: number) => Case;

/** k and m are 1-based seqs, 1 <= k < m <= n. */
const TAMPERS: Record<string, Tamper> = {
  'edit a payload': (rows, k) => {
    const out = rows.map((r) => (r.seq === k ? { ...r, payload: editedPayload(r) } : r));
    return { rows: out, plain: { problem: 'changed', seq: k }, anchored: { problem: 'changed', seq: k } };
  },
  'edit a payload and recompute its hash': (rows, k) => {
    const out = rows.map((r) => (r.seq === k ? seal({ ...r, payload: editedPayload(r) }) : r));
    const n = rows.length;
    if (k === n) return { rows: out, anchored: { problem: 'diverged', seq: n } };
    return { rows: out, plain: { problem: 'changed', seq: k }, anchored: { problem: 'changed', seq: k } };
  },
  'edit a link': (rows, k) => {
    const out = rows.map((r) => (r.seq === k ? { ...r, prevHash: 'e'.repeat(64) } : r));
    return { rows: out, plain: { problem: 'changed', seq: k }, anchored: { problem: 'changed', seq: k } };
  },
  'delete a row': (rows, k) => {
    const out = rows.filter((r) => r.seq !== k);
    const n = rows.length;
    if (k === n) return { rows: out, anchored: { problem: 'truncated', seq: n } };
    return { rows: out, plain: { problem: 'deleted', seq: k }, anchored: { problem: 'deleted', seq: k } };
  },
  'delete a row and renumber the rest': (rows, k) => {
    const out = renumber(
      rows.filter((r) => r.seq !== k),
      k + 1,
      -1,
    );
    const n = rows.length;
    if (k === n) return { rows: out, anchored: { problem: 'truncated', seq: n } };
    return { rows: out, plain: { problem: 'deleted', seq: k }, anchored: { problem: 'deleted', seq: k } };
  },
  'delete two rows and renumber the rest': (rows, k, m) => {
    const out = renumber(
      rows.filter((r) => r.seq !== k && r.seq !== k + 1),
      k + 2,
      -2,
    );
    const n = rows.length;
    if (k + 1 >= n) return { rows: out, anchored: { problem: 'truncated', seq: k } };
    void m;
    return { rows: out, plain: { problem: 'deleted', seq: k }, anchored: { problem: 'deleted', seq: k } };
  },
  'insert a well-hashed row': (rows, k) => {
    const prev = rows[k - 2]?.hash ?? GENESIS_HASH;
    const forged = seal({
      seq: k,
      time: rows[k - 1]!.time,
      actor: 'operator:mallory',
      action: 'approval',
      payload: '{}',
      prevHash: prev,
    });
    const out = [...renumber(rows, k, 1), forged].sort((a, b) => a.seq - b.seq);
    return { rows: out, plain: { problem: 'inserted', seq: k }, anchored: { problem: 'inserted', seq: k } };
  },
  'insert a badly hashed row': (rows, k) => {
    const forged: StoredRow = {
      seq: k,
      time: rows[k - 1]!.time,
      actor: 'operator:mallory',
      action: 'approval',
      payload: '{}',
      prevHash: 'd'.repeat(64),
      hash: 'c'.repeat(64),
    };
    const out = [...renumber(rows, k, 1), forged].sort((a, b) => a.seq - b.seq);
    return { rows: out, plain: { problem: 'inserted', seq: k }, anchored: { problem: 'inserted', seq: k } };
  },
  'swap two rows': (rows, k, m) => {
    const a = rows[k - 1]!;
    const b = rows[m - 1]!;
    const out = rows.map((r) => (r.seq === k ? { ...b, seq: k } : r.seq === m ? { ...a, seq: m } : r));
    return { rows: out, plain: { problem: 'reordered', seq: k }, anchored: { problem: 'reordered', seq: k } };
  },
  'rewrite the tail with every hash recomputed': (rows, k) => {
    const out: StoredRow[] = rows.slice(0, k - 1);
    let prevHash = rows[k - 2]?.hash ?? GENESIS_HASH;
    for (const r of rows.slice(k - 1)) {
      const row = seal({ ...r, payload: r.seq === k ? editedPayload(r) : r.payload, prevHash });
      out.push(row);
      prevHash = row.hash;
    }
    return { rows: out, anchored: { problem: 'diverged', seq: rows.length } };
  },
  'append a well-hashed row': (rows) => {
    const last = headOf(rows);
    const appended = seal({
      seq: last.seq + 1,
      time: rows[0]!.time,
      actor: 'appliance',
      action: 'export',
      payload: 'null',
      prevHash: last.hash,
    });
    return { rows: [...rows, appended] };
  },
};

test('the untouched chain verifies, with and without its own head as anchor', () => {
  for (const n of [0, 1, 2, 17]) {
    const rows = chain(n, n);
    assert.deepEqual(walkChain(sourceOf(rows)), { ok: true, rows: n, head: headOf(rows) });
    assert.equal(walkChain(sourceOf(rows), { anchor: headOf(rows) }).ok, true);
    assert.equal(walkChain(sourceOf(rows), { anchor: { seq: 0, hash: GENESIS_HASH } }).ok, true);
  }
});

test('every single tampering is named with its problem and seq (property)', () => {
  const names = Object.keys(TAMPERS);
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 25 }),
      fc.constantFrom(...names),
      fc.nat(),
      fc.nat(),
      fc.nat(),
      (n, name, kSeed, mSeed, salt) => {
        const rows = chain(n, salt);
        const k = 1 + (kSeed % (n - 1));
        const m = k + 1 + (mSeed % (n - k));
        const c = TAMPERS[name]!(rows, k, m);
        const where = `${name}, n=${n}, k=${k}, m=${m}`;
        const plain = walkChain(sourceOf(c.rows));
        const anchored = walkChain(sourceOf(c.rows), { anchor: headOf(rows) });
        for (const [verdict, expected] of [
          [plain, c.plain],
          [anchored, c.anchored],
        ] as const) {
          if (expected === undefined) {
            assert.equal(verdict.ok, true, `${where}: ${JSON.stringify(verdict)}`);
          } else {
            assert.equal(verdict.ok, false, `${where}: not detected`);
            assert.ok(!verdict.ok);
            assert.deepEqual(
              { problem: verdict.problem, seq: verdict.seq },
              expected,
              `${where}: ${verdict.message}`,
            );
            assert.ok(
              verdict.message.includes(String(expected.seq)),
              `${where}: message names the row: ${verdict.message}`,
            );
          }
        }
      },
    ),
    { numRuns: 600 },
  );
});

test('out-of-order and repeated rows in a stored order (exports) are reordered and inserted', () => {
  const rows = chain(6, 1);
  const moved = [rows[0]!, rows[1]!, rows[3]!, rows[2]!, rows[4]!, rows[5]!];
  assert.deepEqual(pick(walkChain(sourceOf(moved))), { problem: 'reordered', seq: 4 });
  const repeated = [rows[0]!, rows[1]!, rows[2]!, rows[2]!, rows[3]!];
  assert.deepEqual(pick(walkChain(sourceOf(repeated))), { problem: 'inserted', seq: 3 });
});

test('a row whose fields were rewritten into nonsense but rehashed is malformed', () => {
  const rows = chain(4, 2);
  const bad = rows.slice(0, 3);
  bad.push(seal({ ...rows[3]!, action: 'erase-everything' }));
  assert.deepEqual(pick(walkChain(sourceOf(bad))), { problem: 'malformed', seq: 4 });
});

test('an anchor beyond the end is truncation; a bad anchor is a TypeError', () => {
  const rows = chain(5, 3);
  assert.deepEqual(pick(walkChain(sourceOf(rows.slice(0, 3)), { anchor: headOf(rows) })), {
    problem: 'truncated',
    seq: 4,
  });
  assert.throws(() => walkChain(sourceOf(rows), { anchor: { seq: -1, hash: GENESIS_HASH } }), TypeError);
  assert.throws(() => walkChain(sourceOf(rows), { anchor: { seq: 2, hash: 'xyz' } }), TypeError);
});

function pick(v: ReturnType<typeof walkChain>): unknown {
  return v.ok ? v : { problem: v.problem, seq: v.seq };
}
