/**
 * The signing ceremony in the operator console, end to end, with real SoftHSM2 tokens and SQLite:
 * the key ceremony's operators are enrolled in the console (card key on their SoftHSM2 card, and
 * their authenticator registered with navigator.credentials.create on Chromium's virtual
 * authenticator); the first policy is installed; the online node builds a batch; its animated QR frames become a .y4m that Chromium's fake camera
 * plays; the console scans it; three operators approve (card PIN + Chromium's virtual WebAuthn
 * authenticator over CDP); two custodians' shares unlock the signing token; the console signs; its
 * exported QR frames are captured from the screen (element screenshots) and decoded by the online
 * side's scanner, whose `online verify` checks every signed transaction. Then the refusal paths:
 * a tampered batch, a wrong PIN, missing approvals, a frozen appliance. No request may leave
 * https://airlock.local. Runs under Electron when its binary exists, else in Chromium with the same
 * handlers (e2e/harness/console.ts).
 *
 * Screenshots of every screen go to a temporary directory, or to docs/screenshots/ with
 * AIRLOCK_SCREENSHOTS=docs (`npm run screenshots`).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import type { ApplianceStatus, IpcResult } from '../app/common/ipc-contract.js';
import { decodePng } from '../qr-transport/image/png.js';
import { scanGray } from '../qr-transport/image/scan.js';
import { TransferDecoder } from '../qr-transport/transfer.js';
import { batchVideo, type E2eAppliance, onlineBatch, setUpE2eAppliance } from '../test-support/appliance.js';
import { COORDINATOR, draft, resign } from '../test-support/batch-fixture.js';
import { repoRoot } from '../test-support/paths.js';
import {
  addVirtualAuthenticator,
  type ConsoleSession,
  invokeInPage,
  openConsole,
} from './harness/console.js';

let root: string;
let appliance: E2eAppliance;
let session: ConsoleSession;
let page: Page;
let batchFile: string;
let shots: string;

/**
 * Each operator has their own authenticator (a security key): enrolment refuses an authenticator
 * that already holds an enrolled credential (excludeCredentials). `plugIn` stands for an operator
 * plugging theirs in: one virtual authenticator at a time, holding that operator's credential (kept,
 * with its counter, while it is unplugged).
 */
type VirtualCredential = {
  credentialId: string;
  rpId: string;
  privateKey: string;
  signCount: number;
  isResidentCredential: boolean;
};
const keyring = new Map<string, VirtualCredential>();
let plugged: { operatorId: string; authenticatorId: string } | null = null;

async function unplug(): Promise<void> {
  if (!plugged) return;
  const { credentials } = (await session.cdp.send('WebAuthn.getCredentials', {
    authenticatorId: plugged.authenticatorId,
  })) as { credentials: VirtualCredential[] };
  assert.ok(credentials.length <= 1);
  if (credentials[0]) keyring.set(plugged.operatorId, credentials[0]);
  await session.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: plugged.authenticatorId });
  plugged = null;
}

async function plugIn(operatorId: string): Promise<void> {
  if (plugged?.operatorId === operatorId) return;
  await unplug();
  const authenticatorId = await addVirtualAuthenticator(session.cdp);
  const credential = keyring.get(operatorId);
  if (credential) await session.cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
  plugged = { operatorId, authenticatorId };
}

const byTestId = (id: string) => page.getByTestId(id);
const textOf = async (l: Locator) => (await l.textContent()) ?? '';

async function screenshot(name: string): Promise<void> {
  const file = join(shots, `${name}.png`);
  await page.screenshot({ path: file });
  assert.ok(statSync(file).size > 5_000, `${name}.png is empty`);
}

async function go(screen: string): Promise<void> {
  await byTestId(`nav-${screen}`).click();
  await byTestId(`screen-${screen}`).waitFor();
}

/** One operator's approval in the console: pick, PIN, then the biometric step. */
async function approveAs(operatorId: string, pin: string): Promise<void> {
  await plugIn(operatorId);
  await byTestId('approve-operator').selectOption(operatorId);
  await byTestId('approve-begin').click();
  await byTestId('approve-pin').fill(pin);
  await byTestId('approve-submit').click();
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'airlock-e2e-console-'));
  shots =
    process.env.AIRLOCK_SCREENSHOTS === 'docs' ? join(repoRoot, 'docs', 'screenshots') : join(root, 'shots');
  mkdirSync(shots, { recursive: true });
  appliance = setUpE2eAppliance(root, { operators: false });
  batchFile = onlineBatch(appliance, join(appliance.transfer, 'batch.json'));
  const video = batchVideo(appliance, batchFile, join(appliance.transfer, 'batch.y4m'));
  session = await openConsole({ home: appliance.appliance, usbRoot: appliance.usbRoot, cameraY4m: video });
  page = session.page;
});

