/** What every command needs: the data directory, its configuration and the PKCS#11 module. */
import { Pkcs11Module, type Token } from '../../hsm/index.js';
import {
  type ApplianceConfig,
  type HomeLayout,
  layoutOf,
  modulePathFor,
  prepareSoftHsmEnv,
  readConfig,
  resolveHome,
} from '../config/home.js';

export interface CliContext {
  readonly layout: HomeLayout;
  readonly config: ApplianceConfig;
  module(): Pkcs11Module;
  token(label?: string): Token;
}

export function cliContext(env: NodeJS.ProcessEnv = process.env): CliContext {
  const layout = layoutOf(resolveHome(env));
  const config = readConfig(layout);
  let module: Pkcs11Module | undefined;
  const ctx: CliContext = {
    layout,
    config,
    module() {
      if (!module) {
        prepareSoftHsmEnv(layout, env);
        module = Pkcs11Module.open(modulePathFor(config, env));
      }
      return module;
    },
    token(label = config.signingToken) {
      return ctx.module().token(label);
    },
  };
  return ctx;
}
