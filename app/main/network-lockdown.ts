/**
 * Wires the decisions of network-policy.ts into Electron: every session's requests and permissions,
 * and every web contents' windows, navigations and <webview>s.
 *
 * Layers, outermost first: Chromium switches (no DNS, a dead proxy; main.ts), the session's https
 * scheme taken over by the console handler (console-protocol.ts), webRequest cancelling every
 * other request, the CSP (connect-src 'none'), and the permission handlers below. Each layer is
 * enough alone for the console's own requests; together they leave no path to the network.
 */
import type { App, Session, WebContents } from 'electron';
import {
  decidePermissionCheck,
  decidePermissionRequest,
  decideRequest,
  isNavigationAllowed,
} from './network-policy.js';

export interface LockdownOptions {
  readonly devTools: boolean;
  readonly log?: (line: string) => void;
}

const defaultLog = (line: string) => console.warn(line);

/** Cancel every request but the console's; grant only the camera; no devices, no downloads. */
export function lockDownSession(ses: Session, options: LockdownOptions): void {
  const log = options.log ?? defaultLog;
  ses.webRequest.onBeforeRequest((details, callback) => {
    const d = decideRequest({
      url: details.url,
      resourceType: details.resourceType,
      devTools: options.devTools,
    });
    if (!d.allow) log(`airlock network: cancelled ${details.resourceType} ${details.url}: ${d.reason}`);
    callback({ cancel: !d.allow });
  });
  ses.setPermissionRequestHandler((_webContents, permission, callback, details) => {
    const d = decidePermissionRequest({
      permission,
      requestingUrl: details.requestingUrl,
      isMainFrame: details.isMainFrame,
      mediaTypes: 'mediaTypes' in details ? details.mediaTypes : undefined,
    });
    if (!d.allow) log(`airlock permission: refused ${permission}: ${d.reason}`);
    callback(d.allow);
  });
  ses.setPermissionCheckHandler(
    (_webContents, permission, requestingOrigin, details) =>
      decidePermissionCheck({
        permission,
        requestingOrigin,
        isMainFrame: details.isMainFrame,
        mediaType: details.mediaType,
        securityOrigin: details.securityOrigin,
      }).allow,
  );
  ses.setDevicePermissionHandler(() => false);
  ses.setDisplayMediaRequestHandler((_request, callback) => callback(null));
  ses.setBluetoothPairingHandler((_details, callback) => callback({ confirmed: false }));
  ses.on('select-hid-device', (event, _details, callback) => {
    event.preventDefault();
    callback(null);
  });
  ses.on('select-usb-device', (event, _details, callback) => {
    event.preventDefault();
    callback();
  });
  ses.on('select-serial-port', (event, _ports, _webContents, callback) => {
    event.preventDefault();
    callback('');
  });
  ses.on('will-download', (event) => event.preventDefault());
  ses.setSpellCheckerEnabled(false);
}

/** No new windows, no navigation away from the console page, no <webview>. */
export function lockDownWebContents(contents: WebContents, log: (line: string) => void = defaultLog): void {
  contents.setWindowOpenHandler((details) => {
    log(`airlock navigation: refused window.open ${details.url}`);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event) => {
    if (!isNavigationAllowed(event.url)) {
      log(`airlock navigation: refused ${event.url}`);
      event.preventDefault();
    }
  });
  contents.on('will-frame-navigate', (event) => {
    if (!isNavigationAllowed(event.url)) {
      log(`airlock navigation: refused frame navigation to ${event.url}`);
      event.preventDefault();
    }
  });
  contents.on('will-redirect', (event) => {
    if (!isNavigationAllowed(event.url)) {
      log(`airlock navigation: refused redirect to ${event.url}`);
      event.preventDefault();
    }
  });
  contents.on('will-attach-webview', (event) => {
    log('airlock navigation: refused <webview>');
    event.preventDefault();
  });
  contents.on('select-bluetooth-device', (event, _devices, callback) => {
    event.preventDefault();
    callback('');
  });
}

/** Apply lockDownWebContents to every web contents the app ever creates (registered before ready). */
export function lockDownEveryWebContents(app: App, log: (line: string) => void = defaultLog): void {
  app.on('web-contents-created', (_event, contents) => lockDownWebContents(contents, log));
}
