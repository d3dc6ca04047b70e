/**
 * Registers one `ipcMain.handle` per contract channel. Each handler checks the sender first
 * (ipc-sender.ts), then hands the raw payload to the lead's `dispatch` (app/handlers/dispatch.ts),
 * which parses it from `unknown` with the contract's `parseRequest` and runs the handler table.
 * Events go to the console window only for names in EVENTS.
 *
 * Invariants: no channel outside CHANNELS is registered; no payload reaches `dispatch` from a
 * refused sender; a handler never throws across IPC (a throw from dispatch becomes an `internal`
 * IpcResult); nothing but `webContents.send(event, payload)` with a known event goes to the renderer.
 * Imports only types from `electron`, so it is tested with plain objects standing in for events.
 */
import type { IpcMain } from 'electron';
import {
  CHANNELS,
  type Channel,
  EVENTS,
  type EventName,
  type Events,
  type IpcResult,
} from '../common/ipc-contract.js';
import { senderRefusal, senderRefusedResult } from './ipc-sender.js';

export type Emit = <E extends EventName>(event: E, payload: Events[E]) => void;

export type Dispatch<H> = (
  handlers: H,
  channel: unknown,
  payload: unknown,
  emit: Emit,
) => Promise<IpcResult<unknown>>;

/** The part of an IpcMainInvokeEvent the edge looks at. */
export interface InvokeEventLike {
  readonly sender: unknown;
  readonly senderFrame: { readonly url: string } | null;
}

/** The part of the console window the edge looks at. */
export interface ConsoleWindowLike {
  isDestroyed(): boolean;
  readonly webContents: {
    readonly mainFrame: unknown;
    isDestroyed(): boolean;
    send(channel: string, ...args: unknown[]): void;
  };
}

export interface IpcEdgeDeps<H> {
  readonly getWindow: () => ConsoleWindowLike | null;
  readonly handlers: H;
  readonly dispatch: Dispatch<H>;
  readonly log?: (line: string) => void;
}

/** The facts about a sender, read defensively (a destroyed frame may throw on access). */
export function senderFactsOf(event: InvokeEventLike, win: ConsoleWindowLike | null) {
  try {
    const frame = event.senderFrame;
    const live = win !== null && !win.isDestroyed() && !win.webContents.isDestroyed();
    return {
      frameUrl: frame ? frame.url : null,
      isMainFrame: live && frame !== null && frame === win.webContents.mainFrame,
      sameWebContents: live && event.sender === win.webContents,
    };
  } catch {
    return { frameUrl: null, isMainFrame: false, sameWebContents: false };
  }
}

/** Send an event to the console window, only for names in EVENTS and only while it lives. */
export function emitterFor(getWindow: () => ConsoleWindowLike | null): Emit {
  return (event, payload) => {
    if (!(EVENTS as readonly string[]).includes(event)) return;
    const win = getWindow();
    if (!win || win.isDestroyed() || win.webContents.isDestroyed()) return;
    win.webContents.send(event, payload);
  };
}

/** The function registered for `channel`: sender check, then dispatch. */
export function edgeHandler<H>(channel: Channel, deps: IpcEdgeDeps<H>) {
  const emit = emitterFor(deps.getWindow);
  const log = deps.log ?? ((line: string) => console.warn(line));
  return async (event: InvokeEventLike, payload: unknown): Promise<IpcResult<unknown>> => {
    const refusal = senderRefusal(senderFactsOf(event, deps.getWindow()));
    if (refusal) {
      log(`airlock ipc: ${channel}: ${refusal.message}`);
      return senderRefusedResult(refusal);
    }
    try {
      return await deps.dispatch(deps.handlers, channel, payload, emit);
    } catch (err) {
      log(`airlock ipc: ${channel}: dispatch threw: ${(err as Error)?.stack ?? String(err)}`);
      return {
        ok: false,
        error: { kind: 'internal', code: 'INTERNAL', message: `${channel} failed inside the appliance` },
      };
    }
  };
}

/** Register every channel; returns a function that removes them again. */
export function registerIpc<H>(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  deps: IpcEdgeDeps<H>,
): () => void {
  for (const channel of CHANNELS) ipcMain.handle(channel, edgeHandler(channel, deps));
  return () => {
    for (const channel of CHANNELS) ipcMain.removeHandler(channel);
  };
}
