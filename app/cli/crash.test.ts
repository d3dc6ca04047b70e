/**
 * Crash test of the signing ceremony (issue 4): `airlock sign` is SIGKILLed at random moments 50
 * times while it signs an approved batch, then restarted. Afterwards: every result file that exists
 * is complete and byte-identical to the final one (one signature per withdrawal, ever: the HSM's
 * random k would make any second signing differ), the audit chain verifies after every kill, and
 * no approval is lost. Real SoftHSM2 tokens and SQLite files; nothing mocked.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot } from '../../test-support/paths.js';
import { EXIT } from './exit-codes.js';

const BIN = join(repoRoot, 'bin', 'airlock.js');
let root: string;
let appliance: string;
let online: string;
let transfer: string;
let signingPin: string;
/** SoftHSM2's token.object of the signing token and a copy of it (see softHsmTokenDamaged). */
let tokenObject: string;
let tokenObjectCopy: Buffer;
/** 1.5x how long an uninterrupted `airlock sign` takes here, so kills land in every phase of it. */
let killWindowMs: number;

/**
 * SoftHSM2 (the test HSM) rewrites its token.object file in place on every successful C_Login, so a
 * SIGKILL landing inside that write can truncate it: an artifact of a software token living in
 * files beside the process, not of Airlock (a hardware HSM keeps its state in the device). When that
 * happens the test puts SoftHSM2's file back and counts it; Airlock's own state (ledger, audit log,
 * approvals) is never repaired.
 */
function softHsmTokenDamaged(): boolean {
  return !existsSync(tokenObject) || statSync(tokenObject).size !== tokenObjectCopy.length;
}

function env(home: string): NodeJS.ProcessEnv {
  const { SOFTHSM2_CONF: _own, ...rest } = process.env;
  return { ...rest, AIRLOCK_HOME: home };
}

function airlock(home: string, args: string[], input = '') {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', env: env(home) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Start `airlock sign`, kill it with SIGKILL after `delayMs` unless it ended first. */
function signKilledAfter(
  out: string,
  delayMs: number,
): Promise<{ code: number | null; killed: boolean; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [BIN, 'sign', join(transfer, 'batch2.json'), '--out', out, '--pin-stdin'],
      {
        env: env(appliance),
        stdio: ['pipe', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.stdin.end(`${signingPin}\n`);
    let killed = false;
    const timer = setTimeout(() => {
      killed = child.kill('SIGKILL');
    }, delayMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, killed: killed && code === null, stderr });
    });
  });
}

before(() => {
  root = mkdtempSync(join(tmpdir(), 'airlock-crash-'));
  const demoHome = join(root, 'demo');
  const demo = airlock(root, ['demo', '--home', demoHome]);
  assert.equal(demo.code, EXIT.OK, demo.stderr);
  appliance = join(demoHome, 'appliance');
  online = join(demoHome, 'online');
  transfer = join(demoHome, 'transfer');
  signingPin = /airlock-signing\s+user PIN (\d+)/.exec(demo.stdout)![1]!;
  const coordinatorPin = /online-coordinator" user PIN (\d+)/.exec(demo.stdout)![1]!;
  const tokens = join(appliance, 'softhsm', 'tokens');
  const signingDir = readdirSync(tokens).find((d) =>
    readFileSync(join(tokens, d, 'token.object')).includes(Buffer.from('airlock-signing')),
  );
  assert.ok(signingDir, 'the signing token directory');
  tokenObject = join(tokens, signingDir, 'token.object');
  tokenObjectCopy = readFileSync(tokenObject);
  // Time a whole `airlock sign` run of the demo's (signed) batch: start-up, inspection, policy,
  // approvals, ledger, writing. Signing a new batch adds the HSM on top.
  const t0 = performance.now();
  const timed = airlock(
    appliance,
    ['sign', join(transfer, 'batch.json'), '--out', join(root, 'timing.json'), '--pin-stdin'],
    `${signingPin}\n`,
  );
  assert.equal(timed.code, EXIT.OK, timed.stderr);
  killWindowMs = Math.ceil(1.5 * (performance.now() - t0));
  const cardPin = (card: string) => new RegExp(`${card}\\s+user PIN (\\d+)`).exec(demo.stdout)![1]!;

  // A second batch: new ids, new outpoints, the next Ethereum nonces.
  const intents = JSON.parse(readFileSync(join(repoRoot, 'samples', 'intents.json'), 'utf8'));
  intents.batchId = 'crash-test-001';
  let n = 0;
  for (const w of intents.withdrawals) {
    w.id = `${w.id}-crash`;
    if (w.bitcoin) {
      for (const u of w.bitcoin.utxos)
        u.txid = createHash('sha256').update(`crash-utxo-${n++}`).digest('hex');
    } else {
      w.ethereum.nonce = String(Number(w.ethereum.nonce) + 2);
    }
  }
  writeFileSync(join(root, 'intents2.json'), JSON.stringify(intents));
  const built = airlock(
    online,
    [
      'online',
      'build',
      join(root, 'intents2.json'),
      '--appliance',
      join(transfer, 'appliance-public.json'),
      '--out',
      join(transfer, 'batch2.json'),
      '--pin-stdin',
    ],
    `${coordinatorPin}\n`,
  );
  assert.equal(built.code, EXIT.OK, built.stderr);
  for (const [id, card] of [
    ['alice', 'airlock-card-1'],
    ['bob', 'airlock-card-2'],
    ['carol', 'airlock-card-3'],
  ] as const) {
    const approved = airlock(
      appliance,
      ['approve', join(transfer, 'batch2.json'), '--operator', id, '--pin-stdin'],
      `${cardPin(card)}\n`,
    );
    assert.equal(approved.code, EXIT.OK, approved.stderr);
  }
});
after(() => rmSync(root, { recursive: true, force: true }));

