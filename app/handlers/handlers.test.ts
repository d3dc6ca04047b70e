/**
 * The console's handler table through `dispatch`, as Electron's ipcMain and the harness call it, on a
 * real appliance (SoftHSM2 tokens, SQLite ledger and audit log, set up by the demo's commands). The
 * WebAuthn assertions here come from the operators' software authenticators (the e2e suite uses
 * Chromium's virtual authenticator): what is tested is the handlers' flow and their refusals.
 * A refused import, a wrong PIN or a missing quorum leaves no partial state.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { base64urlnopad } from '@scure/base';
import { initSoftHsmToken } from '../../hsm/index.js';
import { type E2eAppliance, onlineBatch, setUpE2eAppliance } from '../../test-support/appliance.js';
import { softwareRegistration } from '../../test-support/registration.js';
import {
  type ApplianceStatus,
  type BatchReview,
  bytesToBase64,
  type ChallengeView,
  type Events,
  type IpcResult,
  type MotionView,
  type RegistrationOptionsView,
  type SignedSummary,
} from '../common/ipc-contract.js';
import { loadSoftwareAuthenticator, saveSoftwareAuthenticatorCounter } from '../config/approvals.js';
import { layoutOf, readConfig, writeConfig } from '../config/home.js';
import { dispatch, type Emit, type Handlers } from './dispatch.js';
import { createHandlers } from './index.js';

const DAVE_PIN = '44443333';
let root: string;
let appliance: E2eAppliance;
let handlers: Handlers;
let batchBytes: Uint8Array;
const events: Events['sign:progress'][] = [];
const emit: Emit = (event, payload) => {
  if (event === 'sign:progress') events.push(payload as Events['sign:progress']);
};

async function call<T>(channel: string, request: unknown): Promise<IpcResult<T>> {
  return (await dispatch(handlers, channel, request, emit)) as IpcResult<T>;
}

async function ok<T>(channel: string, request: unknown): Promise<T> {
  const r = await call<T>(channel, request);
  if (!r.ok) assert.fail(`${channel}: ${JSON.stringify(r.error)}`);
  return r.value;
}

/** What navigator.credentials.get would return, from the operator's software authenticator. */
function assertionFor(operatorId: string, challenge: ChallengeView) {
  const layout = layoutOf(appliance.appliance);
  const { authenticator, counter } = loadSoftwareAuthenticator(layout, operatorId);
  const assertion = authenticator.getAssertion(base64urlnopad.decode(challenge.challenge), {
    signCount: counter + 1,
  });
  saveSoftwareAuthenticatorCounter(layout, operatorId, counter + 1);
  return assertion;
}

async function approve(digest: string, operatorId: string, pin = appliance.cardPin(operatorId)) {
  const challenge = await ok<ChallengeView>('approval:challenge', { subject: 'batch', digest, operatorId });
  return call<BatchReview>('approval:submit', {
    digest,
    operatorId,
    pin,
    assertion: assertionFor(operatorId, challenge),
  });
}

const auditRows = async () => (await ok<ApplianceStatus>('status:get', {})).auditRows;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'airlock-handlers-'));
  appliance = setUpE2eAppliance(root);
  batchBytes = readFileSync(onlineBatch(appliance, join(appliance.transfer, 'batch.json')));
  // A fourth operator card, for an enrolment after the first policy (before the module loads).
  await initSoftHsmToken(
    {
      confPath: join(appliance.appliance, 'softhsm', 'softhsm2.conf'),
      tokenDir: join(appliance.appliance, 'softhsm', 'tokens'),
    },
    { label: 'airlock-card-4', userPin: DAVE_PIN, soPin: '12345678' },
  );
  const layout = layoutOf(appliance.appliance);
  const config = readConfig(layout);
  writeConfig(layout, { ...config, operatorTokens: [...config.operatorTokens, 'airlock-card-4'] });
  handlers = createHandlers({ env: process.env, home: appliance.appliance, usbRoot: appliance.usbRoot });
});
after(() => rmSync(root, { recursive: true, force: true }));

test('a tampered batch is refused at import naming the field, and nothing is kept, stepped or approved', async () => {
  const text = new TextDecoder().decode(batchBytes);
  const wire = JSON.parse(text) as { withdrawals: { amount: string; id: string }[] };
  wire.withdrawals[0]!.amount = (BigInt(wire.withdrawals[0]!.amount) + 1n).toString();
  const before = await auditRows();
  const r = await call<BatchReview>('batch:import', {
    from: 'camera',
    bytes: bytesToBase64(new TextEncoder().encode(JSON.stringify(wire))),
  });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.error.kind, 'refused');
  // The coordinator's signature covers the words: an edited amount fails it first.
  assert.match(r.error.code, /SIGNATURE|DIGEST|MANIFEST|AMOUNT/);
  assert.equal(existsSync(join(appliance.appliance, 'batches')), false);
  assert.equal(await auditRows(), before);
});

