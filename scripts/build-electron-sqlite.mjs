#!/usr/bin/env node
// Builds better-sqlite3 for Electron's ABI into native/electron/ (gitignored), beside the Node build in
// node_modules that the CLI and the Node tests load. The console under Electron loads it through
// AIRLOCK_SQLITE_BINDING (signer/ledger/sqlite-file.ts); the e2e harness and `airlock demo` set that
// variable when this file exists. Needs Electron's headers, i.e. a connected development machine, the
// same one where `npm ci` could download Electron's binary. A packaged app does not need it:
// electron-builder rebuilds its node_modules for Electron (docs/deploy.md).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const electronVersion = JSON.parse(
  readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8'),
).version;
const source = join(root, 'node_modules/better-sqlite3');
const target = join(root, 'native/electron/better-sqlite3');
const nodeGyp = join(
  dirname(process.execPath),
  '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
);

rmSync(target, { recursive: true, force: true });
cpSync(source, target, { recursive: true, filter: (p) => !p.includes(`${join('better-sqlite3', 'build')}`) });
const [command, ...prefix] = existsSync(nodeGyp) ? [process.execPath, nodeGyp] : ['npx', 'node-gyp'];
execFileSync(
  command,
  [
    ...prefix,
    'rebuild',
    '--release',
    `--target=${electronVersion}`,
    `--arch=${process.arch}`,
    '--dist-url=https://electronjs.org/headers',
    '--runtime=electron',
  ],
  { cwd: target, stdio: 'inherit' },
);
console.log(
  `better-sqlite3 for Electron ${electronVersion}: ${join(target, 'build/Release/better_sqlite3.node')}`,
);
