/**
 * The real preload, bundled as scripts/build-console.mjs bundles it (CommonJS, `electron` external),
 * run in a fresh V8 context with stand-ins for contextBridge and ipcRenderer: it exposes exactly
 * `airlock`, sends only contract channels, and the page's listener never sees the IpcRendererEvent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { build } from 'esbuild';

const source = fileURLToPath(new URL('../../../app/preload/preload.ts', import.meta.url));

async function loadPreload() {
  const out = await build({
    entryPoints: [source],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['electron'],
    write: false,
    logLevel: 'silent',
  });
  const code = out.outputFiles[0]?.text ?? '';
  const exposed = new Map<string, unknown>();
  const invoked: [string, unknown][] = [];
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  const required: string[] = [];
  const electron = {
    contextBridge: {
      exposeInMainWorld: (key: string, api: unknown) => {
        exposed.set(key, api);
      },
    },
    ipcRenderer: {
      invoke: async (channel: string, request: unknown) => {
        invoked.push([channel, request]);
        return { ok: true, value: channel };
      },
      on: (channel: string, l: (...args: unknown[]) => void) => {
        const set = listeners.get(channel) ?? new Set();
        set.add(l);
        listeners.set(channel, set);
      },
      removeListener: (channel: string, l: (...args: unknown[]) => void) => {
        listeners.get(channel)?.delete(l);
      },
    },
  };
  const module = { exports: {} };
  const sandboxRequire = (name: string) => {
    required.push(name);
    if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
    return electron;
  };
  vm.runInNewContext(code, { require: sandboxRequire, module, exports: module.exports, console });
  const emit = (channel: string, ...args: unknown[]) => {
    for (const l of listeners.get(channel) ?? []) l(...args);
  };
  return { exposed, invoked, listeners, required, emit };
}

test('exposes exactly window.airlock, requiring nothing but electron', async () => {
  const { exposed, required } = await loadPreload();
  assert.deepEqual([...exposed.keys()], ['airlock']);
  assert.deepEqual(required, ['electron']);
  const bridge = exposed.get('airlock') as Record<string, unknown>;
  assert.deepEqual(Object.keys(bridge).sort(), ['invoke', 'on']);
});

test('invoke: contract channels go through ipcRenderer.invoke, others never leave the preload', async () => {
  const { exposed, invoked } = await loadPreload();
  const bridge = exposed.get('airlock') as {
    invoke(c: string, r: unknown): Promise<{ ok: boolean; error?: { code: string } }>;
  };
  assert.deepEqual(await bridge.invoke('status:get', {}), { ok: true, value: 'status:get' });
  const refused = await bridge.invoke('shell:openExternal', { url: 'https://example.com' });
  assert.equal(refused.ok, false);
  assert.equal(refused.error?.code, 'UNKNOWN_CHANNEL');
  assert.deepEqual(invoked, [['status:get', {}]]);
});

test('on: the listener gets the payload alone; unsubscribe removes the ipcRenderer listener', async () => {
  const { exposed, listeners, emit } = await loadPreload();
  const bridge = exposed.get('airlock') as { on(e: string, l: (...a: unknown[]) => void): () => void };
  const got: unknown[][] = [];
  const off = bridge.on('sign:progress', (...args) => got.push(args));
  const fakeEvent = { sender: { send: () => {} }, senderId: 0, ports: [] };
  const payload = { digest: 'd', phase: 'done', done: 2, total: 2 };
  emit('sign:progress', fakeEvent, payload);
  assert.deepEqual(got, [[payload]]);
  off();
  assert.equal(listeners.get('sign:progress')?.size, 0);
  assert.throws(() => bridge.on('ipc:raw', () => {}), /no such event/);
});
