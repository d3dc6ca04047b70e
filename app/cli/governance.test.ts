/**
 * Governance under the quorum, as operators run it on the command line, on the main job's appliance
 * (real SoftHSM2 cards, SQLite ledger and audit log): freeze by one admin and unfreeze by the quorum;
 * a policy change with rollback protection; Airlock's PIN lock-out and its quorum unlock; removing,
 * re-keying and enrolling operators; a motion carried out once; every step in the audit chain.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodePng } from '../../qr-transport/image/png.js';
import { scanGray } from '../../qr-transport/image/scan.js';
import { repoRoot } from '../../test-support/paths.js';
import { EXIT } from './exit-codes.js';

let root: string;
let appliance: string;
let transfer: string;
let demoOut: string;

function airlock(args: string[], input = '', home = appliance) {
  const { SOFTHSM2_CONF: _ignored, ...base } = process.env;
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'airlock.js'), ...args], {
    input,
    encoding: 'utf8',
    env: { ...base, AIRLOCK_HOME: home },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const pin = (label: string): string => {
  const m = new RegExp(`${label}\\s+user PIN (\\d+)`).exec(demoOut)?.[1];
  assert.ok(m, `no PIN for ${label}`);
  return `${m}\n`;
};
const CARD = { alice: 'airlock-card-1', bob: 'airlock-card-2', carol: 'airlock-card-3' } as const;
const as = (id: keyof typeof CARD) => pin(CARD[id]);
const motionIdOf = (stdout: string): string => {
  const m = /motion ([0-9a-f]{16}) proposed|joining open motion ([0-9a-f]{16})/.exec(stdout);
  assert.ok(m, stdout);
  return (m[1] ?? m[2])!;
};

/** A second batch from the online node (two withdrawals, the default 2 of 3), inspected on the appliance. */
function secondBatch(n: number): string {
  const intents = JSON.parse(readFileSync(join(repoRoot, 'samples', 'intents.json'), 'utf8'));
  intents.batchId = `gov-${n}`;
  intents.withdrawals = [intents.withdrawals[0]];
  intents.withdrawals[0].id = `wd-gov-${n}`;
  intents.withdrawals[0].bitcoin.utxos[0].txid = `${n}`.padStart(2, '0').repeat(32);
  const intentsFile = join(transfer, `gov-intents-${n}.json`);
  writeFileSync(intentsFile, JSON.stringify(intents));
  const batch = join(transfer, `gov-batch-${n}.json`);
  const built = airlock(
    [
      'online',
      'build',
      intentsFile,
      '--appliance',
      join(transfer, 'appliance-public.json'),
      '--out',
      batch,
      '--pin-stdin',
    ],
    pin('coordinator token "[^"]+"'),
    join(root, 'online'),
  );
  assert.equal(built.code, EXIT.OK, built.stderr);
  const inspected = airlock(['inspect', batch]);
  assert.equal(inspected.code, EXIT.OK, inspected.stderr);
  return batch;
}

before(() => {
  root = mkdtempSync(join(tmpdir(), 'airlock-gov-'));
  appliance = join(root, 'appliance');
  transfer = join(root, 'transfer');
  const r = airlock(['demo', '--home', root], '', root);
  assert.equal(r.code, EXIT.OK, r.stderr);
  demoOut = r.stdout;
});
after(() => rmSync(root, { recursive: true, force: true }));

