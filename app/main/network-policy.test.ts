/** The appliance's request, navigation and permission decisions. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decidePermissionCheck,
  decidePermissionRequest,
  decideRequest,
  isConsoleOrigin,
  isNavigationAllowed,
  NETWORK_SWITCHES,
} from './network-policy.js';

const O = 'https://airlock.local';

describe('decideRequest', () => {
  test('only the console origin over https', () => {
    for (const type of ['mainFrame', 'script', 'stylesheet', 'image', 'xhr', 'other'])
      assert.equal(decideRequest({ url: `${O}/index.html`, resourceType: type }).allow, true, type);
    for (const url of [
      'https://example.com/',
      'https://airlock.local:8443/',
      'https://airlock.local.example.com/',
      'https://u:p@airlock.local/',
      'http://airlock.local/',
      'http://127.0.0.1:9/',
      'ws://airlock.local/',
      'wss://airlock.local/',
      'ftp://example.com/',
      'file:///etc/passwd',
      'chrome://gpu',
      'javascript:alert(1)',
      'devtools://devtools/bundled/inspector.html',
      '',
    ])
      assert.equal(decideRequest({ url, resourceType: 'mainFrame' }).allow, false, url);
  });

  test('data: and blob: for images and media only', () => {
    const png = 'data:image/png;base64,iVBORw0KGgo=';
    const blob = `blob:${O}/6f1c2b1e-1111-2222-3333-444455556666`;
    assert.equal(decideRequest({ url: png, resourceType: 'image' }).allow, true);
    assert.equal(decideRequest({ url: blob, resourceType: 'media' }).allow, true);
    for (const type of [
      'mainFrame',
      'subFrame',
      'script',
      'xhr',
      'stylesheet',
      'other',
      'webSocket',
      'object',
    ])
      for (const url of [png, blob, 'data:text/html,<script>alert(1)</script>'])
        assert.equal(decideRequest({ url, resourceType: type }).allow, false, `${type} ${url}`);
  });

  test('devtools: only when DevTools are allowed', () => {
    const url = 'devtools://devtools/bundled/inspector.html';
    assert.equal(decideRequest({ url, resourceType: 'mainFrame', devTools: true }).allow, true);
    assert.equal(decideRequest({ url, resourceType: 'mainFrame', devTools: false }).allow, false);
  });

  test('a refusal says why', () => {
    const d = decideRequest({ url: 'http://example.com/', resourceType: 'xhr' });
    assert.ok(!d.allow && /http:/.test(d.reason));
  });
});

describe('isNavigationAllowed', () => {
  test('only the console page itself', () => {
    assert.equal(isNavigationAllowed(`${O}/index.html`), true);
    assert.equal(isNavigationAllowed(`${O}/`), true);
    assert.equal(isNavigationAllowed(`${O}/index.html#approve`), true);
    for (const url of [
      `${O}/other.html`,
      `${O}/index.html?x=1`,
      'https://example.com/index.html',
      'http://airlock.local/index.html',
      'file:///opt/Airlock/resources/app.asar/dist/app/renderer/index.html',
      'javascript:alert(1)',
      'about:blank',
      'data:text/html,hi',
    ])
      assert.equal(isNavigationAllowed(url), false, url);
  });

  test('isConsoleOrigin compares the whole origin', () => {
    assert.equal(isConsoleOrigin(`${O}/x`), true);
    assert.equal(isConsoleOrigin('https://airlock.local:444/x'), false);
    assert.equal(isConsoleOrigin('https://AIRLOCK.local/x'), true, 'host names are case-insensitive');
    assert.equal(isConsoleOrigin('nonsense'), false);
  });
});

describe('permissions', () => {
  const video = {
    permission: 'media',
    requestingUrl: `${O}/index.html`,
    isMainFrame: true,
    mediaTypes: ['video'],
  };
  test('the camera for the console main frame', () => {
    assert.equal(decidePermissionRequest(video).allow, true);
  });
  test('no audio, no sub-frames, no other origins, no unnamed media', () => {
    assert.equal(decidePermissionRequest({ ...video, mediaTypes: ['audio'] }).allow, false);
    assert.equal(decidePermissionRequest({ ...video, mediaTypes: ['video', 'audio'] }).allow, false);
    assert.equal(decidePermissionRequest({ ...video, mediaTypes: [] }).allow, false);
    assert.equal(decidePermissionRequest({ ...video, mediaTypes: undefined }).allow, false);
    assert.equal(decidePermissionRequest({ ...video, isMainFrame: false }).allow, false);
    assert.equal(decidePermissionRequest({ ...video, requestingUrl: 'https://example.com/' }).allow, false);
    assert.equal(decidePermissionRequest({ ...video, requestingUrl: undefined }).allow, false);
  });
  test('every other permission is refused, even from the console', () => {
    for (const permission of [
      'notifications',
      'geolocation',
      'clipboard-read',
      'clipboard-sanitized-write',
      'display-capture',
      'fullscreen',
      'openExternal',
      'hid',
      'usb',
      'serial',
      'midi',
      'pointerLock',
      'unknown',
    ])
      assert.equal(decidePermissionRequest({ ...video, permission }).allow, false, permission);
  });
  test('checks: video from the console main frame only', () => {
    const check = {
      permission: 'media',
      requestingOrigin: O,
      isMainFrame: true,
      mediaType: 'video',
      securityOrigin: O,
    };
    assert.equal(decidePermissionCheck(check).allow, true);
    assert.equal(decidePermissionCheck({ ...check, securityOrigin: undefined }).allow, true);
    assert.equal(decidePermissionCheck({ ...check, mediaType: 'audio' }).allow, false);
    assert.equal(decidePermissionCheck({ ...check, mediaType: 'unknown' }).allow, false);
    assert.equal(decidePermissionCheck({ ...check, isMainFrame: false }).allow, false);
    assert.equal(decidePermissionCheck({ ...check, requestingOrigin: 'https://example.com' }).allow, false);
    assert.equal(decidePermissionCheck({ ...check, securityOrigin: 'https://example.com' }).allow, false);
    assert.equal(decidePermissionCheck({ ...check, permission: 'clipboard-read' }).allow, false);
  });
});

test('the switches: no host resolves, any connection goes to a closed loopback port', () => {
  const m = new Map(NETWORK_SWITCHES);
  assert.equal(m.get('host-resolver-rules'), 'MAP * ~NOTFOUND');
  assert.equal(m.get('proxy-server'), '127.0.0.1:9');
  assert.equal(m.get('proxy-bypass-list'), '<-loopback>');
});