test('import from USB: a batch file on the stick is read safely, inspected and kept; the review is complete', async () => {
  writeFileSync(join(appliance.usbRoot, 'batch.json'), batchBytes);
  const listing = await ok<{ files: { name: string; kind: string }[] }>('usb:list', {});
  assert.deepEqual(listing.files, [{ name: 'batch.json', bytes: batchBytes.length, kind: 'batch' }]);
  const review = await ok<BatchReview>('batch:import', { from: 'usb', name: 'batch.json' });
  assert.equal(review.state, 'reviewed');
  assert.equal(review.withdrawals.length, 4);
  assert.ok(review.policy, JSON.stringify(review.policyRefusal));
  // The sample batch holds a withdrawal above 1,000 USD: the policy's tier needs all 3 operators.
  assert.equal(review.policy.required, 3);
  assert.deepEqual(review.approvals, []);
  assert.equal(review.quorumMet, false);
  assert.match(review.fingerprint, /^[0-9a-f]{4}(-[0-9a-f]{4}){3} \(\w+ \w+ \w+ \w+\)$/);
  for (const w of review.withdrawals) {
    assert.notEqual(w.usdValue, null);
    assert.ok(w.amountText.length > 0 && w.destination.length > 0);
  }
  const again = await ok<BatchReview>('batch:review', { digest: review.digest });
  assert.deepEqual(again, review);
});

test('signing before the quorum is refused before any PIN is used; a wrong card PIN stores no approval', async () => {
  const { digest } = (await ok<ApplianceStatus>('status:get', {})).batches[0]!;
  const early = await call<SignedSummary>('batch:sign', { digest, pin: '000000' });
  assert.equal(early.ok, false);
  if (!early.ok) assert.equal(early.error.code, 'QUORUM_NOT_MET');
  const wrong = await approve(digest, 'bob', '99999999');
  assert.equal(wrong.ok, false);
  if (!wrong.ok) {
    assert.equal(wrong.error.kind, 'pin');
    assert.equal(wrong.error.code, 'CKR_PIN_INCORRECT');
  }
  const review = await ok<BatchReview>('batch:review', { digest });
  assert.deepEqual(review.approvals, []);
});

test("three approvals (card PIN + WebAuthn) meet the tier's quorum; signing with custodian shares reports progress", async () => {
  const { digest } = (await ok<ApplianceStatus>('status:get', {})).batches[0]!;
  const first = await approve(digest, 'alice');
  assert.equal(first.ok, true, JSON.stringify(first));
  const second = await approve(digest, 'carol');
  assert.equal(second.ok, true, JSON.stringify(second));
  if (second.ok) assert.equal(second.value.quorumMet, false);
  const third = await approve(digest, 'bob');
  assert.equal(third.ok, true, JSON.stringify(third));
  if (!third.ok) return;
  assert.deepEqual(third.value.approvals.map((a) => a.operatorId).sort(), ['alice', 'bob', 'carol']);
  assert.equal(third.value.quorumMet, true);
  assert.equal(third.value.state, 'approved');
  const dup = await approve(digest, 'alice');
  assert.equal(dup.ok, false);
  if (!dup.ok) assert.equal(dup.error.code, 'DUPLICATE_OPERATOR');

  events.length = 0;
  const signed = await ok<SignedSummary>('batch:sign', {
    digest,
    shares: [appliance.share(1), appliance.share(3)],
  });
  assert.equal(signed.again, false);
  assert.equal(signed.withdrawals.length, 4);
  const phases = events.map((e) => e.phase);
  assert.equal(phases[0], 'checking');
  assert.ok(phases.includes('signing') && phases.includes('verifying') && phases.includes('done'));
  const last = events.filter((e) => e.phase === 'signing').at(-1)!;
  assert.equal(last.done, last.total);
  assert.ok(last.total >= 3);

  const result = await ok<{ bytes: string; fileName: string }>('result:get', { digest });
  const resultText = Buffer.from(result.bytes, 'base64').toString('utf8');
  const parsed = JSON.parse(resultText) as { withdrawals: { id: string }[] };
  assert.deepEqual(
    parsed.withdrawals.map((w) => w.id),
    signed.withdrawals.map((w) => w.id),
  );
  // The online side verifies what the console hands out.
  const file = join(appliance.transfer, 'result-from-console.json');
  writeFileSync(file, resultText);
  appliance.run(appliance.online, [
    'online',
    'verify',
    file,
    '--batch',
    join(appliance.transfer, 'batch.json'),
    '--appliance',
    appliance.appliancePublic,
  ]);
  // Signing again hands out the very same bytes, without the HSM.
  const again = await ok<SignedSummary>('batch:sign', { digest, pin: 'not-used' });
  assert.equal(again.again, true);
  const exported = await ok<{ path: string; sha256: string }>('result:export-usb', { digest });
  assert.equal(readFileSync(exported.path, 'utf8'), resultText);
  assert.deepEqual(readdirSync(appliance.usbRoot).sort(), ['batch.json', `${signed.batchId}.result.json`]);
  const review = await ok<BatchReview>('batch:review', { digest });
  assert.equal(review.state, 'exported');
});

