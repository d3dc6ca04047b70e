/**
 * The IPC edge as the console's page meets it (Electron when its binary exists, else Chromium with the
 * same bridge, sender check and handler table): a typed facade with exactly two members, payloads
 * parsed from unknown and refused naming the member, unknown channels refused before anything is
 * sent, frames other than the console's main frame refused, no Node in the page.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ApplianceStatus, IpcResult } from '../app/common/ipc-contract.js';
import { type E2eAppliance, setUpE2eAppliance } from '../test-support/appliance.js';
import { type ConsoleSession, invokeInPage, openConsole } from './harness/console.js';

let root: string;
let appliance: E2eAppliance;
let session: ConsoleSession;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'airlock-e2e-ipc-'));
  appliance = setUpE2eAppliance(root);
  session = await openConsole({ home: appliance.appliance, usbRoot: appliance.usbRoot });
});

after(async () => {
  await session?.close();
  rmSync(root, { recursive: true, force: true });
});

const invoke = (channel: string, request: unknown) => invokeInPage(session.page, channel, request);

test('status:get answers from the real appliance: operators, policy, signing token on SoftHSM2', async () => {
  const r = (await invoke('status:get', {})) as IpcResult<ApplianceStatus>;
  assert.equal(r.ok, true, JSON.stringify(r));
  if (!r.ok) return;
  assert.deepEqual(
    r.value.operators.map((o) => [o.id, o.role, o.cardPresent]),
    [
      ['alice', 'admin', true],
      ['bob', 'operator', true],
      ['carol', 'operator', true],
    ],
  );
  assert.equal(r.value.signingToken.present, true);
  assert.equal(r.value.policy?.version, 1);
  assert.equal(r.value.freeze.frozen, false);
  assert.equal(r.value.network, 'testnet');
  assert.deepEqual(r.value.relyingParty, { rpId: 'airlock.local', origin: 'https://airlock.local' });
});

test('a payload that does not parse is refused naming the member, before any handler runs', async () => {
  const cases: [string, unknown, string][] = [
    ['batch:review', { digest: 'zz' }, 'digest'],
    ['batch:review', { digest: 'a'.repeat(64), extra: 1 }, 'extra'],
    ['batch:import', { from: 'network', url: 'https://x' }, 'url'],
    ['batch:import', { from: 'camera', bytes: 'not base64!' }, 'bytes'],
    ['batch:sign', { digest: 'a'.repeat(64), shares: ['only-one'] }, 'shares'],
    ['audit:list', { beforeSeq: -1, limit: 10 }, 'beforeSeq'],
    [
      'approval:submit',
      { digest: 'a'.repeat(64), operatorId: 'alice', pin: '1', assertion: {} },
      'credentialId',
    ],
    ['status:get', 'text', 'request'],
  ];
  for (const [channel, request, member] of cases) {
    const r = await invoke(channel, request);
    assert.equal(r.ok, false, `${channel} ${JSON.stringify(request)}`);
    if (r.ok) continue;
    assert.equal(r.error.kind, 'invalid-request');
    assert.equal(r.error.code, 'INVALID_REQUEST');
    assert.equal(r.error.field, member, r.error.message);
  }
});

test('an unknown channel is refused by the bridge; a batch never imported is a typed error', async () => {
  const r = await invoke('shell:exec', { command: 'id' });
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.error.code, 'UNKNOWN_CHANNEL');
  const missing = await invoke('batch:review', { digest: 'ab'.repeat(32) });
  assert.equal(missing.ok, false);
  if (!missing.ok) assert.equal(missing.error.code, 'BATCH_NOT_IMPORTED');
});

test('the page has the facade and nothing else: frozen, two members, no Node', async () => {
  const facts = await session.page.evaluate(() => {
    const w = window as unknown as Record<string, unknown>;
    const bridge = w.airlock as object;
    return {
      members: Object.keys(bridge).sort(),
      frozen: Object.isFrozen(bridge),
      require: typeof w.require,
      process: typeof w.process,
      module: typeof w.module,
    };
  });
  assert.deepEqual(facts, {
    members: ['invoke', 'on'],
    frozen: true,
    require: 'undefined',
    process: 'undefined',
    module: 'undefined',
  });
});

test('IPC from a frame that is not the console main frame is refused by the sender check', async (t) => {
  if (session.runtime === 'electron') {
    // Under Electron the page cannot reach ipcRenderer at all; the sender check is unit-tested in
    // app/main/ipc-sender.test.ts and the iframe cannot even load (frame-ancestors 'none').
    const r = await session.page.evaluate(
      () => typeof (window as unknown as Record<string, unknown>).__airlockIpc,
    );
    assert.equal(r, 'undefined');
    return;
  }
  t.diagnostic('Chromium harness: a srcdoc iframe calls the harness binding directly');
  const answer = await session.page.evaluate(async () => {
    const frame = document.createElement('iframe');
    frame.srcdoc = '<p>child</p>';
    document.body.append(frame);
    await new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
    const w = frame.contentWindow as unknown as { __airlockIpc(c: string, r: unknown): Promise<unknown> };
    return w.__airlockIpc('status:get', {});
  });
  assert.deepEqual(
    { ok: (answer as { ok: boolean }).ok, code: (answer as { error: { code: string } }).error.code },
    { ok: false, code: 'IPC_SENDER_REFUSED' },
  );
});

test('the console made no request outside https://airlock.local', () => {
  assert.deepEqual(session.foreignRequests, []);
  assert.ok(session.requests.length > 0);
});
