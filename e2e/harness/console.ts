/**
 * Opens the operator console for an e2e test, against Electron when its binary is installed and
 * otherwise in Debian's Chromium (playwright-core, `/usr/bin/chromium`, never a downloaded browser)
 * with the same renderer, the same bridge (app/preload/bridge.ts), the same sender check
 * (app/main/ipc-sender.ts), the same file server (app/main/console-files.ts) and the same handler
 * table (app/handlers/) as Electron's main process.
 *
 * In Chromium nothing listens on a socket: https://airlock.local/ is fulfilled by a Playwright route
 * from dist/app/renderer/, IPC is a Playwright binding (the harness's ipcMain), events are delivered
 * by page.evaluate. Every other request is aborted and recorded: a test asserts there were none.
 * Camera: Chromium's fake capture device fed with a .y4m. Biometrics: the virtual WebAuthn
 * authenticator over CDP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import {
  _electron,
  type Browser,
  type CDPSession,
  chromium,
  type ElectronApplication,
  type Page,
} from 'playwright-core';
import { electronBinary, electronSqliteBinding } from '../../app/cli/electron-binary.js';
import { BRIDGE_GLOBAL, CONSOLE_ORIGIN, EVENTS, type IpcResult } from '../../app/common/ipc-contract.js';
import { dispatch } from '../../app/handlers/dispatch.js';
import { createHandlers, type HandlerOptions } from '../../app/handlers/index.js';
import { CONSOLE_URL, serveConsoleRequest } from '../../app/main/console-files.js';
import { senderRefusal, senderRefusedResult } from '../../app/main/ipc-sender.js';
import { repoRoot } from '../../test-support/paths.js';
import { ensureDisplay } from './display.js';

export const CHROMIUM = '/usr/bin/chromium';
const RENDERER_ROOT = join(repoRoot, 'dist', 'app', 'renderer');
const MAIN_SCRIPT = join(repoRoot, 'dist', 'app', 'main', 'main.js');

export interface ConsoleOptions {
  /** The appliance's data directory. */
  readonly home: string;
  /** The USB root the console lists and writes to. */
  readonly usbRoot: string;
  /** A .y4m file for the fake camera. */
  readonly cameraY4m?: string;
  readonly viewport?: { width: number; height: number };
}

export interface ConsoleSession {
  readonly page: Page;
  readonly runtime: 'electron' | 'chromium';
  /** URLs the page asked for that were not the console's own files (must stay empty). */
  readonly foreignRequests: string[];
  /** Every URL the page asked for. */
  readonly requests: string[];
  readonly cdp: CDPSession;
  close(): Promise<void>;
}

function baseEnv(home: string, usbRoot: string): NodeJS.ProcessEnv {
  const { SOFTHSM2_CONF: _own, ...env } = process.env;
  return { ...env, AIRLOCK_HOME: home, AIRLOCK_USB_ROOT: usbRoot };
}

function cameraArgs(y4m: string | undefined): string[] {
  return [
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    ...(y4m ? [`--use-file-for-fake-video-capture=${y4m}`] : []),
  ];
}

let bridgeScript: string | undefined;

/** The bridge of the preload, bundled for the page, over the harness's binding. */
function harnessBridgeScript(): string {
  if (bridgeScript) return bridgeScript;
  const entry = `
    import { createBridge } from ${JSON.stringify(join(repoRoot, 'app', 'preload', 'bridge.ts'))};
    const listeners = new Map();
    const deliver = (event, payload) => { for (const l of listeners.get(event) ?? []) l(payload); };
    Object.defineProperty(window, '__airlockDeliver', { value: deliver });
    const bridge = createBridge({
      invoke: (channel, request) => window.__airlockIpc(channel, request),
      subscribe(event, listener) {
        const set = listeners.get(event) ?? new Set();
        set.add(listener);
        listeners.set(event, set);
        return () => set.delete(listener);
      },
    });
    Object.defineProperty(window, ${JSON.stringify(BRIDGE_GLOBAL)}, { value: bridge, enumerable: true });
  `;
  const out = esbuild.buildSync({
    stdin: { contents: entry, resolveDir: repoRoot, loader: 'ts' },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    write: false,
  });
  bridgeScript = out.outputFiles[0]!.text;
  return bridgeScript;
}

