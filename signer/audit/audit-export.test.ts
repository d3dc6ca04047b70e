/**
 * The audit export (airlock.audit-export/v1): exportLog → verifyExport round trip on the online side,
 * and tampered exports (edited, deleted, inserted, swapped, repeated, cut off, re-spelled lines, a forged
 * header, an anchor from an earlier export) each named with their problem and row.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { canonicalJson } from '../format/canonical.js';
import { AuditLog } from './audit-log.js';
import type { AuditVerifyResult } from './chain.js';
import { entryHash, GENESIS_HASH } from './entry.js';
import { EXPORT_FORMAT, verifyExport } from './export-format.js';

const AT = new Date('2026-11-26T09:00:00.000Z');

function exported(t: TestContext, n: number): { text: string; log: AuditLog } {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-audit-export-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = AuditLog.open(join(dir, 'audit.sqlite'), { create: true });
  t.after(() => log.close());
  log.append(
    Array.from({ length: n }, (_, i) => ({
      actor: i % 2 ? 'operator:alice' : 'appliance',
      action: i % 3 ? ('approval' as const) : ('sign' as const),
      payload: { batchId: `b-${i}`, amounts: ['0.5 BTC', '1 ETH'], note: 'é ✓ "quoted"' },
    })),
    AT,
  );
  return { text: log.exportLog().text, log };
}

const lines = (text: string): string[] => text.slice(0, -1).split('\n');
const join_ = (ls: readonly string[]): string => `${ls.join('\n')}\n`;

function problem(result: AuditVerifyResult): { problem: string; seq: number } | 'ok' {
  return result.ok ? 'ok' : { problem: result.problem, seq: result.seq };
}

test('export → verifyExport round trip: same rows, same head as the appliance verified', (t) => {
  const { text, log } = exported(t, 7);
  const ex = log.exportLog();
  assert.equal(ex.text, text);
  assert.equal(ex.rows, 7);
  assert.deepEqual(ex.head, log.head());
  const ls = lines(text);
  assert.equal(ls.length, 8);
  assert.deepEqual(JSON.parse(ls[0]!), { format: EXPORT_FORMAT, head: { hash: ex.head.hash, seq: 7 } });
  assert.deepEqual(JSON.parse(ls[1]!).payload, {
    amounts: ['0.5 BTC', '1 ETH'],
    batchId: 'b-0',
    note: 'é ✓ "quoted"',
  });
  assert.deepEqual(verifyExport(text), log.verify());
  assert.deepEqual(verifyExport(text, { anchor: log.head() }), { ok: true, rows: 7, head: log.head() });
});

test('an empty log exports a header only, and verifies', (t) => {
  const { text } = exported(t, 0);
  assert.equal(text, `{"format":"${EXPORT_FORMAT}","head":{"hash":"${GENESIS_HASH}","seq":0}}\n`);
  assert.deepEqual(verifyExport(text), { ok: true, rows: 0, head: { seq: 0, hash: GENESIS_HASH } });
});

test('a tampered export is named: edit, delete, insert, swap, repeat', (t) => {
  const { text } = exported(t, 8);
  const ls = lines(text);
  const row = (seq: number) => JSON.parse(ls[seq]!) as Record<string, unknown>;
  const edit = (seq: number, change: Record<string, unknown>) =>
    ls.map((l, i) => (i === seq ? canonicalJson({ ...row(seq), ...change }) : l));

  assert.deepEqual(problem(verifyExport(join_(edit(3, { payload: { batchId: 'b-2', forged: true } })))), {
    problem: 'changed',
    seq: 3,
  });
  assert.deepEqual(problem(verifyExport(join_(edit(5, { actor: 'operator:mallory' })))), {
    problem: 'changed',
    seq: 5,
  });
  assert.deepEqual(problem(verifyExport(join_(ls.filter((_, i) => i !== 4)))), {
    problem: 'deleted',
    seq: 4,
  });

  const forged = {
    seq: 4,
    time: AT.toISOString(),
    actor: 'operator:mallory',
    action: 'approval',
    payload: '{}',
    prevHash: row(3).hash as string,
  };
  const forgedLine = canonicalJson({ ...forged, hash: entryHash(forged), payload: {} });
  const shifted = ls.map((l, i) => (i >= 4 ? canonicalJson({ ...row(i), seq: i + 1 }) : l));
  const inserted = [...shifted.slice(0, 4), forgedLine, ...shifted.slice(4)];
  inserted[0] = ls[0]!.replace('"seq":8', '"seq":9');
  assert.deepEqual(problem(verifyExport(join_(inserted))), { problem: 'inserted', seq: 4 });

  const swapped = [...ls];
  [swapped[2], swapped[6]] = [swapped[6]!, swapped[2]!];
  assert.deepEqual(problem(verifyExport(join_(swapped))), { problem: 'reordered', seq: 6 });

  const repeated = [...ls.slice(0, 4), ls[3]!, ...ls.slice(4)];
  assert.deepEqual(problem(verifyExport(join_(repeated))), { problem: 'inserted', seq: 3 });
});

test('a cut-off or shortened export is truncated; rows beyond the header are inserted', (t) => {
  const { text } = exported(t, 6);
  assert.deepEqual(problem(verifyExport(text.slice(0, -40))), { problem: 'truncated', seq: 0 });
  const ls = lines(text);
  assert.deepEqual(problem(verifyExport(join_(ls.slice(0, 5)))), { problem: 'truncated', seq: 5 });
  const { text: longer } = exported(t, 7);
  const moreRows = [ls[0]!, ...lines(longer).slice(1)];
  assert.deepEqual(problem(verifyExport(join_(moreRows))), { problem: 'inserted', seq: 7 });
});

test('lines that are not canonical rows are malformed, naming the line', (t) => {
  const { text } = exported(t, 3);
  const ls = lines(text);
  const cases: [string[], number, RegExp][] = [
    [
      [ls[0]!, ls[1]!.replace('{"action"', '{ "action"'), ls[2]!, ls[3]!],
      1,
      /line 2 is not in RFC 8785 canonical form/,
    ],
    [[ls[0]!, ls[1]!, '{not json', ls[3]!], 2, /line 3 is not JSON/],
    [[ls[0]!, ls[1]!, ls[2]!, '{"seq":3}'], 3, /line 4 does not have exactly the members/],
    [
      [ls[0]!, ls[1]!, ls[2]!.replace('{"action"', '{"action":"x","action"'), ls[3]!],
      2,
      /line 3 is not in RFC 8785/,
    ],
  ];
  for (const [broken, seq, message] of cases) {
    const result = verifyExport(join_(broken));
    assert.deepEqual(problem(result), { problem: 'malformed', seq });
    assert.match(result.ok ? '' : result.message, message);
  }
  assert.deepEqual(
    problem(verifyExport(join_([ls[0]!.replace(EXPORT_FORMAT, 'other/v9'), ...ls.slice(1)]))),
    {
      problem: 'malformed',
      seq: 0,
    },
  );
  assert.deepEqual(problem(verifyExport('')), { problem: 'truncated', seq: 0 });
});

test('the header must name the real head: a forged head hash is "changed" at the last row', (t) => {
  const { text } = exported(t, 4);
  const ls = lines(text);
  const header = JSON.parse(ls[0]!) as { head: { hash: string } };
  const forged = [ls[0]!.replace(header.head.hash, 'a'.repeat(64)), ...ls.slice(1)];
  assert.deepEqual(problem(verifyExport(join_(forged))), { problem: 'changed', seq: 4 });
});

test('with the last verified head as anchor, a later export that dropped or rewrote rows is refused', (t) => {
  const { text, log } = exported(t, 5);
  const anchor = log.head();
  log.append([{ actor: 'appliance', action: 'export', payload: { to: 'usb' } }], AT);
  const later = log.exportLog().text;
  assert.equal(verifyExport(later, { anchor }).ok, true, 'a longer log still contains the anchor');
  assert.deepEqual(
    problem(verifyExport(join_(lines(text).slice(0, 4)).replace(/"seq":5}}/, '"seq":3}}'), { anchor })),
    {
      problem: 'truncated',
      seq: 4,
    },
  );
});
