/**
 * `airlock usb list|import|export` as an operator runs them (docs/usb.md): `node bin/airlock.js` on a
 * data directory whose registry enrols keys generated on a real SoftHSM2 token and the test coordinator,
 * a batch signed by that coordinator, and a "USB stick" that is a temporary directory holding that batch,
 * a tampered copy, a link to a file outside it and a signed result.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { AuditLog } from '../../signer/audit/index.js';
import { ReplayLedger } from '../../signer/ledger/index.js';
import { buildSignedBatch } from '../../signer/online/build.js';
import {
  ADDRESSES,
  APPLIANCE_KEY,
  type BatchFixture,
  COORDINATOR,
  createBatchFixture,
  draft,
  GWEI,
  sampleIntents,
  USDC,
} from '../../test-support/batch-fixture.js';
import { repoRoot } from '../../test-support/paths.js';
import { sampleSignedResult } from '../../test-support/sample-batch.js';
import { layoutOf } from '../config/home.js';
import { emptyRegistry, writeRegistry } from '../config/registry.js';
import { audit, auditPath, ledgerPath } from '../config/stores.js';
import { EXIT } from './exit-codes.js';

let fx: BatchFixture;
let base: string;
let home: string;
let stick: string;
let batchJson: string;

function airlock(args: string[], env: Record<string, string> = {}) {
  const { SOFTHSM2_CONF: _ignored, AIRLOCK_USB_ROOT: _root, ...rest } = process.env;
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'airlock.js'), ...args], {
    encoding: 'utf8',
    env: { ...rest, AIRLOCK_HOME: home, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  fx = await createBatchFixture();
  base = mkdtempSync(join(tmpdir(), 'airlock-usb-cli-'));
  home = join(base, 'appliance');
  stick = join(base, 'stick');
  mkdirSync(home);
  mkdirSync(stick);
  const layout = layoutOf(home);
  writeRegistry(layout, {
    ...emptyRegistry('testnet'),
    signingKeys: [fx.btcKey, fx.ethKey],
    applianceKey: { keyId: APPLIANCE_KEY, publicKey: fx.appliancePublicKey },
    coordinators: [{ keyId: COORDINATOR.keyId, publicKey: COORDINATOR.publicKey }],
    ethereum: { maxGasLimit: 200_000n, maxFeePerGas: 500n * GWEI, tokens: [USDC] },
  });
  audit(layout, { action: 'enrolment', payload: { what: 'usb test setup' } }, true);
  ReplayLedger.open(ledgerPath(layout), { create: true }).close();

  // The online node's batch, built now so that it is fresh when imported.
  const built = await buildSignedBatch(sampleIntents(), {
    keys: fx.ctx.keys,
    coordinatorKeyId: COORDINATOR.keyId,
    signDigest: async (digest) => ed25519.sign(digest, COORDINATOR.secretKey),
    now: new Date(),
  });
  batchJson = built.json;
  writeFileSync(join(stick, 'batch.json'), batchJson);
  const tampered = draft(built.batch);
  tampered.withdrawals[0]!.destination = ADDRESSES.btcOther;
  writeFileSync(join(stick, 'tampered.json'), JSON.stringify(tampered, null, 2));
  writeFileSync(join(base, 'outside-batch.json'), batchJson);
  symlinkSync(join(base, 'outside-batch.json'), join(stick, 'link.json'));
  writeFileSync(join(stick, 'result.json'), sampleSignedResult().text);
  writeFileSync(join(stick, 'notes.txt'), 'hello\n');
});

after(() => {
  fx?.cleanup();
  if (base) rmSync(base, { recursive: true, force: true });
});

test('usb list: every file with its size and kind; a link is shown as refused, never followed', () => {
  const r = airlock(['usb', 'list', '--usb-root', stick, '--json']);
  assert.equal(r.code, EXIT.OK, r.stderr);
  const listed = JSON.parse(r.stdout) as {
    root: string;
    files: { path: string; type: string; size: number; kind: string }[];
  };
  assert.equal(listed.root, stick);
  const kinds = Object.fromEntries(listed.files.map((f) => [f.path, f.kind]));
  assert.deepEqual(kinds, {
    'batch.json': 'batch',
    'link.json': 'refused: symbolic link',
    'notes.txt': 'unknown',
    'result.json': 'result',
    'tampered.json': 'batch',
  });
  assert.equal(listed.files.find((f) => f.path === 'batch.json')?.size, Buffer.byteLength(batchJson));
  const human = airlock(['usb', 'list'], { AIRLOCK_USB_ROOT: stick });
  assert.equal(human.code, EXIT.OK, human.stderr);
  assert.match(human.stdout, new RegExp(`USB root ${stick}: 5 file\\(s\\)`));
  assert.match(human.stdout, /batch\.json\s+[\d,]+\s+batch \(airlock\.batch\/v1\)/);
  assert.match(human.stdout, /link\.json\s+-\s+refused: symbolic link/);
});

test('usb import of a valid batch: verified (coordinator signature, decoded, cross-checked), written, audited', () => {
  const out = join(base, 'imported', 'batch.json');
  mkdirSync(join(base, 'imported'));
  const r = airlock(['usb', 'import', 'batch.json', '--out', out, '--usb-root', stick]);
  assert.equal(r.code, EXIT.OK, r.stderr);
  assert.match(r.stdout, /FINGERPRINT /);
  assert.match(r.stdout, /4 withdrawal\(s\) decoded from their raw transactions and matched to the batch/);
  assert.match(r.stdout, /imported batch\.json from .*: batch test-2026-11-26-001 -> /);
  assert.equal(readFileSync(out, 'utf8'), batchJson);
  const log = AuditLog.open(auditPath(layoutOf(home)));
  try {
    const rows = log.rows({ action: 'import' });
    assert.equal(rows.length, 1);
    const payload = JSON.parse(rows[0]!.payload) as Record<string, unknown>;
    assert.equal(payload.source, 'usb');
    assert.equal(payload.name, 'batch.json');
    assert.equal(payload.batchId, 'test-2026-11-26-001');
    // The batch's life on the appliance starts here: imported, not yet reviewed.
    const ledger = ReplayLedger.open(ledgerPath(layoutOf(home)));
    try {
      assert.equal(ledger.batchState(String(payload.digest)), 'imported');
    } finally {
      ledger.close();
    }
  } finally {
    log.close();
  }
  // Never over an existing file.
  const again = airlock(['usb', 'import', 'batch.json', '--out', out, '--usb-root', stick]);
  assert.equal(again.code, EXIT.USAGE, again.stderr);
  assert.match(again.stderr, /already exists/);
});

test('usb import refuses a tampered batch, a link, a result, and a name outside the root: exit 3, nothing written', () => {
  const cases: [string, RegExp][] = [
    ['tampered.json', /RefusalError: .*signature/i],
    ['link.json', /UsbSymlinkError: "link\.json" is a symbolic link/],
    ['result.json', /UsbKindRefusedError: "result\.json" is a result; expected a batch/],
    ['../outside-batch.json', /UsbPathOutsideRootError/],
    ['missing.json', /UsbNotFoundError/],
  ];
  for (const [name, message] of cases) {
    const out = join(base, `refused-${name.replace(/\W/g, '_')}`);
    const r = airlock(['usb', 'import', name, '--out', out, '--usb-root', stick]);
    assert.equal(r.code, EXIT.REFUSED, `${name}: ${r.stderr}`);
    assert.match(r.stderr, message, name);
    assert.equal(existsSync(out), false, `${name}: something was written`);
  }
  const noStick = airlock(['usb', 'import', 'batch.json', '--out', join(base, 'x.json')], {
    AIRLOCK_USB_ROOT: join(base, 'not-mounted'),
  });
  assert.equal(noStick.code, EXIT.REFUSED, noStick.stderr);
  assert.match(noStick.stderr, /UsbRootInvalidError: .*is the USB stick mounted\?/);
});

test('usb export: an audit export and a signed result go onto the stick atomically, never over a file', () => {
  const target = join(base, 'outgoing');
  mkdirSync(join(target, 'airlock'), { recursive: true });
  const auditFile = join(base, 'audit.jsonl');
  const exported = airlock(['audit', 'export', '--out', auditFile]);
  assert.equal(exported.code, EXIT.OK, exported.stderr);

  const r = airlock(['usb', 'export', auditFile, '--usb-root', target]);
  assert.equal(r.code, EXIT.OK, r.stderr);
  assert.match(r.stdout, /exported audit-export .* -> .*audit\.jsonl/);
  assert.deepEqual(readFileSync(join(target, 'audit.jsonl')), readFileSync(auditFile));
  assert.equal(statSync(join(target, 'audit.jsonl')).mode & 0o777, 0o644);

  const resultFile = join(base, 'result-local.json');
  writeFileSync(resultFile, sampleSignedResult().text);
  const res = airlock(['usb', 'export', resultFile, '--name', 'airlock/result.json'], {
    AIRLOCK_USB_ROOT: target,
  });
  assert.equal(res.code, EXIT.OK, res.stderr);
  assert.equal(readFileSync(join(target, 'airlock', 'result.json'), 'utf8'), sampleSignedResult().text);

  // A second export to the same name is refused and changes nothing.
  writeFileSync(join(base, 'audit-2.jsonl'), readFileSync(auditFile));
  const again = airlock(['usb', 'export', resultFile, '--name', 'audit.jsonl', '--usb-root', target]);
  assert.equal(again.code, EXIT.REFUSED, again.stderr);
  assert.match(again.stderr, /UsbExistsError: "audit\.jsonl" already exists on the USB stick/);
  assert.deepEqual(readFileSync(join(target, 'audit.jsonl')), readFileSync(auditFile));

  // What is not an Airlock file, or does not check out, does not leave.
  const unknown = airlock(['usb', 'export', join(stick, 'notes.txt'), '--usb-root', target]);
  assert.equal(unknown.code, EXIT.REFUSED, unknown.stderr);
  assert.match(unknown.stderr, /UsbKindRefusedError/);
  const lines = readFileSync(auditFile, 'utf8').split('\n');
  lines[1] = lines[1]!.replace('"enrolment"', '"export"');
  const broken = join(base, 'broken.jsonl');
  writeFileSync(broken, lines.join('\n'));
  const brokenExport = airlock(['usb', 'export', broken, '--usb-root', target]);
  assert.equal(brokenExport.code, EXIT.REFUSED, brokenExport.stderr);
  assert.match(
    brokenExport.stderr,
    /UsbContentInvalidError: .* is an audit-export that does not check out: broken at row 1/,
  );
  assert.deepEqual(readdirSync(target).sort(), ['airlock', 'audit.jsonl']);
  assert.deepEqual(readdirSync(join(target, 'airlock')), ['result.json']);
});
