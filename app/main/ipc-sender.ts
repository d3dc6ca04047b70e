/**
 * The IPC edge's first question: did this message come from the console's main frame?
 *
 * Invariants: a message is accepted only when the sending frame still exists, is the main frame of
 * the one console window (identity, not URL: `event.senderFrame === win.webContents.mainFrame`),
 * belongs to that window's web contents, and its current URL is on CONSOLE_ORIGIN. Anything else —
 * an iframe, a second window, a frame that navigated away or was destroyed — is refused with the
 * stable code IPC_SENDER_REFUSED before the payload is even looked at. Pure: no Electron import.
 */
import { CONSOLE_ORIGIN, type ErrorView, type IpcResult } from '../common/ipc-contract.js';

export interface SenderFacts {
  /** The sending frame's URL, or null when `event.senderFrame` is null (gone or navigated). */
  readonly frameUrl: string | null;
  /** The sending frame is the console window's main frame (by identity). */
  readonly isMainFrame: boolean;
  /** `event.sender` is the console window's web contents. */
  readonly sameWebContents: boolean;
}

export const SENDER_REFUSED = 'IPC_SENDER_REFUSED';

/** Null when the sender is the console's main frame; otherwise the error to return. */
export function senderRefusal(facts: SenderFacts): ErrorView | null {
  const refuse = (why: string): ErrorView => ({
    kind: 'sender',
    code: SENDER_REFUSED,
    message: `IPC refused: ${why}`,
  });
  if (facts.frameUrl === null) return refuse('the sending frame no longer exists');
  if (!facts.sameWebContents) return refuse('the message did not come from the console window');
  if (!facts.isMainFrame) return refuse('the message did not come from the console main frame');
  let origin: string;
  try {
    origin = new URL(facts.frameUrl).origin;
  } catch {
    return refuse('the sending frame has no valid URL');
  }
  if (origin !== CONSOLE_ORIGIN) return refuse(`the sending frame is on ${origin}, not ${CONSOLE_ORIGIN}`);
  return null;
}

export function senderRefusedResult(error: ErrorView): IpcResult<never> {
  return { ok: false, error };
}