after(async () => {
  await session?.close();
  rmSync(root, { recursive: true, force: true });
});

const invoke = (channel: string, request: unknown) => invokeInPage(page, channel, request);

/** The credential id (base64url) the operator's authenticator holds. */
const expect = (operatorId: string) =>
  Buffer.from(keyring.get(operatorId)?.credentialId ?? '', 'base64').toString('base64url');

const OPERATORS = [
  { id: 'alice', role: 'admin', card: 'airlock-card-1' },
  { id: 'bob', role: 'operator', card: 'airlock-card-2' },
  { id: 'carol', role: 'operator', card: 'airlock-card-3' },
] as const;

test('key ceremony: three operators enrolled in the console, card key + their authenticator registered', async () => {
  // A registration no challenge was issued for is refused, and nothing is enrolled.
  const forged = await invoke('operator:enrol-complete', {
    operatorId: 'mallory',
    role: 'admin',
    cardToken: 'airlock-card-1',
    pin: appliance.cardPin('alice'),
    registration: { credentialId: 'AAAA', clientDataJSON: 'AAAA', attestationObject: 'AAAA' },
  });
  assert.equal(forged.ok, false);
  if (!forged.ok) assert.equal(forged.error.code, 'WEBAUTHN_WRONG_CHALLENGE');

  await go('operators');
  for (const o of OPERATORS) {
    await plugIn(o.id);
    await byTestId('enrol-id').fill(o.id);
    await byTestId('enrol-role').selectOption(o.role);
    await byTestId('enrol-card').selectOption(o.card);
    await byTestId('enrol-pin').fill(appliance.cardPin(o.id));
    if (o.id === 'alice') await screenshot('00-enrol-operator');
    await byTestId('enrol-submit').click();
    await page.locator(`[data-testid="enrol-done"][data-operator="${o.id}"]`).waitFor({ timeout: 30_000 });
  }
  await unplug();
  // The registry holds the credentials the operators' authenticators made, one each.
  const status = (await invoke('status:get', {})) as IpcResult<ApplianceStatus>;
  assert.equal(status.ok, true);
  if (!status.ok) return;
  assert.deepEqual(
    status.value.operators.map((o) => [
      o.id,
      o.credentialId,
      keyring.get(o.id) && Buffer.from(keyring.get(o.id)!.credentialId, 'base64').toString('base64url'),
    ]),
    OPERATORS.map((o) => [o.id, expect(o.id), expect(o.id)]),
  );
  assert.ok([...keyring.values()].every((c) => c.rpId === 'airlock.local'));
  assert.deepEqual(status.value.enrolment, { open: true, byMotion: false, freeCards: [] });
  // The first policy ends enrolment without a quorum: from then on the console proposes a motion.
  appliance.installPolicy();
  await go('status');
  await go('operators');
  await byTestId('enrol-motion-notice').waitFor();
  await byTestId('enrol-no-card').waitFor();
});

test('status: signing token, operators with their cards, policy v1, not frozen', async (t) => {
  t.diagnostic(`runtime: ${session.runtime}`);
  await go('status');
  await assertOperatorsShown();
  await screenshot('01-status');
});

async function assertOperatorsShown(): Promise<void> {
  const rows = byTestId('status-operator-row');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 3);
  const text = await textOf(byTestId('status-operators'));
  for (const id of ['alice', 'bob', 'carol']) assert.match(text, new RegExp(id));
  assert.equal(await byTestId('frozen-banner').isVisible(), false);
}

test('import: the camera scans the online node’s animated QR; the review shows the decoded batch', async () => {
  await go('import');
  await byTestId('import-camera-start').click();
  await page.waitForFunction(
    () => Number(document.querySelector('[data-testid="import-percent"]')?.textContent ?? 0) > 0,
    undefined,
    { timeout: 60_000 },
  );
  await screenshot('02-import-scanning');
  await byTestId('review').waitFor({ timeout: 120_000 });
  // The fingerprint the console shows is the one the appliance's CLI computes from the same bytes.
  const inspected = JSON.parse(appliance.run(appliance.appliance, ['inspect', batchFile, '--json'])) as {
    fingerprint: string;
    digest: string;
    withdrawals: { id: string }[];
  };
  assert.equal(await byTestId('review-fingerprint').getAttribute('data-fingerprint'), inspected.fingerprint);
  assert.equal(await byTestId('review').getAttribute('data-digest'), inspected.digest);
  const rows = byTestId('review-withdrawal-row');
  assert.deepEqual(
    await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-withdrawal'))),
    inspected.withdrawals.map((w) => w.id),
  );
  assert.match(await textOf(byTestId('review-policy')), /3/);
  await screenshot('03-review');
});