test('the audit log lists newest first, pages, and verifies', async () => {
  const page1 = await ok<{ rows: { seq: number; action: string }[]; total: number }>('audit:list', {
    beforeSeq: null,
    limit: 5,
  });
  assert.equal(page1.rows.length, 5);
  assert.equal(page1.rows[0]!.seq, page1.total);
  assert.deepEqual(
    page1.rows.map((r) => r.seq),
    [0, 1, 2, 3, 4].map((i) => page1.total - i),
  );
  const page2 = await ok<{ rows: { seq: number }[] }>('audit:list', {
    beforeSeq: page1.rows[4]!.seq,
    limit: 5,
  });
  assert.equal(page2.rows[0]!.seq, page1.rows[4]!.seq - 1);
  const actions = new Set(
    (
      await ok<{ rows: { action: string; actor: string }[] }>('audit:list', { beforeSeq: null, limit: 500 })
    ).rows.map((r) => r.action),
  );
  for (const a of ['import', 'review', 'approval', 'pin-failure', 'sign', 'export'])
    assert.ok(actions.has(a), a);
  const verified = await ok<{ ok: boolean; rows: number; problem: unknown }>('audit:verify', {});
  assert.equal(verified.ok, true);
  assert.equal(verified.rows, page1.total);
});

test('freeze: a non-admin is refused; an admin freezes at once with card + WebAuthn; the policy then refuses', async () => {
  const notAdmin = await call<ChallengeView>('freeze:begin', { operatorId: 'bob', reason: 'x' });
  assert.equal(notAdmin.ok, false);
  if (!notAdmin.ok) assert.equal(notAdmin.error.code, 'ADMIN_REQUIRED');
  const challenge = await ok<ChallengeView>('freeze:begin', {
    operatorId: 'alice',
    reason: 'incident drill',
  });
  assert.equal(challenge.subject, 'motion');
  const status = await ok<ApplianceStatus>('motion:approve', {
    motionDigest: challenge.subjectDigest,
    operatorId: 'alice',
    pin: appliance.cardPin('alice'),
    assertion: assertionFor('alice', challenge),
  });
  assert.equal(status.freeze.frozen, true);
  assert.deepEqual(status.freeze.by, ['alice']);
  assert.equal(status.freeze.reason, 'incident drill');
  // A new batch is shown, but refused by the policy with the rule named.
  const second = readFileSync(onlineBatch(appliance, join(appliance.transfer, 'batch-2.json')));
  const review = await ok<BatchReview>('batch:import', { from: 'camera', bytes: bytesToBase64(second) });
  assert.equal(review.policy, null);
  assert.equal(review.policyRefusal?.kind, 'policy');
  assert.equal(review.policyRefusal?.code, 'FROZEN');
  const actor = (await ok<{ rows: { actor: string }[] }>('audit:list', { beforeSeq: null, limit: 1 }))
    .rows[0]!.actor;
  assert.match(actor, /^console:/);
});

