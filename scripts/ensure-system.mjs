#!/usr/bin/env node
// Installs the Debian packages Airlock's tests and demo need when they are missing (as root, with
// apt-get); otherwise says exactly what to install. Run by `npm test`, `npm run demo`, `npm run bench`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const needs = [
  {
    pkg: 'softhsm2',
    present: () => existsSync('/usr/lib/softhsm/libsofthsm2.so') && onPath('softhsm2-util'),
  },
  { pkg: 'opensc', present: () => onPath('pkcs11-tool') },
  // The USB export test checks the fsync order on a real strace of the system calls.
  { pkg: 'strace', present: () => onPath('strace') },
  // The operator console's e2e suite drives Debian's Chromium (never a downloaded browser).
  { pkg: 'chromium', present: () => existsSync('/usr/bin/chromium') },
  // Electron, where its binary exists, needs a display: the suite runs it under xvfb-run.
  { pkg: 'xvfb', present: () => onPath('xvfb-run') },
];

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

const missing = needs.filter((n) => !n.present()).map((n) => n.pkg);
if (missing.length > 0) {
  if (process.getuid?.() !== 0) {
    console.error(
      `Missing system packages: ${missing.join(' ')}. Install them: sudo apt-get install -y ${missing.join(' ')}`,
    );
    process.exit(1);
  }
  console.error(`Installing missing system packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
}
