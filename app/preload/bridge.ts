/**
 * The one object the renderer gets as `window.airlock` (AirlockBridge), built over an injected
 * transport: Electron's preload passes `ipcRenderer`, the Chromium harness passes its own.
 *
 * Invariants: `invoke` refuses a channel outside CHANNELS without sending anything (an IpcResult
 * error, never a throw), and a transport failure becomes an IpcResult error too; `on` accepts only
 * names in EVENTS and a function, hands the listener the payload alone (never Electron's event
 * object), and returns an unsubscribe that works once; the bridge is frozen and has exactly the two
 * members of AirlockBridge. No Electron import, no `node:` import: it runs in a sandboxed preload
 * and in a page.
 */
import {
  type AirlockBridge,
  CHANNELS,
  type Channel,
  EVENTS,
  type EventName,
  type Events,
  type IpcResult,
  type RequestOf,
  type ResponseOf,
} from '../common/ipc-contract.js';

export interface BridgeTransport {
  /** Send a request on a known channel; resolves with what the main process answered. */
  invoke(channel: Channel, request: unknown): Promise<unknown>;
  /** Listen to a known event; the listener gets the payload only; returns the unsubscribe. */
  subscribe(event: EventName, listener: (payload: unknown) => void): () => void;
}

export class BridgeError extends Error {
  override readonly name = 'BridgeError';
  constructor(
    readonly code: 'UNKNOWN_EVENT' | 'BAD_LISTENER',
    message: string,
  ) {
    super(message);
  }
}

const isKnown = (list: readonly string[], value: unknown): boolean =>
  typeof value === 'string' && list.includes(value);

function isIpcResult(value: unknown): value is IpcResult<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { ok?: unknown; value?: unknown; error?: unknown };
  if (v.ok === true) return 'value' in v;
  return v.ok === false && typeof v.error === 'object' && v.error !== null;
}

export function createBridge(transport: BridgeTransport): AirlockBridge {
  const bridge: AirlockBridge = {
    async invoke<C extends Channel>(channel: C, request: RequestOf<C>): Promise<IpcResult<ResponseOf<C>>> {
      if (!isKnown(CHANNELS, channel))
        return {
          ok: false,
          error: {
            kind: 'invalid-request',
            code: 'UNKNOWN_CHANNEL',
            message: `no such IPC channel: ${JSON.stringify(String(channel)).slice(0, 80)}`,
          },
        };
      try {
        const answer = await transport.invoke(channel, request);
        if (isIpcResult(answer)) return answer as IpcResult<ResponseOf<C>>;
        return {
          ok: false,
          error: {
            kind: 'internal',
            code: 'IPC_BAD_ANSWER',
            message: `${channel}: the appliance answered without a result`,
          },
        };
      } catch (err) {
        return {
          ok: false,
          error: {
            kind: 'internal',
            code: 'IPC_FAILED',
            message: `${channel}: the request did not reach the appliance (${String((err as Error)?.message ?? err)})`,
          },
        };
      }
    },
    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
      if (!isKnown(EVENTS, event))
        throw new BridgeError(
          'UNKNOWN_EVENT',
          `no such event: ${JSON.stringify(String(event)).slice(0, 80)}`,
        );
      if (typeof listener !== 'function')
        throw new BridgeError('BAD_LISTENER', `"listener" must be a function`);
      let off: (() => void) | null = transport.subscribe(event, (payload) => listener(payload as Events[E]));
      return () => {
        off?.();
        off = null;
      };
    },
  };
  return Object.freeze(bridge);
}
