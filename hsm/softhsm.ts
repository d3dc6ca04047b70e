/**
 * SoftHSM2 provisioning for tests, CI and the demo: a private softhsm2.conf and token directory
 * under Airlock's data directory (never the system token directory), and token initialisation with
 * `softhsm2-util`. Production tokens are initialised with their vendor's tools, not this.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HsmError } from './errors.js';

const run = promisify(execFile);

export interface SoftHsmHome {
  /** Path to give as SOFTHSM2_CONF. */
  readonly confPath: string;
  readonly tokenDir: string;
}

/** Write `<dir>/softhsm2.conf` pointing at `<dir>/tokens`. */
export function writeSoftHsmConfig(dir: string): SoftHsmHome {
  const tokenDir = join(dir, 'tokens');
  mkdirSync(tokenDir, { recursive: true, mode: 0o700 });
  const confPath = join(dir, 'softhsm2.conf');
  writeFileSync(
    confPath,
    `# Written by Airlock: tokens live beside this file, never in the system directory.\n` +
      `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`,
    { mode: 0o600 },
  );
  return { confPath, tokenDir };
}

/** `softhsm2-util --init-token --free`; PINs go through argv here, which is acceptable only for demo/test tokens. */
export async function initSoftHsmToken(
  home: SoftHsmHome,
  token: { label: string; userPin: string; soPin: string },
): Promise<void> {
  try {
    await run(
      'softhsm2-util',
      ['--init-token', '--free', '--label', token.label, '--pin', token.userPin, '--so-pin', token.soPin],
      { env: { ...process.env, SOFTHSM2_CONF: home.confPath } },
    );
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new HsmError(
        'softhsm2-util not found: install the Debian package softhsm2 (apt-get install softhsm2)',
      );
    }
    throw new HsmError(
      `softhsm2-util could not create token "${token.label}": ${e.stderr?.trim() || e.message}`,
    );
  }
}