test('approvals: a wrong card PIN is refused and stores nothing; three operators approve with PIN + WebAuthn', async () => {
  await approveAs('bob', '00000000');
  await page.locator('[data-testid="approve-error"]', { hasText: 'CKR_PIN_INCORRECT' }).first().waitFor();
  await screenshot('04-approve-wrong-pin');
  assert.equal(await byTestId('review-approval-row').count(), 0);
  // Missing approvals: signing is not offered, and says why.
  await go('sign');
  assert.equal(await byTestId('sign-button').isDisabled(), true);
  await byTestId('sign-disabled-reason').waitFor();
  await go('review');
  for (const id of ['alice', 'bob', 'carol']) {
    await approveAs(id, appliance.cardPin(id));
    await page
      .locator(`[data-testid="review-approval-row"][data-operator="${id}"]`)
      .waitFor({ timeout: 30_000 });
  }
  assert.equal(await byTestId('review-quorum').getAttribute('data-met'), 'true');
  await screenshot('05-approved');
});

test('sign: two custodian shares unlock the signing token; progress reaches the end; txids shown', async () => {
  await go('sign');
  await byTestId('sign-mode-shares').check();
  await byTestId('sign-shares').fill(`${appliance.share(1)}\n${appliance.share(3)}`);
  await byTestId('sign-button').click();
  await byTestId('sign-result').waitFor({ timeout: 60_000 });
  assert.equal(await byTestId('sign-progress').evaluate((e) => (e as HTMLProgressElement).value), 1);
  assert.equal(await byTestId('sign-result-row').count(), 4);
  await screenshot('06-signed');
});

test('export: the animated QR on screen is captured and decoded; the online node verifies every signature', async () => {
  await go('export');
  const qr = byTestId('export-qr');
  await qr.waitFor();
  await screenshot('07-export');
  await byTestId('export-pause').click();
  const decoder = new TransferDecoder();
  let shown = 0;
  while (decoder.progress().state !== 'complete' && shown < 400) {
    const frame = scanGray(decodePng(await qr.screenshot()));
    if (frame) decoder.receive(frame);
    await byTestId('export-step').click();
    shown++;
  }
  assert.equal(decoder.progress().state, 'complete', `not complete after ${shown} frames`);
  const resultFile = join(appliance.transfer, 'result-from-screen.json');
  writeFileSync(resultFile, decoder.result().payload);
  const verified = appliance.run(appliance.online, [
    'online',
    'verify',
    resultFile,
    '--batch',
    batchFile,
    '--appliance',
    appliance.appliancePublic,
  ]);
  assert.match(verified, /4/);
  await byTestId('export-usb').click();
  await byTestId('export-usb-result')
    .getByText(/result\.json/)
    .waitFor();
});

test('audit: rows of the ceremony, newest first; the chain verifies', async () => {
  await go('audit');
  await byTestId('audit-row').first().waitFor();
  const text = await textOf(byTestId('audit-table'));
  for (const action of ['import', 'review', 'approval', 'pin-failure', 'sign', 'export'])
    assert.match(text, new RegExp(action));
  await byTestId('audit-verify').click();
  await byTestId('audit-verdict').waitFor();
  assert.equal(await byTestId('audit-verdict').getAttribute('data-ok'), 'true');
  await screenshot('08-audit');
});

