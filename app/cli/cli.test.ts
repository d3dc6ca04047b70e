/**
 * The `airlock` command as a user runs it: real SoftHSM2 tokens in a fresh data directory,
 * PINs on standard input, stable exit codes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import Database from 'better-sqlite3';
import { repoRoot } from '../../test-support/paths.js';
import { EXIT } from './exit-codes.js';

let home: string;
let pins: Map<string, string>;

function airlock(args: string[], input = '', env: Record<string, string> = {}) {
  const { SOFTHSM2_CONF: _ignored, ...base } = process.env;
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'airlock.js'), ...args], {
    input,
    encoding: 'utf8',
    env: { ...base, AIRLOCK_HOME: home, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(() => {
  home = mkdtempSync(join(tmpdir(), 'airlock-cli-'));
  const r = airlock(['demo-init']);
  assert.equal(r.code, EXIT.OK, r.stderr);
  pins = new Map([...r.stdout.matchAll(/^\s+(\S+)\s+user PIN (\d+)/gm)].map((m) => [m[1]!, m[2]!]));
});
after(() => rmSync(home, { recursive: true, force: true }));

test('demo-init provisions one signing token and three operator cards inside AIRLOCK_HOME, PINs printed once', () => {
  assert.deepEqual([...pins.keys()].sort(), [
    'airlock-card-1',
    'airlock-card-2',
    'airlock-card-3',
    'airlock-signing',
  ]);
  const r = airlock(['hsm', 'tokens', '--json']);
  assert.equal(r.code, EXIT.OK, r.stderr);
  const listed = JSON.parse(r.stdout) as { tokens: { label: string; flags: { initialized: boolean } }[] };
  assert.deepEqual(
    listed.tokens
      .filter((t) => t.flags.initialized)
      .map((t) => t.label)
      .sort(),
    [...pins.keys()].sort(),
  );
  // A second demo-init refuses to overwrite the demo without --force.
  assert.equal(airlock(['demo-init']).code, EXIT.USAGE);
});

test('keygen, pubkey and sign: secp256k1 low-S and ed25519 signatures verify against the printed public key', () => {
  const pin = `${pins.get('airlock-signing')}\n`;
  const digest = 'ab'.repeat(32);
  for (const curve of ['secp256k1', 'ed25519'] as const) {
    const label = `cli-${curve}`;
    const gen = airlock(['hsm', 'keygen', '--curve', curve, '--label', label, '--pin-stdin'], pin);
    assert.equal(gen.code, EXIT.OK, gen.stderr);
    const pub = airlock(['hsm', 'pubkey', '--label', label]);
    assert.equal(pub.code, EXIT.OK, pub.stderr);
    const publicKey = Buffer.from(pub.stdout.trim(), 'hex');
    const sign = airlock(['hsm', 'sign', '--label', label, '--digest', digest, '--pin-stdin'], pin);
    assert.equal(sign.code, EXIT.OK, sign.stderr);
    const sig = Buffer.from(sign.stdout.trim(), 'hex');
    const msg = Buffer.from(digest, 'hex');
    const ok =
      curve === 'secp256k1'
        ? secp256k1.verify(sig, msg, publicKey, { prehash: false, lowS: true })
        : ed25519.verify(sig, msg, publicKey);
    assert.equal(ok, true, `${curve} signature does not verify`);
  }
  const dup = airlock(['hsm', 'keygen', '--curve', 'ed25519', '--label', 'cli-ed25519', '--pin-stdin'], pin);
  assert.equal(dup.code, EXIT.HSM);
  assert.match(dup.stderr, /DuplicateLabelError: a key labelled "cli-ed25519" already exists/);
});

test('a wrong PIN exits 5 with the token PIN state; PINs are never accepted on the command line', () => {
  const wrong = airlock(
    ['hsm', 'sign', '--label', 'cli-secp256k1', '--digest', '00'.repeat(32), '--pin-stdin'],
    '99999999\n',
  );
  assert.equal(wrong.code, EXIT.PIN);
  assert.match(wrong.stderr, /wrong PIN for token "airlock-signing"/);
  const argvPin = airlock(['hsm', 'sign', '--label', 'x', '--digest', '00'.repeat(32), '--pin', '1234']);
  assert.equal(argvPin.code, EXIT.USAGE);
  const noTerminal = airlock(['hsm', 'sign', '--label', 'x', '--digest', '00'.repeat(32)]);
  assert.equal(noTerminal.code, EXIT.PIN);
  assert.match(noTerminal.stderr, /--pin-stdin/);
});

test('Airlock locks a PIN after 5 wrong entries, even though SoftHSM2 never does; the right PIN is then refused too', () => {
  const card = [
    'hsm',
    'sign',
    '--token',
    'airlock-card-3',
    '--label',
    'none',
    '--digest',
    '11'.repeat(32),
    '--pin-stdin',
  ];
  for (let i = 1; i <= 5; i++) {
    const wrong = airlock(card, '00000000\n');
    assert.equal(wrong.code, EXIT.PIN, wrong.stderr);
    assert.match(
      wrong.stderr,
      i < 5
        ? new RegExp(`${5 - i} more wrong PIN`)
        : /Airlock has now locked the PIN of token "airlock-card-3"/,
    );
  }
  const right = airlock(card, `${pins.get('airlock-card-3')}\n`);
  assert.equal(right.code, EXIT.PIN);
  assert.match(right.stderr, /PinLockedOutError/);
  // The token itself still accepts the PIN: the lock is Airlock's own.
  const other = airlock(
    [
      'hsm',
      'sign',
      '--token',
      'airlock-card-2',
      '--label',
      'none',
      '--digest',
      '11'.repeat(32),
      '--pin-stdin',
    ],
    `${pins.get('airlock-card-2')}\n`,
  );
  assert.equal(other.code, EXIT.HSM); // logged in, then: no key "none" on the card
});

test('bad input gets a typed error and a stable exit code', () => {
  const shortDigest = airlock(['hsm', 'sign', '--label', 'x', '--digest', 'abcd', '--pin-stdin'], '1\n');
  assert.equal(shortDigest.code, EXIT.USAGE);
  assert.match(shortDigest.stderr, /--digest must be 32 bytes/);
  const noToken = airlock(['hsm', 'pubkey', '--label', 'x', '--token', 'no-such-token']);
  assert.equal(noToken.code, EXIT.HSM);
  assert.match(noToken.stderr, /no token labelled "no-such-token"/);
  const badCurve = airlock(['hsm', 'keygen', '--curve', 'p256', '--label', 'x', '--pin-stdin'], '1\n');
  assert.equal(badCurve.code, EXIT.USAGE);
  assert.equal(airlock(['no-such-command']).code, EXIT.USAGE);
});

test('a broken airlock.json is a configuration error naming the file and the setting', () => {
  const other = mkdtempSync(join(tmpdir(), 'airlock-cfg-'));
  try {
    writeFileSync(
      join(other, 'airlock.json'),
      JSON.stringify({ version: 1, pkcs11Module: '/x.so', signingToken: 's', operatorTokens: [], extra: 1 }),
    );
    const r = airlock(['hsm', 'tokens'], '', { AIRLOCK_HOME: other });
    assert.equal(r.code, EXIT.CONFIG);
    assert.match(r.stderr, /airlock\.json: unknown setting "extra"/);
    writeFileSync(
      join(other, 'airlock.json'),
      JSON.stringify({ version: 1, pkcs11Module: '/x.so', signingToken: 's', operatorTokens: [] }),
    );
    const badModule = airlock(['hsm', 'tokens'], '', {
      AIRLOCK_HOME: other,
      AIRLOCK_PKCS11_MODULE: '/nonexistent/libvendor.so',
    });
    assert.equal(badModule.code, EXIT.HSM);
    assert.match(badModule.stderr, /cannot load PKCS#11 module "\/nonexistent\/libvendor\.so"/);
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});

let demoRun = '';

test('the main job (airlock demo): key ceremony, online build, inspect, policy, operators, approvals, sign, online verify', () => {
  const demoHome = join(home, 'demo');
  const r = airlock(['demo', '--home', demoHome]);
  assert.equal(r.code, EXIT.OK, r.stderr);
  assert.match(r.stdout, /4 withdrawal\(s\) decoded from their raw transactions and matched to the batch/);
  assert.match(r.stdout, /installed policy v1 \(digest [0-9a-f]{64}\)/);
  for (const id of ['alice', 'bob', 'carol']) {
    assert.match(
      r.stdout,
      new RegExp(`enrolled (admin|operator) ${id}: card "airlock-card-\\d" key operator-${id}`),
    );
    assert.match(r.stdout, new RegExp(`approved by ${id} \\(card signature and WebAuthn assertion verified`));
  }
  assert.match(r.stdout, /SOFTWARE AUTHENTICATOR FOR TESTS AND DEMO ONLY/);
  // The sample's large withdrawals (the 0.02 BTC multisig, the 2500 USDC) need the 3-approval tier.
  assert.match(
    r.stdout,
    /POLICY: 3 of 3 operators must approve this batch; flagged \(destination never paid before\): wd-btc-0001, wd-btc-0002, wd-eth-0001, wd-usdc-0001/,
  );
  assert.match(r.stdout, /wd-btc-0001: 142.5 USD, default, needs 2, new destination/);
  assert.match(r.stdout, /wd-btc-0002: 1900 USD, tier 1, needs 3/);
  assert.match(r.stdout, /QUORUM: 3 verified approval\(s\) of 3 required: alice, bob, carol/);
  assert.doesNotMatch(r.stdout, /--dev-unapproved/);
  assert.match(r.stdout, /signed 4 withdrawal\(s\) of batch demo-2026-11-26-001/);
  const sa = JSON.parse(
    readFileSync(join(demoHome, 'appliance', 'software-authenticators', 'alice.json'), 'utf8'),
  );
  assert.equal(sa.warning, 'software authenticator for tests and demo only');
  assert.equal(
    statSync(join(demoHome, 'appliance', 'software-authenticators', 'alice.json')).mode & 0o777,
    0o600,
  );
  assert.match(
    r.stdout,
    /result verified: 4 withdrawal\(s\), every signature checked against the enrolled keys/,
  );
  // The online node's fingerprint and the appliance's are the same string.
  const prints = [...r.stdout.matchAll(/FINGERPRINT ([0-9a-f-]{19} \([a-z ]+\))/g)].map((m) => m[1]);
  assert.equal(prints.length, 7, r.stdout); // online build, inspect, 3 approvals, sign, sign again
  assert.equal(new Set(prints).size, 1);

  // A batch whose words changed after signing: inspect --json reports the refusal, exit 3; sign refuses
  // before asking for a PIN and writes nothing.
  const appliance = join(demoHome, 'appliance');
  const batch = JSON.parse(readFileSync(join(demoHome, 'transfer', 'batch.json'), 'utf8'));
  batch.withdrawals[0].destination = 'tb1qqzmsf2eeusasvlqgqsddwxkqvye9mqfp4drzl3';
  const tampered = join(demoHome, 'transfer', 'tampered.json');
  writeFileSync(tampered, JSON.stringify(batch));
  const inspected = airlock(['inspect', tampered, '--json'], '', { AIRLOCK_HOME: appliance });
  assert.equal(inspected.code, EXIT.REFUSED, inspected.stderr);
  const report = JSON.parse(inspected.stdout);
  assert.equal(report.ok, false);
  assert.equal(report.error.code, 'BATCH_SIGNATURE_INVALID');
  const out = join(demoHome, 'transfer', 'tampered-result.json');
  const signed = airlock(['sign', tampered, '--out', out, '--pin-stdin'], '00000000\n', {
    AIRLOCK_HOME: appliance,
  });
  assert.equal(signed.code, EXIT.REFUSED, signed.stderr);
  assert.match(signed.stderr, /BATCH_SIGNATURE_INVALID|does not verify/);
  assert.equal(existsSync(out), false);
  // The development flag of the batch issue is gone: signing always needs the quorum.
  const dev = airlock(['sign', tampered, '--out', out, '--dev-unapproved'], '', { AIRLOCK_HOME: appliance });
  assert.equal(dev.code, EXIT.USAGE, dev.stderr);
  // An edited audit row is found and named (the attacker bypasses the append-only triggers).
  const auditDb = join(appliance, 'audit.sqlite');
  const raw = new Database(auditDb);
  for (const t of raw.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as {
    name: string;
  }[]) {
    raw.exec(`DROP TRIGGER "${t.name}"`);
  }
  raw.prepare("UPDATE audit_log SET actor = 'cli:mallory' WHERE seq = 2").run();
  raw.close();
  const broken = airlock(['audit', 'verify'], '', { AIRLOCK_HOME: appliance });
  assert.equal(broken.code, EXIT.REFUSED, broken.stdout);
  assert.match(broken.stderr, /BROKEN at row 2 \(changed\)/);

  // Signing the genuine batch twice never overwrites the first result.
  const again = airlock(
    [
      'sign',
      join(demoHome, 'transfer', 'batch.json'),
      '--out',
      join(demoHome, 'transfer', 'result.json'),
      '--pin-stdin',
    ],
    '00000000\n',
    { AIRLOCK_HOME: appliance },
  );
  assert.equal(again.code, EXIT.USAGE);
  assert.match(again.stderr, /already exists/);

  // Running it again starts afresh (the demo home is recognised as the demo's own).
  const rerun = airlock(['demo', '--home', demoHome]);
  assert.equal(rerun.code, EXIT.OK, rerun.stderr);
  demoRun = rerun.stdout;
});

test('the quorum gates sign: one approval is not enough, one operator counts once, an edited approval is refused', () => {
  assert.ok(demoRun, 'needs the main job test before it');
  const demoHome = join(home, 'demo');
  const appliance = join(demoHome, 'appliance');
  const transfer = join(demoHome, 'transfer');
  const pinOf = (re: RegExp) => {
    const m = re.exec(demoRun)?.[1];
    assert.ok(m, `no PIN for ${re} in the demo output`);
    return `${m}\n`;
  };
  const onAppliance = { AIRLOCK_HOME: appliance };

  // A second, smaller batch from the same online node: 0.0015 BTC and 0.25 ETH, the default 2 of 3.
  const intents = JSON.parse(readFileSync(join(repoRoot, 'samples', 'intents.json'), 'utf8'));
  intents.batchId = 'demo-2026-11-26-002';
  intents.withdrawals = [intents.withdrawals[0], intents.withdrawals[2]];
  intents.withdrawals[0].id = 'wd-btc-1001';
  intents.withdrawals[0].bitcoin.utxos[0].txid = '11'.repeat(32);
  intents.withdrawals[1].id = 'wd-eth-1001';
  intents.withdrawals[1].ethereum.nonce = '2';
  const intentsFile = join(transfer, 'intents-2.json');
  writeFileSync(intentsFile, JSON.stringify(intents));
  const batch = join(transfer, 'batch-2.json');
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
    pinOf(/coordinator token "[^"]+" user PIN (\d+)/),
    { AIRLOCK_HOME: join(demoHome, 'online') },
  );
  assert.equal(built.code, EXIT.OK, built.stderr);

  const approveAs = (id: string, card: string) =>
    airlock(
      ['approve', batch, '--operator', id, '--pin-stdin'],
      pinOf(new RegExp(`${card}\\s+user PIN (\\d+)`)),
      onAppliance,
    );
  // Nobody approves a batch the appliance has not reviewed (airlock inspect): ILLEGAL_BATCH_STEP.
  const unreviewed = approveAs('alice', 'airlock-card-1');
  assert.equal(unreviewed.code, EXIT.REFUSED, unreviewed.stderr);
  assert.match(unreviewed.stderr, /batch demo-2026-11-26-002 is unknown: it must be reviewed/);
  const reviewed = airlock(['inspect', batch], '', onAppliance);
  assert.equal(reviewed.code, EXIT.OK, reviewed.stderr);
  assert.match(reviewed.stdout, /State on this appliance: reviewed/);

  const alice = approveAs('alice', 'airlock-card-1');
  assert.equal(alice.code, EXIT.OK, alice.stderr);
  assert.match(alice.stdout, /quorum not met yet: 1 of 2 approvals/);
  // The ledger's history reaches the policy: both destinations were paid by the first batch, so
  // neither is flagged any more.
  assert.doesNotMatch(alice.stdout, /flagged|new destination/);
  assert.match(alice.stdout, /POLICY: 2 of 3 operators must approve this batch/);

  // The same operator twice: refused before the card is asked.
  const twice = approveAs('alice', 'airlock-card-1');
  assert.equal(twice.code, EXIT.REFUSED, twice.stderr);
  assert.match(twice.stderr, /ApprovalError: operator alice approved batch demo-2026-11-26-002 already/);

  // One approval of two: QUORUM_NOT_MET, exit 3, no result, before any PIN.
  const result = join(transfer, 'result-2.json');
  const signingPin = pinOf(/airlock-signing\s+user PIN (\d+)/);
  const notMet = airlock(['sign', batch, '--out', result, '--pin-stdin'], signingPin, onAppliance);
  assert.equal(notMet.code, EXIT.REFUSED, notMet.stderr);
  assert.match(notMet.stderr, /needs 2 operators' approvals, has 1/);
  assert.equal(existsSync(result), false);

  const bob = approveAs('bob', 'airlock-card-2');
  assert.equal(bob.code, EXIT.OK, bob.stderr);
  assert.match(bob.stdout, /QUORUM MET: 2 of 2; batch demo-2026-11-26-002 is approved/);

  // An approval edited on disk fails the quorum core's verification: nothing is signed.
  const digest = /approvals\/([0-9a-f]{64})\/bob\.json/.exec(bob.stdout)?.[1];
  assert.ok(digest, bob.stdout);
  const aliceFile = join(appliance, 'approvals', digest, 'alice.json');
  const original = readFileSync(aliceFile, 'utf8');
  const stored = JSON.parse(original);
  const sig: string = stored.approval.cardSignature;
  stored.approval.cardSignature = `${sig[0] === '0' ? '1' : '0'}${sig.slice(1)}`;
  writeFileSync(aliceFile, JSON.stringify(stored));
  const tampered = airlock(['sign', batch, '--out', result, '--pin-stdin'], signingPin, onAppliance);
  assert.equal(tampered.code, EXIT.REFUSED, tampered.stderr);
  assert.match(tampered.stderr, /ApprovalError: operator alice: the smartcard signature does not verify/);
  assert.equal(existsSync(result), false);

  // Restored, the two approvals are a quorum and the batch signs.
  writeFileSync(aliceFile, original);
  const signed = airlock(['sign', batch, '--out', result, '--pin-stdin'], signingPin, onAppliance);
  assert.equal(signed.code, EXIT.OK, signed.stderr);
  assert.match(signed.stderr, /QUORUM: 2 verified approval\(s\) of 2 required: alice, bob/);
  assert.equal(existsSync(result), true);
  // Approvals die with the batch: once signed, no further approval is taken.
  const late = approveAs('carol', 'airlock-card-3');
  assert.equal(late.code, EXIT.REFUSED, late.stderr);
  assert.match(late.stderr, /approvals die with the batch once it is signed/);

  // The installed policy changes only through the quorum: a second `policy set` is refused.
  const again = airlock(['policy', 'set', join(demoHome, 'policy.json')], '', onAppliance);
  assert.equal(again.code, EXIT.REFUSED, again.stderr);
  assert.match(again.stderr, /a policy change needs the quorum/);
});