test('freeze: one admin at once (not an operator); nothing is approved while frozen; only the quorum unfreezes', () => {
  const notAdmin = airlock(['freeze', '--operator', 'bob', '--reason', 'x', '--pin-stdin'], as('bob'));
  assert.equal(notAdmin.code, EXIT.REFUSED, notAdmin.stderr);
  assert.match(notAdmin.stderr, /bob is not an admin; a freeze is an admin's/);

  const frozen = airlock(['freeze', '--operator', 'alice', '--reason', 'drill', '--pin-stdin'], as('alice'));
  assert.equal(frozen.code, EXIT.OK, frozen.stderr);
  assert.match(
    frozen.stdout,
    /CARRIED OUT: motion [0-9a-f]{16}: freeze the appliance \(drill\) \(approved by alice\)/,
  );
  assert.match(airlock(['status']).stdout, /FROZEN since .* by alice: drill/);
  const again = airlock(['freeze', '--operator', 'alice', '--pin-stdin'], as('alice'));
  assert.equal(again.code, EXIT.REFUSED);
  assert.match(again.stderr, /frozen already/);

  const batch = secondBatch(1);
  const refused = airlock(['approve', batch, '--operator', 'alice', '--pin-stdin'], as('alice'));
  assert.equal(refused.code, EXIT.REFUSED, refused.stderr);
  assert.match(refused.stderr, /PolicyViolation: the appliance is frozen/);

  // One approval is not the quorum; a second motion for the same unfreeze is joined, not duplicated.
  const bob = airlock(['unfreeze', '--operator', 'bob', '--pin-stdin'], as('bob'));
  assert.equal(bob.code, EXIT.OK, bob.stderr);
  assert.match(bob.stdout, /not carried out yet: .*needs 2 operators' approvals, has 1/);
  const id = motionIdOf(bob.stdout);
  assert.match(airlock(['status']).stdout, /FROZEN/);
  // Carol is no admin: with bob, two approvals but no admin.
  const carol = airlock(['motion', 'approve', id, '--operator', 'carol', '--pin-stdin'], as('carol'));
  assert.equal(carol.code, EXIT.OK, carol.stderr);
  assert.match(carol.stdout, /needs 1 admin\(s\) among its approvers, has 0/);
  const alice = airlock(['unfreeze', '--operator', 'alice', '--pin-stdin'], as('alice'));
  assert.equal(alice.code, EXIT.OK, alice.stderr);
  assert.match(alice.stdout, new RegExp(`joining open motion ${id}`));
  assert.match(alice.stdout, /CARRIED OUT: .*unfreeze the appliance/);
  assert.match(airlock(['status']).stdout, /^not frozen/);

  // Carried out once: a late approval of the same motion is refused.
  const late = airlock(['motion', 'approve', id, '--operator', 'alice', '--pin-stdin'], as('alice'));
  assert.equal(late.code, EXIT.REFUSED, late.stderr);
  assert.match(late.stderr, /carried out already/);

  const approved = airlock(['approve', batch, '--operator', 'alice', '--pin-stdin'], as('alice'));
  assert.equal(approved.code, EXIT.OK, approved.stderr);
});

test('policy change: proposed, approved by the quorum, installed; older or equal versions refused', () => {
  const policy = JSON.parse(readFileSync(join(root, 'policy.json'), 'utf8'));
  const same = join(root, 'policy-v1-again.json');
  writeFileSync(same, JSON.stringify(policy));
  const replay = airlock(['policy', 'propose', same]);
  assert.equal(replay.code, EXIT.REFUSED, replay.stderr);
  assert.match(replay.stderr, /policy version 1 is already installed/);

  const v2 = join(root, 'policy-v2.json');
  writeFileSync(v2, JSON.stringify({ ...policy, version: 2 }));
  const proposed = airlock(['policy', 'propose', v2, '--operator', 'bob', '--pin-stdin'], as('bob'));
  assert.equal(proposed.code, EXIT.OK, proposed.stderr);
  const id = motionIdOf(proposed.stdout);
  assert.match(airlock(['policy', 'show']).stdout, /^policy v1 /);
  const wrongKind = airlock(
    [
      'policy',
      'approve',
      motionIdOf(airlock(['operator', 'remove', '--id', 'carol']).stdout),
      '--operator',
      'alice',
      '--pin-stdin',
    ],
    as('alice'),
  );
  assert.equal(wrongKind.code, EXIT.USAGE, wrongKind.stderr);
  const approved = airlock(['policy', 'approve', id, '--operator', 'alice', '--pin-stdin'], as('alice'));
  assert.equal(approved.code, EXIT.OK, approved.stderr);
  assert.match(approved.stdout, /CARRIED OUT: .*install policy v2/);
  assert.match(airlock(['policy', 'show']).stdout, /^policy v2 /);

  // The motion for carol's removal was proposed under v1: with v2 in force it has lapsed.
  const lapsed = airlock(['motion', 'list']).stdout;
  assert.doesNotMatch(lapsed, /remove operator carol/);
});

test("Airlock's PIN lock-out: five wrong PINs lock carol's card, the right PIN is refused, the quorum unlocks it", () => {
  const batch = secondBatch(2);
  for (let i = 1; i <= 5; i++) {
    const wrong = airlock(['approve', batch, '--operator', 'carol', '--pin-stdin'], '00000000\n');
    assert.equal(wrong.code, EXIT.PIN, wrong.stderr);
  }
  const locked = airlock(['approve', batch, '--operator', 'carol', '--pin-stdin'], as('carol'));
  assert.equal(locked.code, EXIT.PIN, locked.stderr);
  assert.match(locked.stderr, /PinLockedOutError/);

  const one = airlock(
    ['pin', 'unlock', '--token', CARD.carol, '--operator', 'alice', '--pin-stdin'],
    as('alice'),
  );
  assert.equal(one.code, EXIT.OK, one.stderr);
  assert.match(one.stdout, /not carried out yet/);
  const two = airlock(
    ['pin', 'unlock', '--token', CARD.carol, '--operator', 'bob', '--pin-stdin'],
    as('bob'),
  );
  assert.equal(two.code, EXIT.OK, two.stderr);
  assert.match(
    two.stdout,
    /CARRIED OUT: .*unlock the PIN of "user-pin" on token "airlock-card-3" \(approved by alice, bob\)/,
  );

  const unlocked = airlock(['approve', batch, '--operator', 'carol', '--pin-stdin'], as('carol'));
  assert.equal(unlocked.code, EXIT.OK, unlocked.stderr);
});

test('operators: removal under the quorum (never below a quorum), enrolment after the first policy needs the quorum', () => {
  const batch = secondBatch(3);
  const carolApproves = airlock(['approve', batch, '--operator', 'carol', '--pin-stdin'], as('carol'));
  assert.equal(carolApproves.code, EXIT.OK, carolApproves.stderr);

  const a = airlock(
    ['operator', 'remove', '--id', 'carol', '--operator', 'alice', '--pin-stdin'],
    as('alice'),
  );
  assert.equal(a.code, EXIT.OK, a.stderr);
  const b = airlock(['operator', 'remove', '--id', 'carol', '--operator', 'bob', '--pin-stdin'], as('bob'));
  assert.equal(b.code, EXIT.OK, b.stderr);
  assert.match(b.stdout, /CARRIED OUT: .*remove operator carol/);
  assert.doesNotMatch(airlock(['operator', 'list']).stdout, /carol/);
  // Carol's approval of the unsigned batch died with her enrolment.
  const sign = airlock(
    ['sign', batch, '--out', join(transfer, 'gov-3-result.json'), '--pin-stdin'],
    pin('airlock-signing'),
  );
  assert.equal(sign.code, EXIT.REFUSED, sign.stderr);
  assert.match(sign.stderr, /needs 2 operators' approvals, has 0/);

  // Two operators left and a quorum of 2: removing another is refused.
  const tooFew = airlock(['operator', 'remove', '--id', 'bob']);
  assert.equal(tooFew.code, EXIT.REFUSED, tooFew.stderr);
  assert.match(tooFew.stderr, /would leave 1 operator\(s\), fewer than the 2 every quorum needs/);

  // Enrolling dave on the freed card is a motion now; he counts only once the quorum carries it out.
  const dave = airlock(
    ['operator', 'enroll', '--id', 'dave', '--role', 'operator', '--card-token', CARD.carol, '--pin-stdin'],
    as('carol'),
  );
  assert.equal(dave.code, EXIT.OK, dave.stderr);
  const id = motionIdOf(dave.stdout);
  assert.doesNotMatch(airlock(['operator', 'list']).stdout, /dave/);
  const daveTooSoon = airlock(['motion', 'approve', id, '--operator', 'dave', '--pin-stdin'], as('carol'));
  assert.equal(daveTooSoon.code, EXIT.REFUSED);
  assert.match(daveTooSoon.stderr, /operator dave is not enrolled/);
  for (const who of ['alice', 'bob'] as const) {
    const r = airlock(['motion', 'approve', id, '--operator', who, '--pin-stdin'], as(who));
    assert.equal(r.code, EXIT.OK, r.stderr);
  }
  assert.match(airlock(['operator', 'list']).stdout, /dave {2}operator {2}card "airlock-card-3"/);
  const daveApproves = airlock(['approve', batch, '--operator', 'dave', '--pin-stdin'], as('carol'));
  assert.equal(daveApproves.code, EXIT.OK, daveApproves.stderr);

  // Re-keying: bob's key moves to another card only with the quorum (alice and dave here).
  const rekey = airlock(['operator', 'rekey', '--id', 'bob', '--card-token', CARD.bob]);
  assert.equal(rekey.code, EXIT.USAGE, rekey.stderr);
  assert.match(rekey.stderr, /re-keying moves it to another card/);
});

test('every governance step is in the audit chain, which still verifies', () => {
  const verified = airlock(['audit', 'verify']);
  assert.equal(verified.code, EXIT.OK, verified.stderr);
  const exported = join(root, 'audit-export.json');
  assert.equal(airlock(['audit', 'export', '--out', exported]).code, EXIT.OK);
  const rows = readFileSync(exported, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => JSON.parse(line) as { action: string });
  const actions = new Set(rows.map((r) => r.action));
  for (const a of [
    'motion-proposal',
    'motion-approval',
    'freeze',
    'unfreeze',
    'policy-change',
    'unlock',
    'operator-removal',
    'enrolment',
    'pin-failure',
  ])
    assert.ok(actions.has(a), `audit has no ${a} row`);
});

test('the signing PIN in custodian shares: printable QR codes that scan back; too few or mistyped shares sign nothing', () => {
  const dir = join(root, 'custodians');
  const shares = [1, 2, 3].map((n) => readFileSync(join(dir, `share-${n}-of-3.txt`), 'utf8').trim());
  for (const [i, text] of shares.entries()) {
    assert.match(text, /^airlock-share:v1:[0-9a-f]{8}:2-of-3:\d:[a-z2-7]+:[0-9a-f]{8}$/);
    const scanned = scanGray(decodePng(readFileSync(join(dir, `share-${i + 1}-of-3.png`))));
    assert.equal(scanned?.text, text.toUpperCase());
  }
  assert.ok(!/airlock-signing\s+user PIN/.test(readFileSync(join(dir, 'share-1-of-3.txt'), 'utf8')));

  const batch = secondBatch(4);
  for (const who of ['alice', 'bob'] as const) {
    const r = airlock(['approve', batch, '--operator', who, '--pin-stdin'], as(who));
    assert.equal(r.code, EXIT.OK, r.stderr);
  }
  const out = join(transfer, 'gov-4-result.json');
  const one = airlock(['sign', batch, '--out', out, '--shares-stdin'], `${shares[0]}\n`);
  assert.equal(one.code, EXIT.PIN, one.stderr);
  assert.match(one.stderr, /1 custodian share\(s\) given, 2 needed/);
  const typo = `${shares[1]!.slice(0, -1)}${shares[1]!.endsWith('0') ? '1' : '0'}`;
  const mistyped = airlock(['sign', batch, '--out', out, '--shares-stdin'], `${shares[0]}\n${typo}\n`);
  assert.equal(mistyped.code, EXIT.PIN, mistyped.stderr);
  assert.match(mistyped.stderr, /ShareError/);
  assert.equal(existsSync(out), false);
  const signed = airlock(['sign', batch, '--out', out, '--shares-stdin'], `${shares[2]}\n${shares[1]}\n`);
  assert.equal(signed.code, EXIT.OK, signed.stderr);
  assert.equal(existsSync(out), true);
});