async function openInChromium(options: ConsoleOptions): Promise<ConsoleSession> {
  const requests: string[] = [];
  const foreignRequests: string[] = [];
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), ...cameraArgs(options.cameraY4m)],
  });
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1366, height: 768 },
    serviceWorkers: 'block',
  });
  const handlers = createHandlers({
    env: baseEnv(options.home, options.usbRoot),
    usbRoot: options.usbRoot,
  } satisfies HandlerOptions);
  let page!: Page;
  await context.exposeBinding('__airlockIpc', async (source, channel: unknown, payload: unknown) => {
    const refusal = senderRefusal({
      frameUrl: source.frame.url() || null,
      isMainFrame: source.frame === source.page.mainFrame(),
      sameWebContents: source.page === page,
    });
    if (refusal) return senderRefusedResult(refusal);
    return dispatch(handlers, channel, payload, (event, body) => {
      if (!(EVENTS as readonly string[]).includes(event)) return;
      void page
        .evaluate(
          ([e, p]) =>
            (window as unknown as { __airlockDeliver(e: unknown, p: unknown): void }).__airlockDeliver(e, p),
          [event, body] as const,
        )
        .catch(() => {});
    });
  });
  await context.addInitScript({ content: harnessBridgeScript() });
  await context.route('**/*', async (route) => {
    const request = route.request();
    const url = request.url();
    let origin = '';
    try {
      origin = new URL(url).origin;
    } catch {
      // not a URL with an origin: foreign
    }
    if (origin !== CONSOLE_ORIGIN) {
      foreignRequests.push(url);
      return route.abort('blockedbyclient');
    }
    const response = await serveConsoleRequest(RENDERER_ROOT, { url, method: request.method() });
    const headers: Record<string, string> = {};
    response.headers.forEach((v, k) => {
      headers[k] = v;
    });
    return route.fulfill({
      status: response.status,
      headers,
      body: Buffer.from(await response.arrayBuffer()),
    });
  });
  page = await context.newPage();
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(CONSOLE_URL);
  const cdp = await context.newCDPSession(page);
  return {
    page,
    runtime: 'chromium',
    requests,
    foreignRequests,
    cdp,
    close: () => browser.close(),
  };
}

async function openInElectron(binary: string, options: ConsoleOptions): Promise<ConsoleSession> {
  const requests: string[] = [];
  const foreignRequests: string[] = [];
  // Its own Electron profile: the single-instance lock is per profile, and suites run side by side.
  const sqlite = electronSqliteBinding();
  if (!sqlite)
    throw new Error(
      'Electron is installed but better-sqlite3 is not built for its ABI: run node scripts/build-electron-sqlite.mjs ' +
        '(or AIRLOCK_E2E_RUNTIME=chromium to run the suite in Chromium)',
    );
  const profile = mkdtempSync(join(tmpdir(), 'airlock-console-profile-'));
  const display = await ensureDisplay();
  const app: ElectronApplication = await _electron.launch({
    executablePath: binary,
    args: [
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      ...cameraArgs(options.cameraY4m),
      MAIN_SCRIPT,
    ],
    env: {
      ...baseEnv(options.home, options.usbRoot),
      AIRLOCK_CONSOLE_PROFILE: profile,
      AIRLOCK_SQLITE_BINDING: sqlite,
      DISPLAY: display.display,
    } as Record<string, string>,
  });
  const page = await app.firstWindow();
  page.on('request', (r) => {
    requests.push(r.url());
    if (new URL(r.url()).origin !== CONSOLE_ORIGIN) foreignRequests.push(r.url());
  });
  if (options.viewport) await page.setViewportSize(options.viewport);
  await page.waitForLoadState('domcontentloaded');
  const cdp = await page.context().newCDPSession(page);
  return {
    page,
    runtime: 'electron',
    requests,
    foreignRequests,
    cdp,
    close: async () => {
      await app.close();
      display.stop();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Open the console: Electron when its binary exists, Chromium with the same handlers otherwise.
 * AIRLOCK_E2E_RUNTIME=chromium|electron chooses explicitly (electron without a binary is an error).
 */
export async function openConsole(options: ConsoleOptions): Promise<ConsoleSession> {
  const wanted = process.env.AIRLOCK_E2E_RUNTIME?.trim() || 'auto';
  if (wanted !== 'auto' && wanted !== 'chromium' && wanted !== 'electron')
    throw new Error(`AIRLOCK_E2E_RUNTIME must be chromium or electron, found ${JSON.stringify(wanted)}`);
  const binary = wanted === 'chromium' ? null : electronBinary();
  if (wanted === 'electron' && !binary)
    throw new Error("AIRLOCK_E2E_RUNTIME=electron but Electron's binary is not installed");
  return binary ? openInElectron(binary, options) : openInChromium(options);
}

/** Call the appliance from the page, through `window.airlock` as the console's own code does. */
export function invokeInPage(page: Page, channel: string, request: unknown): Promise<IpcResult<unknown>> {
  type Invoke = (c: string, r: unknown) => Promise<IpcResult<unknown>>;
  return page.evaluate(
    ([c, r]) => (window as unknown as { airlock: { invoke: Invoke } }).airlock.invoke(c as string, r),
    [channel, request] as const,
  );
}

/** Chromium's virtual authenticator (CTAP2, internal, user verification that succeeds). */
export async function addVirtualAuthenticator(cdp: CDPSession): Promise<string> {
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return authenticatorId;
}
