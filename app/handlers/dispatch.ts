/**
 * The IPC edge, the same for Electron's ipcMain (app/main/ipc.ts) and the Chromium harness (e2e/):
 * a known channel, a request parsed from `unknown` by the contract, then the handler; every outcome an
 * `IpcResult`, every error an ErrorView. Handlers run one at a time (the PKCS#11 token, the ledger and
 * an operator's double click all want that): a second request waits for the first.
 * The caller checks the sender frame before it dispatches.
 */
import {
  type Channel,
  type EventName,
  type Events,
  type IpcResult,
  isChannel,
  parseRequest,
  type RequestOf,
  type ResponseOf,
} from '../common/ipc-contract.js';
import { errorView } from './error-view.js';

export type Emit = <E extends EventName>(event: E, payload: Events[E]) => void;

export type Handler<C extends Channel> = (request: RequestOf<C>, emit: Emit) => Promise<ResponseOf<C>>;

/** One handler per channel: a channel without one does not compile. */
export type Handlers = { readonly [C in Channel]: Handler<C> };

let queue: Promise<unknown> = Promise.resolve();

export async function dispatch(
  handlers: Handlers,
  channel: unknown,
  payload: unknown,
  emit: Emit,
): Promise<IpcResult<unknown>> {
  if (!isChannel(channel))
    return {
      ok: false,
      error: {
        kind: 'invalid-request',
        code: 'UNKNOWN_CHANNEL',
        message: `no such IPC channel: ${JSON.stringify(String(channel)).slice(0, 80)}`,
      },
    };
  const run = async (): Promise<IpcResult<unknown>> => {
    try {
      const request = parseRequest(channel, payload);
      const handler = handlers[channel] as Handler<Channel>;
      return { ok: true, value: await handler(request as never, emit) };
    } catch (err) {
      return { ok: false, error: errorView(err) };
    }
  };
  const result = queue.then(run, run);
  queue = result;
  return result;
}
