/**
 * Where the Electron binary is, when `npm install` could download it (node_modules/electron/path.txt
 * names it inside node_modules/electron/dist, or ELECTRON_OVERRIDE_DIST_PATH). Never requires the
 * `electron` package: its index tries to download a missing binary, and the appliance has no network.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ELECTRON_PACKAGE = fileURLToPath(new URL('../../../node_modules/electron', import.meta.url));

export function electronBinary(env: NodeJS.ProcessEnv = process.env): string | null {
  const pathFile = join(ELECTRON_PACKAGE, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const dist = env.ELECTRON_OVERRIDE_DIST_PATH?.trim() || join(ELECTRON_PACKAGE, 'dist');
  const bin = join(dist, readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

const ELECTRON_SQLITE = fileURLToPath(
  new URL('../../../native/electron/better-sqlite3/build/Release/better_sqlite3.node', import.meta.url),
);

/**
 * better-sqlite3 built for Electron's ABI by scripts/build-electron-sqlite.mjs, or null. The console
 * under Electron from a development tree loads it (AIRLOCK_SQLITE_BINDING); node_modules keeps the
 * Node build the CLI and the tests load.
 */
export function electronSqliteBinding(): string | null {
  return existsSync(ELECTRON_SQLITE) ? ELECTRON_SQLITE : null;
}

/** Why the console cannot open here, or null when it can (a binary and a display). */
export function consoleUnavailableReason(env: NodeJS.ProcessEnv = process.env): string | null {
  if (!electronBinary(env))
    return "Electron's binary is not installed (its download needs the internet, which this machine lacks)";
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return 'there is no display';
  if (!electronSqliteBinding())
    return 'better-sqlite3 is not built for Electron yet (node scripts/build-electron-sqlite.mjs, on a connected machine)';
  return null;
}
