#!/usr/bin/env node
/**
 * Builds the operator console for Electron and the Chromium harness (issue 6), after `tsc`:
 *
 * - app/renderer/main.ts                        → dist/app/renderer/console.js (IIFE, browser, chrome120)
 * - qr-transport/image/scan-worker.browser.ts   → dist/app/renderer/scan-worker.js (the scan Web Worker)
 * - app/renderer/index.html, console.css        → copied beside them
 * - app/preload/preload.ts (when it exists)     → dist/app/preload/preload.cjs (CJS, node, electron external)
 *
 * Sourcemaps are off (production) unless `--sourcemap` is given. The renderer bundles must not
 * touch Node: a `node:` import or a `require(` left in them fails the build, since the renderer
 * runs sandboxed without Node. Usage: `node scripts/build-console.mjs [--sourcemap]`.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outRenderer = join(root, 'dist/app/renderer');
const outPreload = join(root, 'dist/app/preload');
const sourcemap = process.argv.includes('--sourcemap');

const browser = {
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'chrome120',
  sourcemap: sourcemap ? 'linked' : false,
  minify: false,
  legalComments: 'inline',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
};

mkdirSync(outRenderer, { recursive: true });
const started = Date.now();
await Promise.all([
  build({
    ...browser,
    entryPoints: [join(root, 'app/renderer/main.ts')],
    outfile: join(outRenderer, 'console.js'),
  }),
  build({
    ...browser,
    entryPoints: [join(root, 'qr-transport/image/scan-worker.browser.ts')],
    outfile: join(outRenderer, 'scan-worker.js'),
  }),
]);
for (const file of ['index.html', 'console.css'])
  copyFileSync(join(root, 'app/renderer', file), join(outRenderer, file));

// The renderer has no Node: refuse a bundle that reaches for it.
for (const file of ['console.js', 'scan-worker.js']) {
  const text = readFileSync(join(outRenderer, file), 'utf8');
  const bad = /\brequire\(\s*["'`]|["'`]node:[a-z_/]+["'`]/.exec(text);
  if (bad) {
    console.error(`build-console: ${file} refers to Node (${bad[0]}); the renderer runs without Node`);
    process.exit(1);
  }
}

const preload = join(root, 'app/preload/preload.ts');
if (existsSync(preload)) {
  mkdirSync(outPreload, { recursive: true });
  await build({
    entryPoints: [preload],
    outfile: join(outPreload, 'preload.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['electron'],
    sourcemap: sourcemap ? 'linked' : false,
    logLevel: 'warning',
  });
}

const built = ['console.js', 'scan-worker.js', 'index.html', 'console.css'].map((f) =>
  relative(root, join(outRenderer, f)),
);
if (existsSync(preload)) built.push(relative(root, join(outPreload, 'preload.cjs')));
console.log(`build-console: ${built.join(', ')} in ${Date.now() - started} ms`);
