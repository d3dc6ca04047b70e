/** The console refuses to start on a missing home, a bad airlock.json or a missing PKCS#11 module. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { consolePaths } from './paths.js';
import { checkApplianceHome, StartupError } from './startup.js';

let base: string;
let module: string;
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'airlock-startup-'));
  module = join(base, 'libvendor-pkcs11.so');
  await writeFile(module, 'not really a module: only its presence is checked here');
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

const code = (c: string) => (e: unknown) => e instanceof StartupError && e.code === c && e.exitCode === 6;

test('a missing home is refused, naming the directory', () => {
  const home = join(base, 'nope');
  assert.throws(() => checkApplianceHome({ AIRLOCK_HOME: home }), code('HOME_MISSING'));
  assert.throws(() => checkApplianceHome({ AIRLOCK_HOME: home }), new RegExp(home));
});

test('a home that is a file is refused', () => {
  assert.throws(() => checkApplianceHome({ AIRLOCK_HOME: module }), code('HOME_NOT_DIRECTORY'));
});

test('an invalid airlock.json is refused with the configuration error', async () => {
  const home = await mkdtemp(join(base, 'bad-'));
  await writeFile(join(home, 'airlock.json'), '{"version":1,"extra":true}');
  assert.throws(() => checkApplianceHome({ AIRLOCK_HOME: home }), code('CONFIG_INVALID'));
  assert.throws(() => checkApplianceHome({ AIRLOCK_HOME: home }), /unknown setting "extra"/);
});

test('a missing or relative PKCS#11 module is refused', async () => {
  const home = await mkdtemp(join(base, 'mod-'));
  const env = { AIRLOCK_HOME: home, AIRLOCK_PKCS11_MODULE: join(base, 'missing.so') };
  assert.throws(() => checkApplianceHome(env), code('PKCS11_MODULE_MISSING'));
  assert.throws(
    () => checkApplianceHome({ ...env, AIRLOCK_PKCS11_MODULE: 'libsofthsm2.so' }),
    code('PKCS11_MODULE_MISSING'),
  );
});

test('a valid home: the module from the environment, else from airlock.json', async () => {
  const home = await mkdtemp(join(base, 'ok-'));
  const a = checkApplianceHome({ AIRLOCK_HOME: home, AIRLOCK_PKCS11_MODULE: module });
  assert.equal(a.home, home);
  assert.equal(a.modulePath, module);
  await writeFile(
    join(home, 'airlock.json'),
    JSON.stringify({
      version: 1,
      pkcs11Module: module,
      signingToken: 'airlock-signing',
      operatorTokens: ['c1'],
    }),
  );
  const b = checkApplianceHome({ AIRLOCK_HOME: home });
  assert.equal(b.modulePath, module);
  assert.deepEqual(b.config.operatorTokens, ['c1']);
});

test('consolePaths: renderer and bundled preload beside the compiled main', () => {
  const p = consolePaths('file:///opt/Airlock/resources/app.asar/dist/app/main/main.js');
  assert.equal(p.rendererRoot, '/opt/Airlock/resources/app.asar/dist/app/renderer');
  assert.equal(p.preload, '/opt/Airlock/resources/app.asar/dist/app/preload/preload.cjs');
});
