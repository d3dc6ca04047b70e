/**
 * What the console checks before it opens a window: the appliance's data directory and its
 * configuration, found exactly as the CLI finds them (AIRLOCK_HOME, airlock.json,
 * AIRLOCK_PKCS11_MODULE). The console never provisions anything: a missing home or module is a
 * refusal to start with an operator-readable message and the CLI's configuration exit code (6).
 *
 * Node only (node:fs), no Electron import; main.ts shows the message in a dialog.
 */
import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import {
  type ApplianceConfig,
  ConfigError,
  type HomeLayout,
  layoutOf,
  modulePathFor,
  readConfig,
  resolveHome,
} from '../config/home.js';

/** The CLI's exit code for configuration problems (app/cli/exit-codes.ts EXIT.CONFIG). */
export const STARTUP_EXIT_CODE = 6;

export type StartupErrorCode =
  | 'HOME_MISSING'
  | 'HOME_NOT_DIRECTORY'
  | 'CONFIG_INVALID'
  | 'PKCS11_MODULE_MISSING';

export class StartupError extends Error {
  override readonly name = 'StartupError';
  readonly exitCode = STARTUP_EXIT_CODE;
  constructor(
    readonly code: StartupErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ApplianceHome {
  readonly home: string;
  readonly layout: HomeLayout;
  readonly config: ApplianceConfig;
  readonly modulePath: string;
}

/** Check the appliance home and configuration; throws StartupError naming what is wrong. */
export function checkApplianceHome(env: NodeJS.ProcessEnv): ApplianceHome {
  const home = resolveHome(env);
  const layout = layoutOf(home);
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(home);
  } catch {
    throw new StartupError(
      'HOME_MISSING',
      `The appliance data directory ${home} does not exist. Set AIRLOCK_HOME to the appliance's ` +
        'data directory, or run the key ceremony first (docs/deploy.md).',
    );
  }
  if (!st.isDirectory())
    throw new StartupError('HOME_NOT_DIRECTORY', `The appliance data directory ${home} is not a directory.`);
  let config: ApplianceConfig;
  try {
    config = readConfig(layout);
  } catch (err) {
    if (err instanceof ConfigError)
      throw new StartupError('CONFIG_INVALID', `Invalid configuration: ${err.message}`);
    throw err;
  }
  const modulePath = modulePathFor(config, env);
  let moduleOk = false;
  try {
    moduleOk = isAbsolute(modulePath) && statSync(modulePath).isFile();
  } catch {
    moduleOk = false;
  }
  if (!moduleOk)
    throw new StartupError(
      'PKCS11_MODULE_MISSING',
      `The PKCS#11 module ${modulePath} is not a file (set AIRLOCK_PKCS11_MODULE or "pkcs11Module" in ` +
        `${layout.configFile}; see docs/hsm.md).`,
    );
  return { home, layout, config, modulePath };
}
