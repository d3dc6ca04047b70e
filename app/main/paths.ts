/**
 * Where the packaged files are, from the compiled main script's own location
 * (dist/app/main/main.js): the renderer in dist/app/renderer/, the bundled preload in
 * dist/app/preload/preload.cjs. Pure: string work only. Inside app.asar these are asar paths,
 * which Electron's fs reads transparently.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ConsolePaths {
  readonly rendererRoot: string;
  readonly preload: string;
}

export function consolePaths(mainModuleUrl: string): ConsolePaths {
  const mainDir = dirname(fileURLToPath(mainModuleUrl));
  const appDir = dirname(mainDir);
  return {
    rendererRoot: join(appDir, 'renderer'),
    preload: join(appDir, 'preload', 'preload.cjs'),
  };
}
