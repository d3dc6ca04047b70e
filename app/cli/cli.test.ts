/**
 * The `airlock` command as a user runs it: real SoftHSM2 tokens in a fresh data directory,
 * PINs on standard input, stable exit codes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

test('the main job (airlock demo): key ceremony, online build, inspect, sign, online verify', () => {
  const demoHome = join(home, 'demo');
  const r = airlock(['demo', '--home', demoHome]);
  assert.equal(r.code, EXIT.OK, r.stderr);
  assert.match(r.stdout, /4 withdrawal\(s\) decoded from their raw transactions and matched to the batch/);
  assert.match(r.stdout, /signed 4 withdrawal\(s\) of batch demo-2026-11-26-001/);
  assert.match(
    r.stdout,
    /result verified: 4 withdrawal\(s\), every signature checked against the enrolled keys/,
  );
  // The online node's fingerprint and the appliance's are the same string.
  const prints = [...r.stdout.matchAll(/FINGERPRINT ([0-9a-f-]{19} \([a-z ]+\))/g)].map((m) => m[1]);
  assert.equal(prints.length, 4, r.stdout); // online build, inspect, sign, sign again
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
  const signed = airlock(['sign', tampered, '--out', out, '--dev-unapproved', '--pin-stdin'], '00000000\n', {
    AIRLOCK_HOME: appliance,
  });
  assert.equal(signed.code, EXIT.REFUSED, signed.stderr);
  assert.equal(existsSync(out), false);
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
      '--dev-unapproved',
      '--pin-stdin',
    ],
    '00000000\n',
    { AIRLOCK_HOME: appliance },
  );
  assert.equal(again.code, EXIT.USAGE);
  assert.match(again.stderr, /already exists/);

  // Running it again starts afresh (the demo home is recognised as the demo's own).
  assert.equal(airlock(['demo', '--home', demoHome]).code, EXIT.OK);
});
