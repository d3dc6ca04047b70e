/**
 * Serves the console at https://airlock.local/ from the packaged renderer files, by taking over the
 * `https` scheme of a session with `protocol.handle`. Every https request of that session ends here:
 * the console's own files are served (console-files.ts), anything else is refused with 403. So no
 * https request of the console session ever reaches Chromium's network stack.
 */
import type { Session } from 'electron';
import { type ConsoleRefusal, serveConsoleRequest } from './console-files.js';

export function registerConsoleProtocol(
  ses: Session,
  rendererRoot: string,
  log: (line: string) => void = (line) => console.warn(line),
): void {
  const onRefusal = (r: ConsoleRefusal, url: string) =>
    log(`airlock console: refused ${url}: ${r.code} ${r.message}`);
  ses.protocol.handle('https', (request) => serveConsoleRequest(rendererRoot, request, onRefusal));
}
