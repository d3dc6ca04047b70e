/**
 * What the camera can bring that must be refused, in the operator console with real SoftHSM2 tokens
 * and SQLite: a QR code that is not Airlock's (a payment link on a phone held up to the camera) is
 * read and ignored while the scan goes on; a batch whose words were edited after the coordinator
 * signed them is reassembled from the animated QR and then refused at import with its code, and
 * nothing of it is kept. The camera is Chromium's fake capture device fed with one .y4m holding both.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { ApplianceStatus, IpcResult } from '../app/common/ipc-contract.js';
import { renderFrame } from '../qr-transport/image/render.js';
import { decodeY4m, Y4mWriter } from '../qr-transport/image/y4m.js';
import { batchVideo, type E2eAppliance, onlineBatch, setUpE2eAppliance } from '../test-support/appliance.js';
import { type ConsoleSession, invokeInPage, openConsole } from './harness/console.js';

let root: string;
let appliance: E2eAppliance;
let session: ConsoleSession;
let page: Page;
let auditRowsBefore: number;

const FOREIGN_FRAMES = 4;

const invoke = (channel: string, request: unknown) => invokeInPage(page, channel, request);

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'airlock-e2e-camera-'));
  appliance = setUpE2eAppliance(root);
  const batchFile = onlineBatch(appliance, join(appliance.transfer, 'batch.json'));
  // Words edited after the coordinator signed: 1 satoshi more than the batch says it pays.
  const wire = JSON.parse(readFileSync(batchFile, 'utf8')) as { withdrawals: { amount: string }[] };
  wire.withdrawals[0]!.amount = (BigInt(wire.withdrawals[0]!.amount) + 1n).toString();
  const tampered = join(appliance.transfer, 'tampered.json');
  writeFileSync(tampered, JSON.stringify(wire));
  const { info, frames } = decodeY4m(
    readFileSync(batchVideo(appliance, tampered, join(root, 'tampered.y4m'))),
  );
  // The video: someone's payment-link QR first, then the online node's animated QR.
  const chunks: Uint8Array[] = [];
  const writer = new Y4mWriter((c) => chunks.push(c), { width: info.width, height: info.height, fps: 10 });
  const foreign = renderFrame(
    { mode: 'byte', bytes: new TextEncoder().encode('bitcoin:tb1qforeign?amount=1.5') },
    { width: info.width, height: info.height },
  );
  for (let i = 0; i < FOREIGN_FRAMES; i++) writer.writeFrame(foreign);
  for (const f of frames) writer.writeFrame(f);
  const video = join(root, 'camera.y4m');
  writeFileSync(video, Buffer.concat(chunks));
  session = await openConsole({ home: appliance.appliance, usbRoot: appliance.usbRoot, cameraY4m: video });
  page = session.page;
  const status = (await invoke('status:get', {})) as IpcResult<ApplianceStatus>;
  assert.ok(status.ok);
  auditRowsBefore = status.ok ? status.value.auditRows : -1;
});

after(async () => {
  await session?.close();
  rmSync(root, { recursive: true, force: true });
});

test('a foreign QR is read and ignored; the edited batch is reassembled, then refused at import naming why', async () => {
  await page.getByTestId('nav-import').click();
  await page.getByTestId('import-camera-start').click();
  const refusal = page.getByTestId('import-refusal');
  await refusal.waitFor({ timeout: 120_000 });
  assert.match((await refusal.textContent()) ?? '', /REFUSED/);
  const code = (await refusal.getByTestId('error-code').textContent()) ?? '';
  // The edited amount no longer adds up to the manifest the coordinator signed: refused before the
  // signature is even checked.
  assert.equal(code, 'MANIFEST_MISMATCH');
  assert.match((await refusal.getByTestId('error-field').textContent()) ?? '', /manifest/);
  const read = Number(await page.getByTestId('import-frames-read').textContent());
  const useful = Number(await page.getByTestId('import-frames-useful').textContent());
  assert.ok(read > useful, `frames read ${read}, useful ${useful}: the foreign QR was read and not used`);
});

test('nothing of the refused batch was kept: no batch, no ledger state, no audit row', async () => {
  const status = (await invoke('status:get', {})) as IpcResult<ApplianceStatus>;
  assert.ok(status.ok);
  if (!status.ok) return;
  assert.deepEqual(status.value.batches, []);
  assert.equal(status.value.auditRows, auditRowsBefore);
  assert.deepEqual(session.foreignRequests, []);
});
