/** The console window's options: every item of the checklist that a webPreference carries. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONSOLE_PARTITION, devToolsAllowed, windowOptions } from './window-options.js';

const PRELOAD = '/opt/Airlock/resources/app.asar/dist/app/preload/preload.cjs';

test('webPreferences hold every hardening item', () => {
  const o = windowOptions({ preloadPath: PRELOAD, devTools: false });
  const w = o.webPreferences;
  assert.ok(w);
  assert.equal(w.contextIsolation, true);
  assert.equal(w.sandbox, true);
  assert.equal(w.nodeIntegration, false);
  assert.equal(w.nodeIntegrationInWorker, false);
  assert.equal(w.nodeIntegrationInSubFrames, false);
  assert.equal(w.webSecurity, true);
  assert.equal(w.allowRunningInsecureContent, false);
  assert.equal(w.experimentalFeatures, false);
  assert.equal(w.webviewTag, false);
  assert.equal(w.spellcheck, false);
  assert.equal(w.devTools, false);
  assert.equal(w.disableBlinkFeatures, 'Auxclick');
  assert.equal(w.preload, PRELOAD);
  assert.equal(w.partition, CONSOLE_PARTITION);
  assert.ok(!CONSOLE_PARTITION.startsWith('persist:'), 'the console session is in memory only');
  // enableBlinkFeatures is not set at all (not even to an empty string).
  assert.equal('enableBlinkFeatures' in w, false);
  assert.equal('additionalArguments' in w, false);
});

test('the window waits for ready-to-show and fits 1366x768', () => {
  const o = windowOptions({ preloadPath: PRELOAD, devTools: false });
  assert.equal(o.show, false);
  assert.equal(o.width, 1366);
  assert.equal(o.height, 768);
  assert.ok((o.minWidth ?? 0) <= 1366 && (o.minHeight ?? 0) <= 768);
  assert.match(String(o.backgroundColor), /^#[0-9a-f]{6}$/);
});

test('devTools follow the input and nothing else', () => {
  assert.equal(windowOptions({ preloadPath: PRELOAD, devTools: true }).webPreferences?.devTools, true);
});

test('devToolsAllowed: only AIRLOCK_DEVTOOLS=1 on an unpackaged app', () => {
  assert.equal(devToolsAllowed({}, false), false);
  assert.equal(devToolsAllowed({ AIRLOCK_DEVTOOLS: '1' }, false), true);
  assert.equal(devToolsAllowed({ AIRLOCK_DEVTOOLS: '1' }, true), false, 'never in a packaged build');
  assert.equal(devToolsAllowed({ AIRLOCK_DEVTOOLS: 'true' }, false), false);
  assert.equal(devToolsAllowed({ AIRLOCK_DEVTOOLS: '0' }, false), false);
});

test('a preload that is not the bundled CommonJS file is refused', () => {
  assert.throws(() => windowOptions({ preloadPath: '/x/preload.js', devTools: false }), TypeError);
});

test('the module does not load the electron runtime', async () => {
  const { readFile } = await import('node:fs/promises');
  const js = await readFile(new URL('./window-options.js', import.meta.url), 'utf8');
  assert.doesNotMatch(js, /from ['"]electron['"]|require\(['"]electron['"]\)/);
});
