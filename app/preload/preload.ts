/**
 * The sandboxed preload of the console window: exposes `window.airlock` (AirlockBridge) and nothing
 * else. Bundled to CommonJS (dist/app/preload/preload.cjs) by scripts/build-console.mjs with
 * `electron` external, because a sandboxed preload cannot load ES modules or local files.
 * All checks live in bridge.ts; here only ipcRenderer is wired in, and Electron's
 * IpcRendererEvent never reaches the page.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_GLOBAL } from '../common/ipc-contract.js';
import { createBridge } from './bridge.js';

contextBridge.exposeInMainWorld(
  BRIDGE_GLOBAL,
  createBridge({
    invoke: (channel, request) => ipcRenderer.invoke(channel, request),
    subscribe: (event, listener) => {
      const forward = (_event: Electron.IpcRendererEvent, payload: unknown) => listener(payload);
      ipcRenderer.on(event, forward);
      return () => {
        ipcRenderer.removeListener(event, forward);
      };
    },
  }),
);
