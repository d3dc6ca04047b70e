/**
 * electron-builder.yml: valid against the installed app-builder-lib's own JSON Schema (every key
 * known, every value of the right type), and carrying the appliance's choices: the compiled main,
 * the renderer and preload in the files, native modules unpacked and rebuilt, no publish, the fuses.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { Ajv } from 'ajv';

const require = createRequire(import.meta.url);
const root = new URL('../../../', import.meta.url);
// js-yaml comes with electron-builder (its own YAML reader), so the file is read the way the builder reads it.
const yaml = require('js-yaml') as { load(text: string): unknown };
const config = yaml.load(readFileSync(new URL('electron-builder.yml', root), 'utf8')) as Record<
  string,
  unknown
>;

test('electron-builder.yml validates against app-builder-lib/scheme.json', () => {
  const schema = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8'));
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile(schema);
  const ok = validate(config);
  assert.ok(ok, JSON.stringify(validate.errors, null, 2));
});

test('an unknown key would be caught (the schema is strict)', () => {
  const schema = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8'));
  const validate = new Ajv({ strict: false }).compile(schema);
  assert.equal(validate({ ...config, autoUpdate: true }), false);
  assert.equal(validate({ ...config, electronFuses: { runAsNode: false, runAsnode: true } }), false);
});

test('the packaged app starts the compiled main, which the build produces', () => {
  const main = (config.extraMetadata as { main: string }).main;
  assert.equal(main, 'dist/app/main/main.js');
  assert.ok(existsSync(new URL(main, root)), `${main} exists after npm run build`);
  const files = config.files as string[];
  for (const needed of ['dist/app/**/*', 'package.json']) assert.ok(files.includes(needed), needed);
  for (const excluded of ['!dist/**/*.test.js', '!dist/e2e/**', '!dist/test-support/**'])
    assert.ok(files.includes(excluded), excluded);
});

test('native modules are unpacked and rebuilt for Electron', () => {
  const unpack = config.asarUnpack as string[];
  assert.ok(unpack.includes('node_modules/pkcs11js/**'));
  assert.ok(unpack.includes('node_modules/better-sqlite3/**'));
  assert.equal(config.npmRebuild, true);
  assert.equal(config.buildDependenciesFromSource, true);
  const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
  assert.equal(
    config.electronVersion,
    pkg.devDependencies.electron,
    'the pinned Electron is the installed one',
  );
});

test('no publish, no update channel', () => {
  assert.equal(config.publish, null);
  assert.equal(config.detectUpdateChannel, false);
  const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
  const deps = { ...pkg.dependencies, ...pkg.devDependencies };
  assert.equal('electron-updater' in deps, false, 'no auto-updater is a dependency');
});

test('the fuses close what an appliance never needs', () => {
  assert.deepEqual(config.electronFuses, {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    grantFileProtocolExtraPrivileges: false,
    loadBrowserProcessSpecificV8Snapshot: false,
  });
});

test('linux: AppImage and deb, the deb depending on the token stack', () => {
  const linux = config.linux as { target: string[] };
  assert.deepEqual(linux.target, ['AppImage', 'deb']);
  const depends = (config.deb as { depends: string[] }).depends;
  for (const d of ['softhsm2', 'opensc', 'pcscd', 'libnss3', 'libgtk-3-0', 'libasound2'])
    assert.ok(depends.includes(d), d);
});
