#!/usr/bin/env node
/**
 * Electronegativity (Doyensec's Electron security scanner) over the console's sources in app/
 * (main, preload, renderer, and the rest of app/: TypeScript is parsed directly).
 *
 * Exits 1 on any finding not accepted in scripts/electronegativity-accepted.json (each entry: check
 * id, file relative to app/, and the reason, also written up in docs/security.md), on a file the
 * scanner could not parse, or when the scanner's self-test (a fixture with nodeIntegration: true
 * must be flagged) fails. Accepted entries that no longer match are reported, not fatal.
 *
 * Offline by construction: the scanner fetches translations and Electron's release list over the
 * network; here its HTTP client is replaced before it loads (answers "not found" for translations,
 * refuses everything else), and the release-list check (AvailableSecurityFixesGlobalCheck) is
 * excluded: the appliance pins Electron in package.json and electron-builder.yml instead.
 *
 * Usage: node scripts/electronegativity.mjs [--report-dir DIR]   (default: a new temp dir)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const started = performance.now();
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const EXCLUDED = ['AvailableSecurityFixesGlobalCheck'];

function offlineHttpClient() {
  const engDir = dirname(require.resolve('@doyensec/electronegativity/package.json'));
  const gotPath = createRequire(join(engDir, 'dist', 'runner.js')).resolve('got');
  const got = () => Promise.resolve({ statusCode: 404, body: '' });
  const refuse = () => Promise.reject(new Error('electronegativity.mjs: no network on this machine'));
  got.get = refuse;
  got.head = refuse;
  got.post = refuse;
  const m = new Module(gotPath);
  m.filename = gotPath;
  m.loaded = true;
  m.exports = got;
  require.cache[gotPath] = m;
}

function args(argv) {
  const i = argv.indexOf('--report-dir');
  if (i >= 0 && !argv[i + 1]) throw new Error('--report-dir needs a directory');
  return { reportDir: i >= 0 ? resolve(argv[i + 1]) : null };
}

async function scan(run, input, electronVersion) {
  return run({
    input,
    isRelative: true,
    excludeFromScan: EXCLUDED,
    electronVersionOverride: electronVersion,
    parserPlugins: [],
  });
}

const view = (i) => ({
  check: i.id,
  file: i.file,
  line: i.location?.line ?? 0,
  severity: i.severity?.name,
  confidence: i.confidence?.name,
  manualReview: Boolean(i.manualReview),
  sample: i.sample ?? null,
  description: i.description,
});

async function main() {
  const { reportDir } = args(process.argv.slice(2));
  offlineHttpClient();
  const run = require('@doyensec/electronegativity');
  const electronVersion = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).devDependencies
    .electron;
  const accepted = JSON.parse(readFileSync(join(repo, 'scripts', 'electronegativity-accepted.json'), 'utf8'));
  for (const a of accepted)
    if (
      typeof a.check !== 'string' ||
      typeof a.file !== 'string' ||
      typeof a.reason !== 'string' ||
      a.reason.length < 20
    )
      throw new Error(
        `electronegativity-accepted.json: every entry needs "check", "file" and a real "reason": ${JSON.stringify(a)}`,
      );

  // Self-test: the scanner must flag an obviously unsafe window, or its silence means nothing.
  const fixture = mkdtempSync(join(tmpdir(), 'airlock-eng-fixture-'));
  let selfTest;
  try {
    writeFileSync(
      join(fixture, 'main.js'),
      "const { BrowserWindow } = require('electron');\nnew BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false } });\n",
    );
    selfTest = await scan(run, fixture, electronVersion);
  } finally {
    rmSync(fixture, { recursive: true, force: true });
  }
  const selfIds = new Set(selfTest.issues.map((i) => i.id));
  if (!selfIds.has('NODE_INTEGRATION_JS_CHECK') || !selfIds.has('CONTEXT_ISOLATION_JS_CHECK'))
    throw new Error(
      `self-test: the scanner did not flag nodeIntegration/contextIsolation (got ${[...selfIds].join(', ')})`,
    );

  const input = join(repo, 'app');
  const result = await scan(run, input, electronVersion);
  const issues = result.issues.map(view);
  const isAccepted = (i) => accepted.find((a) => a.check === i.check && a.file === i.file);
  const open = issues.filter((i) => !isAccepted(i));
  const stale = accepted.filter((a) => !issues.some((i) => i.check === a.check && i.file === a.file));
  const parseErrors = result.errors.filter((e) => !e.tolerable);

  const dir = reportDir ?? mkdtempSync(join(tmpdir(), 'airlock-electronegativity-'));
  mkdirSync(dir, { recursive: true });
  const reportPath = join(dir, 'electronegativity.json');
  const report = {
    tool: `@doyensec/electronegativity ${require('@doyensec/electronegativity/package.json').version}`,
    electronVersion,
    input: 'app/',
    checks: { global: result.globalChecks, atomic: result.atomicChecks, excluded: EXCLUDED },
    issues: issues.map((i) => ({ ...i, accepted: isAccepted(i)?.reason ?? null })),
    parseErrors: result.errors,
    staleAccepted: stale,
  };
  writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);

  for (const i of issues) {
    const a = isAccepted(i);
    console.log(
      `${a ? 'accepted' : 'FINDING '} ${i.check} app/${i.file}:${i.line} (${i.severity}/${i.confidence})`,
    );
    if (!a) console.log(`         ${i.description}${i.sample ? `\n         ${i.sample}` : ''}`);
  }
  for (const e of result.errors)
    console.log(`${e.tolerable ? 'warning ' : 'ERROR   '} cannot parse ${e.file}: ${e.message}`);
  for (const s of stale)
    console.log(
      `stale    accepted ${s.check} ${s.file} not found in this scan (remove it once it cannot come back)`,
    );
  const ms = Math.round(performance.now() - started);
  console.log(
    `electronegativity: ${result.globalChecks + result.atomicChecks} checks over app/, ${issues.length} findings, ` +
      `${issues.length - open.length} accepted, ${open.length} open, ${parseErrors.length} parse errors; ` +
      `report ${reportPath}; ${ms} ms`,
  );
  return open.length === 0 && parseErrors.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`electronegativity: ${err?.stack ?? err}`);
    process.exit(1);
  },
);
