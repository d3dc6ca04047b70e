/**
 * Airlock's data directory: everything Airlock writes lives under one directory.
 *
 * `AIRLOCK_HOME`, else `$XDG_DATA_HOME/airlock`, else `~/.local/share/airlock`. Inside it:
 *   airlock.json          appliance configuration (module path, token labels)
 *   softhsm/softhsm2.conf SoftHSM2 configuration when the demo/test module is used
 *   softhsm/tokens/       SoftHSM2 token files (never the system token directory)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { configuredModulePath, DEFAULT_PKCS11_MODULE } from '../../hsm/index.js';

export interface HomeLayout {
  readonly home: string;
  readonly configFile: string;
  readonly softhsmDir: string;
  readonly softhsmConf: string;
}

export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AIRLOCK_HOME?.trim()) return resolve(env.AIRLOCK_HOME.trim());
  const base = env.XDG_DATA_HOME?.trim() || join(homedir(), '.local', 'share');
  return join(base, 'airlock');
}

export function layoutOf(home: string): HomeLayout {
  const softhsmDir = join(home, 'softhsm');
  return {
    home,
    configFile: join(home, 'airlock.json'),
    softhsmDir,
    softhsmConf: join(softhsmDir, 'softhsm2.conf'),
  };
}

/** The appliance configuration file (airlock.json). */
export interface ApplianceConfig {
  readonly version: 1;
  /** PKCS#11 module; `AIRLOCK_PKCS11_MODULE` overrides it. */
  readonly pkcs11Module: string;
  /** Label of the token holding the signing keys. */
  readonly signingToken: string;
  /** Labels of the operators' smartcard tokens. */
  readonly operatorTokens: readonly string[];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const DEFAULT_SIGNING_TOKEN = 'airlock-signing';

export function defaultConfig(): ApplianceConfig {
  return {
    version: 1,
    pkcs11Module: DEFAULT_PKCS11_MODULE,
    signingToken: DEFAULT_SIGNING_TOKEN,
    operatorTokens: [],
  };
}

/** Read airlock.json strictly; a missing file gives the defaults. */
export function readConfig(layout: HomeLayout): ApplianceConfig {
  if (!existsSync(layout.configFile)) return defaultConfig();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(layout.configFile, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${layout.configFile}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${layout.configFile}: expected a JSON object`);
  }
  const o = raw as Record<string, unknown>;
  const known = new Set(['version', 'pkcs11Module', 'signingToken', 'operatorTokens']);
  for (const k of Object.keys(o))
    if (!known.has(k)) throw new ConfigError(`${layout.configFile}: unknown setting "${k}"`);
  if (o.version !== 1)
    throw new ConfigError(`${layout.configFile}: "version" must be 1, found ${JSON.stringify(o.version)}`);
  const str = (k: string) => {
    if (typeof o[k] !== 'string' || (o[k] as string).length === 0) {
      throw new ConfigError(
        `${layout.configFile}: "${k}" must be a non-empty string, found ${JSON.stringify(o[k])}`,
      );
    }
    return o[k] as string;
  };
  const tokens = o.operatorTokens;
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string' && t.length > 0)) {
    throw new ConfigError(`${layout.configFile}: "operatorTokens" must be an array of token labels`);
  }
  return {
    version: 1,
    pkcs11Module: str('pkcs11Module'),
    signingToken: str('signingToken'),
    operatorTokens: tokens,
  };
}

export function writeConfig(layout: HomeLayout, config: ApplianceConfig): void {
  mkdirSync(layout.home, { recursive: true, mode: 0o700 });
  writeFileSync(layout.configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}

/** The module path in force: the environment, else the configuration. */
export function modulePathFor(config: ApplianceConfig, env: NodeJS.ProcessEnv = process.env): string {
  return env.AIRLOCK_PKCS11_MODULE?.trim() ? configuredModulePath(env) : config.pkcs11Module;
}

/**
 * SoftHSM2 reads SOFTHSM2_CONF when the module initialises: point it at the home's own
 * configuration unless the caller set one.
 */
export function prepareSoftHsmEnv(layout: HomeLayout, env: NodeJS.ProcessEnv = process.env): void {
  if (!env.SOFTHSM2_CONF && existsSync(layout.softhsmConf)) env.SOFTHSM2_CONF = layout.softhsmConf;
}
