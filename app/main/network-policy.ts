/**
 * The appliance's network and permission decisions, as pure functions (network-lockdown.ts wires
 * them into Electron). Deny by default: a request, a navigation or a permission is allowed only
 * when it matches one of the few cases below, each written out.
 *
 * Requests: only https://airlock.local/… (served by console-protocol.ts, never the network);
 * `data:` and `blob:` only for images and media (QR frames drawn to an <img>/canvas, the camera's
 * stream in a <video>), never for a frame, script, worker or fetch; `devtools:` only when DevTools
 * are allowed (development). Every other scheme — http, ws, wss, file, ftp, chrome, … — is cancelled.
 *
 * Permissions: only `media` for video (the camera reading QR codes), from the console origin's
 * main frame. No microphone, no notifications, no clipboard, no devices (HID/USB/serial/Bluetooth).
 *
 * No Electron import.
 */
import { CONSOLE_ORIGIN } from '../common/ipc-contract.js';

/** The console page: the only URL a frame may navigate to. */
export const CONSOLE_PAGE = `${CONSOLE_ORIGIN}/index.html`;

/** webRequest's resource types (OnBeforeRequestListenerDetails.resourceType). */
export type ResourceType =
  | 'mainFrame'
  | 'subFrame'
  | 'stylesheet'
  | 'script'
  | 'image'
  | 'font'
  | 'object'
  | 'xhr'
  | 'ping'
  | 'cspReport'
  | 'media'
  | 'webSocket'
  | 'other';

export interface RequestDecisionInput {
  readonly url: string;
  readonly resourceType: ResourceType | string;
  readonly devTools?: boolean;
}

export type Decision = { readonly allow: true } | { readonly allow: false; readonly reason: string };

const ALLOW: Decision = Object.freeze({ allow: true });
const deny = (reason: string): Decision => ({ allow: false, reason });

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** Same scheme, host and port as CONSOLE_ORIGIN, and no credentials. */
export function isConsoleOrigin(url: string): boolean {
  const u = parse(url);
  return u !== null && u.origin === CONSOLE_ORIGIN && u.username === '' && u.password === '';
}

/** Is this request (from any frame, worker or the browser itself) allowed to start? */
export function decideRequest(input: RequestDecisionInput): Decision {
  const u = parse(input.url);
  if (!u) return deny(`not a URL: ${JSON.stringify(input.url)}`);
  switch (u.protocol) {
    case 'https:':
      return isConsoleOrigin(input.url) ? ALLOW : deny(`https to ${u.host} is not the console`);
    case 'data:':
    case 'blob:':
      if (input.resourceType === 'image' || input.resourceType === 'media') return ALLOW;
      return deny(`${u.protocol} is allowed for images and media only, not ${input.resourceType}`);
    case 'devtools:':
      return input.devTools === true ? ALLOW : deny('DevTools are disabled');
    default:
      return deny(`the ${u.protocol} scheme is refused (no network on the appliance)`);
  }
}

/** A frame may only (re)load the console page itself: same origin, same path, no query. */
export function isNavigationAllowed(url: string): boolean {
  const u = parse(url);
  if (!u || !isConsoleOrigin(url)) return false;
  return (u.pathname === '/index.html' || u.pathname === '/') && u.search === '';
}

export interface PermissionRequestInput {
  readonly permission: string;
  /** The requesting frame's URL (PermissionRequest.requestingUrl). */
  readonly requestingUrl: string | undefined;
  readonly isMainFrame: boolean;
  /** MediaAccessPermissionRequest.mediaTypes, for `media`. */
  readonly mediaTypes?: readonly string[] | undefined;
}

/** setPermissionRequestHandler: video capture from the console's main frame, nothing else. */
export function decidePermissionRequest(input: PermissionRequestInput): Decision {
  if (input.permission !== 'media') return deny(`permission "${input.permission}" is never granted`);
  if (!input.isMainFrame) return deny('media is granted to the main frame only');
  if (!input.requestingUrl || !isConsoleOrigin(input.requestingUrl))
    return deny(`media is granted to ${CONSOLE_ORIGIN} only`);
  const types = input.mediaTypes ?? [];
  if (types.length === 0) return deny('a media request must name its media types');
  if (!types.every((t) => t === 'video')) return deny('only video (the camera) is granted, never audio');
  return ALLOW;
}

export interface PermissionCheckInput {
  readonly permission: string;
  /** The handler's `requestingOrigin` argument. */
  readonly requestingOrigin: string;
  readonly isMainFrame: boolean;
  /** PermissionCheckHandlerHandlerDetails.mediaType. */
  readonly mediaType?: string | undefined;
  readonly securityOrigin?: string | undefined;
}

/** setPermissionCheckHandler: the synchronous checks Chromium makes; same rule as the requests. */
export function decidePermissionCheck(input: PermissionCheckInput): Decision {
  if (input.permission !== 'media') return deny(`permission "${input.permission}" is never granted`);
  if (!input.isMainFrame) return deny('media is granted to the main frame only');
  const origin = input.securityOrigin ?? input.requestingOrigin;
  if (!isConsoleOrigin(origin) || !isConsoleOrigin(input.requestingOrigin))
    return deny(`media is granted to ${CONSOLE_ORIGIN} only`);
  if (input.mediaType !== 'video') return deny('only video (the camera) is granted, never audio');
  return ALLOW;
}

/**
 * Chromium switches appended before `ready` (both are in Electron's list of supported command-line
 * switches). Neither is needed for correctness — every request is already cancelled or served by
 * the https handler — each closes a path by which Chromium itself could reach the network if a
 * layer above failed:
 * - host-resolver-rules: no host name resolves (DNS prefetch, preconnect, anything).
 * - proxy-server + proxy-bypass-list: a connection that is still attempted goes to a closed
 *   loopback port (discard, 9), loopback addresses included: `<-loopback>` removes their implicit
 *   bypass. An IP literal therefore cannot be reached either.
 * The custom https handler never resolves or connects, so neither affects the console. Appended
 * switches come after the process's own argv, and Chromium takes the last value of a switch, so a
 * `--proxy-server=…` typed on the command line does not win.
 */
export const NETWORK_SWITCHES: readonly (readonly [string, string])[] = Object.freeze([
  ['host-resolver-rules', 'MAP * ~NOTFOUND'],
  ['proxy-server', '127.0.0.1:9'],
  ['proxy-bypass-list', '<-loopback>'],
] as const);
