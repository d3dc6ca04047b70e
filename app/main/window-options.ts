/**
 * The console window's BrowserWindow options, as one pure function.
 *
 * Invariants (Electron's security checklist, https://www.electronjs.org/docs/latest/tutorial/security):
 * context isolation and the renderer sandbox are on, Node.js integration is off everywhere (main
 * frame, workers, sub-frames), web security stays on, no insecure content, no experimental or Blink
 * features, no <webview>, no spellchecker (its dictionaries are downloaded), and DevTools are off
 * unless explicitly asked for in development (`AIRLOCK_DEVTOOLS=1` on an unpackaged app).
 *
 * Imports only types from `electron`, so it runs (and is tested) without the Electron binary.
 */
import type { BrowserWindowConstructorOptions } from 'electron';

/** The in-memory session the console runs in: nothing the renderer stores survives a restart. */
export const CONSOLE_PARTITION = 'airlock-console';

export interface WindowOptionsInput {
  /** Absolute path of the bundled, sandboxed preload (dist/app/preload/preload.cjs). */
  readonly preloadPath: string;
  /** From `devToolsAllowed`: false in every packaged build. */
  readonly devTools: boolean;
}

/**
 * DevTools only when the developer asks by name (`AIRLOCK_DEVTOOLS=1`) AND the app is not packaged:
 * a packaged appliance never opens them, whatever its environment says.
 */
export function devToolsAllowed(env: NodeJS.ProcessEnv, isPackaged: boolean): boolean {
  return !isPackaged && env.AIRLOCK_DEVTOOLS === '1';
}

export function windowOptions(input: WindowOptionsInput): BrowserWindowConstructorOptions {
  if (typeof input.preloadPath !== 'string' || !input.preloadPath.endsWith('.cjs'))
    throw new TypeError(
      `"preloadPath" expected the bundled preload (*.cjs), got ${String(input.preloadPath)}`,
    );
  return {
    title: 'Airlock',
    width: 1366,
    height: 768,
    minWidth: 1024,
    minHeight: 640,
    backgroundColor: '#0f1115',
    show: false,
    autoHideMenuBar: true,
    webPreferences: {
      preload: input.preloadPath,
      partition: CONSOLE_PARTITION,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      spellcheck: false,
      plugins: false,
      enableWebSQL: false,
      navigateOnDragDrop: false,
      // Middle-click (auxclick) could open links in new windows; setWindowOpenHandler denies them anyway.
      disableBlinkFeatures: 'Auxclick',
      safeDialogs: true,
      devTools: input.devTools,
    },
  };
}
