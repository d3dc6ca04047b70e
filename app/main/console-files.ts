/**
 * What https://airlock.local/ serves: only regular files under the packaged renderer directory,
 * with a fixed content type and the console's strict headers.
 *
 * Invariants: only `https://airlock.local` (no port, no credentials, no query); only GET and HEAD;
 * every path segment is decoded once and refused when it is empty, a dot segment, a dotfile, or
 * holds a slash, a backslash or NUL (so `%2e%2e`, `..%2f`, `%00` cannot climb out); the resolved
 * path stays under the root even after symlinks are followed; only regular files of a known type;
 * everything else is a refusal with a status, never a fallback to the network.
 *
 * `resolveConsolePath` and the header helpers are pure. `serveConsoleRequest` reads the file with
 * node:fs and returns a WHATWG Response, so Electron's `protocol.handle` (console-protocol.ts) and a
 * test without Electron use the same code. No Electron import.
 */
import { lstat, readFile, realpath } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { CONSOLE_ORIGIN } from '../common/ipc-contract.js';

/** The console's host name (from CONSOLE_ORIGIN). */
export const CONSOLE_HOST = new URL(CONSOLE_ORIGIN).hostname;
/** The page the window loads. */
export const CONSOLE_URL = `${CONSOLE_ORIGIN}/index.html`;

/** The same policy as the `<meta http-equiv="Content-Security-Policy">` of app/renderer/index.html. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "worker-src 'self'",
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Content types by extension; a file of any other type is not served. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
});

export type ConsoleRefusalCode =
  | 'NOT_CONSOLE_ORIGIN'
  | 'METHOD_NOT_ALLOWED'
  | 'QUERY_REFUSED'
  | 'BAD_PATH'
  | 'UNKNOWN_TYPE'
  | 'NOT_FOUND'
  | 'NOT_A_FILE'
  | 'OUTSIDE_ROOT';

export type ConsolePathResult =
  | { readonly ok: true; readonly path: string; readonly contentType: string }
  | {
      readonly ok: false;
      readonly status: number;
      readonly code: ConsoleRefusalCode;
      readonly reason: string;
    };

const refuse = (status: number, code: ConsoleRefusalCode, reason: string): ConsolePathResult => ({
  ok: false,
  status,
  code,
  reason,
});

/** A slash, a backslash, NUL or any other control character. */
function hasForbiddenChar(segment: string): boolean {
  for (const ch of segment) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x20 || c === 0x7f || ch === '/' || ch === '\\') return true;
  }
  return false;
}

/**
 * Map a request URL to a file under `root` (absolute), or refuse it. Pure: touches no file.
 */
export function resolveConsolePath(root: string, url: string, method = 'GET'): ConsolePathResult {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return refuse(403, 'NOT_CONSOLE_ORIGIN', `not a URL: ${JSON.stringify(url)}`);
  }
  if (u.protocol !== 'https:' || u.hostname !== CONSOLE_HOST || u.port !== '' || u.username || u.password)
    return refuse(403, 'NOT_CONSOLE_ORIGIN', `only ${CONSOLE_ORIGIN} is served, not ${u.origin}`);
  if (method !== 'GET' && method !== 'HEAD')
    return refuse(405, 'METHOD_NOT_ALLOWED', `method ${method} is not served (GET and HEAD only)`);
  if (u.search !== '') return refuse(400, 'QUERY_REFUSED', 'the console serves no query strings');
  // The WHATWG parser already folded literal and %2e dot segments; what is left is checked per segment.
  const raw = u.pathname === '/' ? '/index.html' : u.pathname;
  const parts = raw.slice(1).split('/');
  const decoded: string[] = [];
  for (const part of parts) {
    let d: string;
    try {
      d = decodeURIComponent(part);
    } catch {
      return refuse(400, 'BAD_PATH', `malformed percent-encoding in ${JSON.stringify(part)}`);
    }
    if (d === '' || d === '.' || d === '..' || d.startsWith('.'))
      return refuse(404, 'BAD_PATH', `path segment ${JSON.stringify(d)} is not served`);
    if (hasForbiddenChar(d))
      return refuse(
        400,
        'BAD_PATH',
        `path segment ${JSON.stringify(d)} holds a separator or control character`,
      );
    decoded.push(d);
  }
  const absRoot = resolve(root);
  const full = resolve(absRoot, ...decoded);
  const rel = relative(absRoot, full);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel))
    return refuse(403, 'OUTSIDE_ROOT', 'the path leaves the console directory');
  const contentType = CONTENT_TYPES[extname(full).toLowerCase()];
  if (!contentType) return refuse(404, 'UNKNOWN_TYPE', `files of type "${extname(full)}" are not served`);
  return { ok: true, path: full, contentType };
}

/** Headers on every console response, served file or refusal alike. */
export function consoleHeaders(contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': CONSOLE_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
    'Permissions-Policy':
      'camera=(self), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=()',
  };
}

/** Why a request was refused, for the log and the tests (the body says the same). */
export class ConsoleRefusal extends Error {
  override readonly name = 'ConsoleRefusal';
  constructor(
    readonly code: ConsoleRefusalCode,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function refusalResponse(status: number, code: ConsoleRefusalCode, reason: string): Response {
  return new Response(`${code}: ${reason}\n`, {
    status,
    headers: consoleHeaders('text/plain; charset=utf-8'),
  });
}

/**
 * Serve one request from `root`: resolve, then check on disk that the file is a regular file (not a
 * link, device or directory) whose real path is still under the root's real path.
 */
export async function serveConsoleRequest(
  root: string,
  request: { readonly url: string; readonly method: string },
  onRefusal?: (refusal: ConsoleRefusal, url: string) => void,
): Promise<Response> {
  const fail = (status: number, code: ConsoleRefusalCode, reason: string): Response => {
    onRefusal?.(new ConsoleRefusal(code, status, reason), request.url);
    return refusalResponse(status, code, reason);
  };
  const r = resolveConsolePath(root, request.url, request.method);
  if (!r.ok) return fail(r.status, r.code, r.reason);
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(r.path);
  } catch {
    return fail(404, 'NOT_FOUND', `${new URL(request.url).pathname} does not exist`);
  }
  if (!st.isFile()) return fail(403, 'NOT_A_FILE', `${new URL(request.url).pathname} is not a regular file`);
  const [realRoot, realFile] = await Promise.all([realpath(resolve(root)), realpath(r.path)]);
  const rel = relative(realRoot, realFile);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel))
    return fail(403, 'OUTSIDE_ROOT', 'the file resolves outside the console directory');
  const headers = consoleHeaders(r.contentType);
  if (request.method === 'HEAD') return new Response(null, { status: 200, headers });
  const body = await readFile(r.path);
  return new Response(new Uint8Array(body), { status: 200, headers });
}