test('SIGKILL at random points 50 times during signing: no double signature, a valid audit chain, no lost approval', async (t) => {
  let killedRuns = 0;
  let finishedRuns = 0;
  let killedBeforeFirstSignature = 0;
  let softHsmRepairs = 0;
  // Until 50 runs were killed (at most 200 runs): kill points spread over start-up, inspection, policy,
  // approvals, HSM signing, ledger, audit and writing; once the batch is signed, over the re-export path.
  for (let i = 0; i < 200 && killedRuns < 50; i++) {
    const run = await signKilledAfter(
      join(transfer, `crash-result-${i}.json`),
      Math.floor(Math.random() * killWindowMs),
    );
    if (run.killed) {
      killedRuns++;
      if (finishedRuns === 0) killedBeforeFirstSignature++;
    } else if (run.code !== EXIT.OK && softHsmTokenDamaged()) {
      writeFileSync(tokenObject, tokenObjectCopy);
      softHsmRepairs++;
    } else {
      assert.equal(run.code, EXIT.OK, `run ${i} ended with exit ${run.code}: ${run.stderr.slice(-600)}`);
      finishedRuns++;
    }
    const audited = airlock(appliance, ['audit', 'verify']);
    assert.equal(audited.code, EXIT.OK, `audit chain broken after run ${i}: ${audited.stderr}`);
  }
  t.diagnostic(
    `${killedRuns} runs killed (${killedBeforeFirstSignature} before the batch was first signed), ${finishedRuns} finished, ` +
      `SoftHSM2 token file put back ${softHsmRepairs} time(s)`,
  );
  assert.equal(killedRuns, 50);

  if (softHsmTokenDamaged()) {
    writeFileSync(tokenObject, tokenObjectCopy);
    softHsmRepairs++;
  }
  const final = airlock(
    appliance,
    [
      'sign',
      join(transfer, 'batch2.json'),
      '--out',
      join(transfer, 'crash-result-final.json'),
      '--pin-stdin',
    ],
    `${signingPin}\n`,
  );
  assert.equal(final.code, EXIT.OK, final.stderr);
  const finalBytes = readFileSync(join(transfer, 'crash-result-final.json'));
  const results = readdirSync(transfer).filter((f) => /^crash-result-\d+\.json$/.test(f));
  assert.ok(results.length >= finishedRuns, 'every finished run left its result file');
  for (const f of results) {
    assert.deepEqual(
      readFileSync(join(transfer, f)),
      finalBytes,
      `${f} differs from the final result: signed twice`,
    );
  }
  // Every withdrawal signed once; the online node verifies the result.
  const verified = airlock(online, [
    'online',
    'verify',
    join(transfer, 'crash-result-final.json'),
    '--batch',
    join(transfer, 'batch2.json'),
    '--appliance',
    join(transfer, 'appliance-public.json'),
  ]);
  assert.equal(verified.code, EXIT.OK, verified.stderr);
  assert.match(verified.stdout, /result verified: 4 withdrawal\(s\)/);
  // No approval lost: three for the demo batch and three for this one are still stored.
  const stored = readdirSync(join(appliance, 'approvals')).flatMap((d) =>
    readdirSync(join(appliance, 'approvals', d)).filter((f) => /^(alice|bob|carol)\.json$/.test(f)),
  );
  assert.equal(stored.length, 6);
});
