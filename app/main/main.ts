/**
 * The Electron main process of the operator console: thin wiring only; every decision lives in a
 * pure, tested module beside it.
 *
 * Order matters: switches, the sandbox and the web-contents lockdown before `ready`; the appliance
 * home is checked before anything else opens (a bad home or configuration refuses to start with
 * exit code 6 and a dialog saying what is wrong); after `ready` the sessions are locked down and the
 * console protocol and the IPC edge are registered before the one window is created and loads
 * https://airlock.local/index.html. One instance only; no application menu; quitting when the
 * window closes.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, session } from 'electron';
import { prepareSoftHsmEnv } from '../config/home.js';
import { dispatch } from '../handlers/dispatch.js';
import { createHandlers } from '../handlers/index.js';
import { CONSOLE_URL } from './console-files.js';
import { registerConsoleProtocol } from './console-protocol.js';
import { registerIpc } from './ipc.js';
import { lockDownEveryWebContents, lockDownSession } from './network-lockdown.js';
import { NETWORK_SWITCHES } from './network-policy.js';
import { consolePaths } from './paths.js';
import { type ApplianceHome, checkApplianceHome, STARTUP_EXIT_CODE, StartupError } from './startup.js';
import { CONSOLE_PARTITION, devToolsAllowed, windowOptions } from './window-options.js';

/**
 * Log the reason, show it to the operator once the app can draw a dialog (before `ready` Linux only
 * prints it), then exit with the CLI's exit code for the same family.
 */
function refuseToStart(title: string, message: string, exitCode: number): void {
  console.error(`airlock console: ${title}: ${message}`);
  const show = () => {
    dialog.showErrorBox(title, message);
    app.exit(exitCode);
  };
  if (app.isReady()) show();
  else void app.whenReady().then(show);
}

for (const [name, value] of NETWORK_SWITCHES) app.commandLine.appendSwitch(name, value);
app.enableSandbox();
lockDownEveryWebContents(app);
// Chromium's own profile (not the appliance's data, which is AIRLOCK_HOME): separate per e2e run.
if (process.env.AIRLOCK_CONSOLE_PROFILE) app.setPath('userData', process.env.AIRLOCK_CONSOLE_PROFILE);
app.on('window-all-closed', () => app.quit());

function startupCheck(): ApplianceHome | null {
  try {
    return checkApplianceHome(process.env);
  } catch (err) {
    if (err instanceof StartupError)
      refuseToStart(`Airlock cannot start (${err.code})`, err.message, err.exitCode);
    else refuseToStart('Airlock cannot start', String((err as Error)?.message ?? err), STARTUP_EXIT_CODE);
    return null;
  }
}

function start(appliance: ApplianceHome): void {
  prepareSoftHsmEnv(appliance.layout, process.env);
  const devTools = devToolsAllowed(process.env, app.isPackaged);
  const paths = consolePaths(import.meta.url);
  let win: BrowserWindow | null = null;

  app.on('second-instance', () => {
    if (win && !win.isDestroyed()) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });

  app
    .whenReady()
    .then(() => {
      Menu.setApplicationMenu(null);
      const consoleSession = session.fromPartition(CONSOLE_PARTITION);
      for (const ses of [session.defaultSession, consoleSession]) {
        lockDownSession(ses, { devTools });
        registerConsoleProtocol(ses, paths.rendererRoot);
      }
      const handlers = createHandlers({ home: appliance.home, env: process.env });
      registerIpc(ipcMain, { getWindow: () => win, handlers, dispatch });

      win = new BrowserWindow(windowOptions({ preloadPath: paths.preload, devTools }));
      win.once('ready-to-show', () => win?.show());
      win.on('closed', () => {
        win = null;
      });
      if (devTools) win.webContents.openDevTools({ mode: 'detach' });
      return win.loadURL(CONSOLE_URL);
    })
    .catch((err: unknown) => {
      refuseToStart('Airlock failed to start', String((err as Error)?.stack ?? err), 1);
    });
}

if (!app.requestSingleInstanceLock()) {
  console.error('airlock console: another instance is running; this one exits.');
  app.exit(0);
} else {
  const appliance = startupCheck();
  if (appliance) start(appliance);
}