test('after the first policy, enrolling is a motion: card key + registered authenticator proposed, the quorum enrols', async () => {
  const status = await ok<ApplianceStatus>('status:get', {});
  assert.deepEqual(status.enrolment, { open: false, byMotion: true, freeCards: ['airlock-card-4'] });
  // A registration no challenge was issued for is refused before the card is touched.
  const forged = await call('operator:enrol-complete', {
    operatorId: 'dave',
    role: 'operator',
    cardToken: 'airlock-card-4',
    pin: DAVE_PIN,
    registration: { credentialId: 'AAAA', clientDataJSON: 'AAAA', attestationObject: 'AAAA' },
  });
  assert.equal(forged.ok, false);
  if (!forged.ok) assert.equal(forged.error.code, 'WEBAUTHN_WRONG_CHALLENGE');
  const held = await call('operator:enrol-begin', {
    operatorId: 'dave',
    role: 'operator',
    cardToken: 'airlock-card-1',
  });
  assert.equal(held.ok, false);
  if (!held.ok) assert.match(held.error.message, /alice/);

  const options = await ok<RegistrationOptionsView>('operator:enrol-begin', {
    operatorId: 'dave',
    role: 'operator',
    cardToken: 'airlock-card-4',
  });
  assert.equal(options.rpId, 'airlock.local');
  assert.equal(options.excludeCredentials.length, 3);
  const registration = softwareRegistration({
    challenge: options.challenge,
    rpId: options.rpId,
    origin: 'https://airlock.local',
  });
  const proposed = await ok<ApplianceStatus>('operator:enrol-complete', {
    operatorId: 'dave',
    role: 'operator',
    cardToken: 'airlock-card-4',
    pin: DAVE_PIN,
    registration,
  });
  assert.deepEqual(
    proposed.operators.map((o) => o.id),
    ['alice', 'bob', 'carol'],
    'not enrolled before the quorum approves',
  );
  const [motion] = (await ok<{ motions: MotionView[] }>('motion:list', {})).motions.filter(
    (m) => m.kind === 'operator-enroll',
  );
  assert.ok(motion, 'an operator-enroll motion is open');
  assert.match(motion.description, /dave/);
  for (const operatorId of ['bob', 'alice']) {
    const challenge = await ok<ChallengeView>('approval:challenge', {
      subject: 'motion',
      digest: motion.digest,
      operatorId,
    });
    await ok<ApplianceStatus>('motion:approve', {
      motionDigest: motion.digest,
      operatorId,
      pin: appliance.cardPin(operatorId),
      assertion: assertionFor(operatorId, challenge),
    });
  }
  const after = await ok<ApplianceStatus>('status:get', {});
  const dave = after.operators.find((o) => o.id === 'dave');
  assert.ok(dave, 'dave is enrolled once the quorum approved');
  assert.equal(dave.credentialId, registration.credentialId);
  assert.equal(dave.cardToken, 'airlock-card-4');
  assert.deepEqual(after.enrolment.freeCards, []);
});

test('unfreeze: proposed in the console, listed, approved with card + WebAuthn by the quorum, carried out', async () => {
  const proposed = await ok<MotionView>('unfreeze:propose', { reason: 'drill over' });
  assert.equal(proposed.kind, 'unfreeze');
  const joined = await ok<MotionView>('unfreeze:propose', { reason: 'another reason' });
  assert.equal(joined.digest, proposed.digest, 'an open unfreeze is joined, not proposed twice');
  const listed = await ok<{ motions: MotionView[] }>('motion:list', {});
  assert.deepEqual(
    listed.motions.map((m) => [m.motionId, m.kind, m.approvals.length]),
    [[proposed.motionId, 'unfreeze', 0]],
  );
  assert.ok(proposed.required >= 2 && proposed.admins === 1, JSON.stringify(proposed));
  const approveMotion = async (operatorId: string) => {
    const challenge = await ok<ChallengeView>('approval:challenge', {
      subject: 'motion',
      digest: proposed.digest,
      operatorId,
    });
    return ok<ApplianceStatus>('motion:approve', {
      motionDigest: proposed.digest,
      operatorId,
      pin: appliance.cardPin(operatorId),
      assertion: assertionFor(operatorId, challenge),
    });
  };
  const afterBob = await approveMotion('bob');
  assert.equal(afterBob.freeze.frozen, true);
  const afterAlice = await approveMotion('alice');
  assert.equal(afterAlice.freeze.frozen, false);
  assert.deepEqual((await ok<{ motions: MotionView[] }>('motion:list', {})).motions, []);
  const notFrozen = await call<MotionView>('unfreeze:propose', { reason: 'x' });
  assert.equal(notFrozen.ok, false);
  if (!notFrozen.ok) assert.equal(notFrozen.error.code, 'MOTION_NOT_ALLOWED');
});

test('a kept batch swapped on disk is refused before anything acts on its digest', async () => {
  const [first, second] = [...(await ok<ApplianceStatus>('status:get', {})).batches].sort((a, b) =>
    a.batchId.localeCompare(b.batchId),
  );
  assert.ok(first && second);
  const dir = join(appliance.appliance, 'batches');
  writeFileSync(join(dir, `${first.digest}.json`), readFileSync(join(dir, `${second.digest}.json`)));
  for (const [channel, request] of [
    ['batch:review', { digest: first.digest }],
    ['approval:challenge', { subject: 'batch', digest: first.digest, operatorId: 'bob' }],
    ['batch:sign', { digest: first.digest, pin: 'unused' }],
  ] as const) {
    const r = await call(channel, request);
    assert.equal(r.ok, false, channel);
    if (!r.ok)
      assert.match(r.error.message, new RegExp(`hashes to ${second.digest}, not to its name`), channel);
  }
});
