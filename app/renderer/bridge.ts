/**
 * The console's only way to the appliance: `window.airlock` (AirlockBridge, exposed by the preload
 * in Electron and by the harness in Chromium). `call` never throws: a missing bridge or a rejected
 * invoke becomes an `IpcResult` error like the appliance's own refusals.
 */
import {
  type AirlockBridge,
  BRIDGE_GLOBAL,
  type Channel,
  type EventName,
  type Events,
  type IpcResult,
  type RequestOf,
  type ResponseOf,
} from '../common/ipc-contract.js';
import { RendererError, toErrorView } from './errors.js';

export function getBridge(): AirlockBridge {
  const b = (globalThis as Record<string, unknown>)[BRIDGE_GLOBAL] as AirlockBridge | undefined;
  if (!b || typeof b.invoke !== 'function' || typeof b.on !== 'function') {
    throw new RendererError(
      'BRIDGE_MISSING',
      `window.${BRIDGE_GLOBAL} is missing: open the console inside the Airlock appliance`,
    );
  }
  return b;
}

export async function call<C extends Channel>(
  channel: C,
  request: RequestOf<C>,
): Promise<IpcResult<ResponseOf<C>>> {
  try {
    const result = await getBridge().invoke(channel, request);
    if (typeof result !== 'object' || result === null || typeof result.ok !== 'boolean') {
      return {
        ok: false,
        error: {
          kind: 'internal',
          code: 'IPC_REJECTED',
          message: `${channel}: the bridge answered without a result`,
        },
      };
    }
    return result;
  } catch (err) {
    const view = toErrorView(err);
    return {
      ok: false,
      error:
        view.code === 'BRIDGE_MISSING'
          ? view
          : { ...view, code: 'IPC_REJECTED', message: `${channel}: ${view.message}` },
    };
  }
}

/** Subscribe to an appliance event; a no-op unsubscribe when there is no bridge. */
export function onEvent<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
  try {
    return getBridge().on(event, listener);
  } catch {
    return () => {};
  }
}
