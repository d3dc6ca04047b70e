/**
 * Crash safety of the audit log: a child process (crash-appender.ts) appends groups of entries, one
 * transaction each, and is killed with SIGKILL at random moments, mostly inside an append; after each kill
 * the file must pass SQLite's integrity check, the chain must verify from the genesis hash, every
 * acknowledged group must be there, each group whole or absent, and the appender must resume the chain.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { canonicalJson } from '../format/canonical.js';
import { AuditLog } from './audit-log.js';
import { crashGroup } from './crash-appender.js';

const APPENDER = fileURLToPath(new URL('./crash-appender.js', import.meta.url));
const ROUNDS = 10;
const GROUP = 200;

async function runAndKill(
  path: string,
  target: number,
  delayMs: number,
): Promise<{ acked: number; inFlight: boolean }> {
  const child = spawn(process.execPath, [APPENDER, path, String(GROUP)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let acked = -1;
  let appending = -1;
  let pending = '';
  let stderr = '';
  let killing = false;
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith('append ')) appending = Number(line.slice(7));
      else acked = Math.max(acked, Number(line));
    }
    if (!killing && appending >= target) {
      killing = true;
      setTimeout(() => child.kill('SIGKILL'), delayMs);
    }
  });
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  assert.equal(signal, 'SIGKILL', `the appender ended by itself (code ${code}): ${stderr}`);
  return { acked: acked + 1, inFlight: appending > acked };
}

test('SIGKILL in the middle of appends: the chain verifies, groups are whole or absent, appends resume', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-audit-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'audit.sqlite');
  AuditLog.open(path, { create: true }).close();
  let seed = Date.now() >>> 0;
  const random = (n: number): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed % n;
  };
  const initialSeed = seed;
  let groups = 0;
  let killedInFlight = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const run = await runAndKill(path, groups + random(3), random(4));
    if (run.inFlight) killedInFlight++;
    const acked = Math.max(groups, run.acked);
    const where = `seed ${initialSeed}, round ${round}`;
    const log = AuditLog.open(path);
    try {
      assert.deepEqual(log.integrityCheck(), [], where);
      const verdict = log.verify();
      assert.ok(verdict.ok, `${where}: ${JSON.stringify(verdict)}`);
      assert.equal(verdict.rows % GROUP, 0, `${where}: ${verdict.rows} rows is not whole groups`);
      const found = verdict.rows / GROUP;
      assert.ok(
        found >= acked && found <= acked + 1,
        `${where}: ${acked} groups acknowledged, ${found} in the file`,
      );
      if (found > 0) {
        const lastGroup = log.rows({ fromSeq: (found - 1) * GROUP + 1, limit: GROUP });
        assert.deepEqual(
          lastGroup.map((r) => [r.actor, r.action, r.payload]),
          crashGroup(found - 1, GROUP).map((e) => [e.actor, e.action, canonicalJson(e.payload)]),
          where,
        );
      }
      groups = found;
    } finally {
      log.close();
    }
  }
  t.diagnostic(`seed ${initialSeed}: ${killedInFlight} of ${ROUNDS} kills landed inside an append`);
  assert.ok(
    killedInFlight >= ROUNDS / 4,
    `seed ${initialSeed}: only ${killedInFlight} of ${ROUNDS} kills hit an append`,
  );
});