test('refused: words that differ from the bytes, signed by the (compromised) coordinator, are shown refused naming withdrawal and field', async () => {
  // The Bybit case: the online node's own key signs a batch whose declared destination is not where
  // the raw transaction pays. A software coordinator key stands in for the compromised node.
  appliance.run(appliance.appliance, [
    'enrol',
    'coordinator',
    '--key-id',
    COORDINATOR.keyId,
    '--public-key',
    Buffer.from(COORDINATOR.publicKey).toString('hex'),
  ]);
  const d = draft(JSON.parse(readFileSync(batchFile, 'utf8')));
  d.coordinatorKeyId = COORDINATOR.keyId;
  d.batchId = `${d.batchId}-tampered`;
  const victim = d.withdrawals[2]!;
  victim.destination = d.withdrawals[3]!.destination;
  writeFileSync(join(appliance.usbRoot, 'tampered.json'), resign(d, { recomputeManifest: true }));
  await go('import');
  await byTestId('usb-refresh').click();
  await page.locator('[data-testid="usb-import"][data-name="tampered.json"]').click();
  const refusal = byTestId('import-refusal');
  await refusal.waitFor();
  assert.match(await textOf(refusal), /REFUSED/);
  assert.equal(await textOf(refusal.getByTestId('error-code')), 'MISMATCH_DESTINATION');
  assert.equal(await textOf(refusal.getByTestId('error-withdrawalId')), victim.id);
  assert.equal(await textOf(refusal.getByTestId('error-field')), 'destination');
  await screenshot('09-refused-import');
  // Nothing of it was kept.
  const status = (await invoke('status:get', {})) as IpcResult<ApplianceStatus>;
  assert.ok(status.ok && status.value.batches.every((b) => !b.batchId.endsWith('-tampered')));
});

test('freeze: an admin freezes at once (PIN + WebAuthn); the banner shows; a new batch is refused by the policy', async () => {
  await byTestId('freeze-button').click();
  await byTestId('freeze-dialog').waitFor();
  await byTestId('freeze-operator').selectOption('alice');
  await byTestId('freeze-reason').fill('e2e drill');
  await screenshot('10-freeze-dialog');
  await plugIn('alice');
  await byTestId('freeze-begin').click();
  await byTestId('freeze-pin').fill(appliance.cardPin('alice'));
  await byTestId('freeze-submit').click();
  await byTestId('frozen-banner').waitFor({ state: 'visible', timeout: 30_000 });
  assert.match(await textOf(byTestId('frozen-banner')), /alice/);
  const second = onlineBatch(appliance, join(appliance.usbRoot, 'batch-2.json'));
  assert.ok(second);
  await go('import');
  await byTestId('usb-refresh').click();
  await page.locator('[data-testid="usb-import"][data-name="batch-2.json"]').click();
  await byTestId('review').waitFor();
  assert.match(await textOf(byTestId('review-policy-refusal')), /FROZEN/);
  await screenshot('11-frozen');
});

test('unfreeze: proposed on Motions, the quorum (bob, then alice the admin) approves with card + own authenticator; the banner goes', async () => {
  await go('motions');
  await byTestId('unfreeze-reason').fill('drill over');
  await byTestId('unfreeze-propose').click();
  await byTestId('unfreeze-proposed').waitFor({ state: 'visible' });
  await screenshot('12-motions');
  for (const id of ['bob', 'alice']) {
    await plugIn(id);
    await byTestId('motion-operator').selectOption(id);
    await byTestId('motion-begin').click();
    await byTestId('motion-pin').fill(appliance.cardPin(id));
    await byTestId('motion-submit').click();
    await page
      .locator(`[data-testid="motion-done"][data-operator="${id}"]:not([hidden])`)
      .waitFor({ timeout: 30_000 });
  }
  assert.equal(await byTestId('motion-done').getAttribute('data-carried-out'), 'yes');
  await byTestId('frozen-banner').waitFor({ state: 'hidden' });
  const status = (await invoke('status:get', {})) as IpcResult<ApplianceStatus>;
  assert.ok(status.ok && !status.value.freeze.frozen);
});

test('keyboard and 1366x768: Alt+1…8 reach every screen, none scrolls sideways; Alt+F opens the freeze dialog', async () => {
  const screens = ['status', 'import', 'review', 'sign', 'export', 'audit', 'operators', 'motions'];
  for (const [i, id] of screens.entries()) {
    await page.keyboard.press(`Alt+${i + 1}`);
    await byTestId(`screen-${id}`).waitFor();
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    assert.ok(scrollWidth <= innerWidth, `${id}: ${scrollWidth} px wide in a ${innerWidth} px window`);
  }
  await page.keyboard.press('Alt+f');
  await byTestId('freeze-dialog').waitFor();
  await page.keyboard.press('Escape');
  await byTestId('freeze-dialog').waitFor({ state: 'hidden' });
});

test('the console made no request outside https://airlock.local', () => {
  assert.deepEqual(session.foreignRequests, []);
  assert.ok(session.requests.some((u) => u.endsWith('/console.js')));
});
