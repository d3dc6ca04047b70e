/** window.airlock over an injected transport: channel and event allowlists, no Electron event leaks. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BRIDGE_GLOBAL, CHANNELS } from '../common/ipc-contract.js';
import { BridgeError, type BridgeTransport, createBridge } from './bridge.js';

function fakeTransport(answer: unknown = { ok: true, value: 42 }) {
  const sent: [string, unknown][] = [];
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const transport: BridgeTransport = {
    invoke: async (channel, request) => {
      sent.push([channel, request]);
      if (answer instanceof Error) throw answer;
      return answer;
    },
    subscribe: (event, listener) => {
      // What ipcRenderer would call: (IpcRendererEvent, payload); the preload strips the first.
      const set = listeners.get(event) ?? new Set();
      set.add(listener);
      listeners.set(event, set);
      return () => set.delete(listener);
    },
  };
  const fire = (event: string, payload: unknown) => {
    for (const l of listeners.get(event) ?? []) l(payload);
  };
  return { transport, sent, fire, listeners };
}

test('exactly invoke and on, frozen', () => {
  const b = createBridge(fakeTransport().transport);
  assert.deepEqual(Object.keys(b).sort(), ['invoke', 'on']);
  assert.ok(Object.isFrozen(b));
  assert.equal(BRIDGE_GLOBAL, 'airlock');
});

test('a contract channel is sent with its request and the answer handed back', async () => {
  const { transport, sent } = fakeTransport({ ok: true, value: { root: '/media', files: [] } });
  const b = createBridge(transport);
  for (const c of CHANNELS) await b.invoke(c, {} as never);
  assert.deepEqual(
    sent.map(([c]) => c),
    [...CHANNELS],
  );
  assert.deepEqual(await b.invoke('usb:list', {}), { ok: true, value: { root: '/media', files: [] } });
});

test('an unknown channel is refused without sending anything', async () => {
  const { transport, sent } = fakeTransport();
  const b = createBridge(transport);
  for (const c of ['evil', 'status:get ', '__proto__', 'constructor', '', 42, null]) {
    const r = await b.invoke(c as never, {} as never);
    assert.ok(!r.ok, String(c));
    if (!r.ok) {
      assert.equal(r.error.kind, 'invalid-request');
      assert.equal(r.error.code, 'UNKNOWN_CHANNEL');
    }
  }
  assert.equal(sent.length, 0);
});

test('a failing transport or a malformed answer is an IpcResult error, never a throw', async () => {
  const failing = createBridge(fakeTransport(new Error('no handler registered')).transport);
  const r = await failing.invoke('status:get', {});
  assert.ok(!r.ok && r.error.code === 'IPC_FAILED' && r.error.kind === 'internal');
  for (const bad of [null, 'yes', { ok: 'true' }, { ok: false }, { ok: true }]) {
    const b = createBridge(fakeTransport(bad).transport);
    const x = await b.invoke('status:get', {});
    assert.ok(!x.ok && x.error.code === 'IPC_BAD_ANSWER', JSON.stringify(bad));
  }
  const undef = createBridge({ invoke: async () => undefined, subscribe: () => () => {} });
  const u = await undef.invoke('status:get', {});
  assert.ok(!u.ok && u.error.code === 'IPC_BAD_ANSWER');
  const refused = { ok: false, error: { kind: 'pin', code: 'PIN_INCORRECT', message: 'wrong PIN' } };
  assert.deepEqual(await createBridge(fakeTransport(refused).transport).invoke('status:get', {}), refused);
});

test('on: payload only, unsubscribe once, known events only', () => {
  const { transport, fire, listeners } = fakeTransport();
  const b = createBridge(transport);
  const got: unknown[][] = [];
  const off = b.on('sign:progress', (...args: unknown[]) => got.push(args));
  const p = { digest: 'd', phase: 'signing', done: 1, total: 2 };
  fire('sign:progress', p);
  assert.deepEqual(got, [[p]], 'exactly one argument: the payload');
  off();
  off();
  fire('sign:progress', p);
  assert.equal(got.length, 1);
  assert.equal(listeners.get('sign:progress')?.size, 0);
  assert.throws(
    () => b.on('evil' as never, () => {}),
    (e: unknown) => e instanceof BridgeError && e.code === 'UNKNOWN_EVENT',
  );
  assert.throws(
    () => b.on('sign:progress', 'not a function' as never),
    (e: unknown) => e instanceof BridgeError && e.code === 'BAD_LISTENER',
  );
});

test('the bridge module imports neither electron nor node:', async () => {
  const { readFile } = await import('node:fs/promises');
  const js = await readFile(new URL('./bridge.js', import.meta.url), 'utf8');
  assert.doesNotMatch(js, /from ['"](electron|node:[a-z/]+)['"]/);
});
