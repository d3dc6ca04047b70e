/** A throw-away SoftHSM2 home for one test process: real tokens, real PKCS#11, nothing mocked. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PKCS11_MODULE } from '../hsm/constants.js';
import { Pkcs11Module } from '../hsm/module.js';
import { initSoftHsmToken, writeSoftHsmConfig } from '../hsm/softhsm.js';

export interface TestToken {
  readonly label: string;
  readonly userPin: string;
  readonly soPin: string;
}

export interface TestHsm {
  readonly dir: string;
  readonly confPath: string;
  readonly module: Pkcs11Module;
  readonly tokens: readonly TestToken[];
  cleanup(): void;
}

/**
 * Create tokens in a fresh directory and load SoftHSM2 with it. SOFTHSM2_CONF is read at
 * C_Initialize, so call this once per test process (node --test runs each file in its own process).
 */
export async function createTestHsm(labels: readonly string[] = ['test-signing']): Promise<TestHsm> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-hsm-'));
  const home = writeSoftHsmConfig(dir);
  const tokens = labels.map((label, i) => ({ label, userPin: `1234-${i}-user`, soPin: `5678-${i}-so` }));
  for (const t of tokens) await initSoftHsmToken(home, t);
  process.env.SOFTHSM2_CONF = home.confPath;
  const module = Pkcs11Module.open(DEFAULT_PKCS11_MODULE);
  return {
    dir,
    confPath: home.confPath,
    module,
    tokens,
    cleanup() {
      module.finalize();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
