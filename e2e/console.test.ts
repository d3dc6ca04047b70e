/**
 * The signing ceremony in the operator console, end to end, with real SoftHSM2 tokens and SQLite:
 * the online node builds a batch; its animated QR frames become a .y4m that Chromium's fake camera
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
import { decodePng } from '../qr-transport/image/png.js';
import { scanGray } from '../qr-transport/image/scan.js';
import { TransferDecoder } from '../qr-transport/transfer.js';
import {
  batchVideo,
  type E2eAppliance,
  loadOperatorCredentials,
  onlineBatch,
  setUpE2eAppliance,
} from '../test-support/appliance.js';
import { repoRoot } from '../test-support/paths.js';
import { addVirtualAuthenticator, type ConsoleSession, openConsole } from './harness/console.js';

let root: string;
let appliance: E2eAppliance;
let session: ConsoleSession;
let page: Page;
let batchFile: string;
let shots: string;

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
  appliance = setUpE2eAppliance(root);
  batchFile = onlineBatch(appliance, join(appliance.transfer, 'batch.json'));
  const video = batchVideo(appliance, batchFile, join(appliance.transfer, 'batch.y4m'));
  session = await openConsole({ home: appliance.appliance, usbRoot: appliance.usbRoot, cameraY4m: video });
  page = session.page;
  const authenticatorId = await addVirtualAuthenticator(session.cdp);
  await loadOperatorCredentials(appliance, session.cdp, authenticatorId);
});

after(async () => {
  await session?.close();
  rmSync(root, { recursive: true, force: true });
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

test('refused: a tampered batch on the USB stick is shown refused with its code and field', async () => {
  const wire = JSON.parse(readFileSync(batchFile, 'utf8')) as { withdrawals: { destination: string }[] };
  wire.withdrawals[0]!.destination = wire.withdrawals[1]!.destination;
  writeFileSync(join(appliance.usbRoot, 'tampered.json'), JSON.stringify(wire));
  await go('import');
  await byTestId('usb-refresh').click();
  await page.locator('[data-testid="usb-import"][data-name="tampered.json"]').click();
  const refusal = byTestId('import-refusal');
  await refusal.waitFor();
  // The coordinator's signature covers the words: a changed destination breaks it, and it is named.
  assert.match(await textOf(refusal), /REFUSED/);
  assert.match(await textOf(refusal.locator('[data-testid="error-code"]')), /^[A-Z][A-Z_]{5,}$/);
  await screenshot('09-refused-import');
});

test('freeze: an admin freezes at once (PIN + WebAuthn); the banner shows; a new batch is refused by the policy', async () => {
  await byTestId('freeze-button').click();
  await byTestId('freeze-dialog').waitFor();
  await byTestId('freeze-operator').selectOption('alice');
  await byTestId('freeze-reason').fill('e2e drill');
  await screenshot('10-freeze-dialog');
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

test('the console made no request outside https://airlock.local', () => {
  assert.deepEqual(session.foreignRequests, []);
  assert.ok(session.requests.some((u) => u.endsWith('/console.js')));
});
