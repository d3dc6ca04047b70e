/**
 * The IPC edge with plain objects standing in for Electron's event, frame and window: the sender is
 * checked before dispatch sees anything, events go out only by name, and a throwing dispatch becomes
 * an internal IpcResult.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHANNELS } from '../common/ipc-contract.js';
import { type ConsoleWindowLike, edgeHandler, emitterFor, type InvokeEventLike, registerIpc } from './ipc.js';

function fakeWindow() {
  const sent: [string, unknown][] = [];
  const mainFrame = { url: 'https://airlock.local/index.html' };
  const webContents = {
    mainFrame,
    isDestroyed: () => false,
    send: (channel: string, ...args: unknown[]) => {
      sent.push([channel, args[0]]);
    },
  };
  let destroyed = false;
  const win: ConsoleWindowLike & { destroy(): void } = {
    isDestroyed: () => destroyed,
    webContents,
    destroy: () => {
      destroyed = true;
    },
  };
  return { win, sent, mainFrame, webContents };
}

function recorder() {
  const calls: { channel: unknown; payload: unknown }[] = [];
  const dispatch = async (_h: string, channel: unknown, payload: unknown) => {
    calls.push({ channel, payload });
    return { ok: true as const, value: 'done' };
  };
  return { calls, dispatch };
}

test('the console main frame reaches dispatch with the raw payload', async () => {
  const { win, mainFrame, webContents } = fakeWindow();
  const { calls, dispatch } = recorder();
  const h = edgeHandler('status:get', { getWindow: () => win, handlers: 'H', dispatch, log: () => {} });
  const event: InvokeEventLike = { sender: webContents, senderFrame: mainFrame };
  assert.deepEqual(await h(event, { any: 'thing' }), { ok: true, value: 'done' });
  assert.deepEqual(calls, [{ channel: 'status:get', payload: { any: 'thing' } }]);
});

test('an iframe, another web contents, a gone frame or a foreign origin never reach dispatch', async () => {
  const { win, mainFrame, webContents } = fakeWindow();
  const { calls, dispatch } = recorder();
  const logs: string[] = [];
  const h = edgeHandler('batch:sign', {
    getWindow: () => win,
    handlers: 'H',
    dispatch,
    log: (l) => logs.push(l),
  });
  const iframe = { url: 'https://airlock.local/index.html' };
  const events: InvokeEventLike[] = [
    { sender: webContents, senderFrame: iframe },
    { sender: {}, senderFrame: mainFrame },
    { sender: webContents, senderFrame: null },
  ];
  for (const e of events) {
    const r = await h(e, { digest: 'x', pin: '1234' });
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.code, 'IPC_SENDER_REFUSED');
  }
  mainFrame.url = 'https://example.com/';
  const r = await h({ sender: webContents, senderFrame: mainFrame }, {});
  assert.ok(!r.ok && r.error.code === 'IPC_SENDER_REFUSED');
  assert.equal(calls.length, 0);
  assert.equal(logs.length, 4);
  assert.ok(
    logs.every((l) => !l.includes('1234')),
    'the payload (a PIN) is never logged',
  );
});

test('no window, or a destroyed one, refuses every sender', async () => {
  const { win, mainFrame, webContents } = fakeWindow();
  const { calls, dispatch } = recorder();
  const none = edgeHandler('status:get', { getWindow: () => null, handlers: 'H', dispatch, log: () => {} });
  assert.equal((await none({ sender: webContents, senderFrame: mainFrame }, {})).ok, false);
  win.destroy();
  const dead = edgeHandler('status:get', { getWindow: () => win, handlers: 'H', dispatch, log: () => {} });
  assert.equal((await dead({ sender: webContents, senderFrame: mainFrame }, {})).ok, false);
  assert.equal(calls.length, 0);
});

test('a frame whose getters throw is refused', async () => {
  const { win, webContents } = fakeWindow();
  const { calls, dispatch } = recorder();
  const h = edgeHandler('status:get', { getWindow: () => win, handlers: 'H', dispatch, log: () => {} });
  const event = {
    sender: webContents,
    get senderFrame(): { url: string } {
      throw new Error('Render frame was disposed before WebFrameMain could be accessed');
    },
  };
  const r = await h(event, {});
  assert.ok(!r.ok && r.error.code === 'IPC_SENDER_REFUSED');
  assert.equal(calls.length, 0);
});

test('a throwing dispatch becomes an internal error, not a rejected invoke', async () => {
  const { win, mainFrame, webContents } = fakeWindow();
  const h = edgeHandler('status:get', {
    getWindow: () => win,
    handlers: 'H',
    dispatch: async () => {
      throw new Error('boom');
    },
    log: () => {},
  });
  const r = await h({ sender: webContents, senderFrame: mainFrame }, {});
  assert.ok(!r.ok && r.error.kind === 'internal' && r.error.code === 'INTERNAL');
  assert.doesNotMatch(r.ok ? '' : r.error.message, /boom/);
});

test('events: known names go to the window; unknown names and dead windows get nothing', () => {
  const { win, sent } = fakeWindow();
  const emit = emitterFor(() => win);
  const p = { digest: 'd', phase: 'signing', done: 1, total: 3 } as const;
  emit('sign:progress', p);
  (emit as (e: string, p: unknown) => void)('evil:event', { x: 1 });
  assert.deepEqual(sent, [['sign:progress', p]]);
  win.destroy();
  emit('sign:progress', p);
  assert.equal(sent.length, 1);
  emitterFor(() => null)('sign:progress', p);
});

test('registerIpc handles exactly the contract channels and removes them again', () => {
  const handled: string[] = [];
  const removed: string[] = [];
  const ipcMain = {
    handle: (c: string) => {
      handled.push(c);
    },
    removeHandler: (c: string) => {
      removed.push(c);
    },
  };
  const { dispatch } = recorder();
  const off = registerIpc(ipcMain as never, { getWindow: () => null, handlers: 'H', dispatch });
  assert.deepEqual(handled, [...CHANNELS]);
  off();
  assert.deepEqual(removed, [...CHANNELS]);
});
