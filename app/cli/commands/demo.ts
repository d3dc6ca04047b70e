/**
 * `airlock demo-init` provisions SoftHSM2 inside the data directory for a demo: one signing token
 * and three operator-card tokens, with PINs printed once. `airlock demo` runs the main job end to
 * end on a fresh demo home: provisioning, the key ceremony, and signatures checked independently.
 */
import { randomInt } from 'node:crypto';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  DEFAULT_PKCS11_MODULE,
  findKey,
  generateKeyPair,
  initSoftHsmToken,
  Pkcs11Module,
  signDigest,
  signEd25519,
  writeSoftHsmConfig,
} from '../../../hsm/index.js';
import {
  DEFAULT_SIGNING_TOKEN,
  type HomeLayout,
  layoutOf,
  resolveHome,
  writeConfig,
} from '../../config/home.js';
import { type Command, out, UsageError } from '../command.js';
import { EXIT } from '../exit-codes.js';

/** Marks a data directory made by demo-init, the only kind `--force` may wipe. */
const DEMO_MARKER = '.airlock-demo';

export const OPERATOR_TOKENS = ['airlock-card-1', 'airlock-card-2', 'airlock-card-3'] as const;

/** The demo's signing keys: the key ceremony creates exactly these. */
export const DEMO_KEYS = [
  { label: 'btc-treasury-1', curve: 'secp256k1' },
  { label: 'eth-treasury-1', curve: 'secp256k1' },
  { label: 'appliance-1', curve: 'ed25519' },
] as const;

export interface DemoToken {
  readonly label: string;
  readonly userPin: string;
  readonly soPin: string;
}

function randomPin(digits: number): string {
  return Array.from({ length: digits }, () => randomInt(10)).join('');
}

/** Create the demo tokens under `layout.home`. Refuses a home that holds anything but an earlier demo. */
export async function provisionDemo(layout: HomeLayout, force: boolean): Promise<DemoToken[]> {
  if (existsSync(layout.home) && readdirSync(layout.home).length > 0) {
    if (!existsSync(join(layout.home, DEMO_MARKER))) {
      throw new UsageError(`${layout.home} is not empty and was not made by demo-init; refusing to touch it`);
    }
    if (!force) throw new UsageError(`${layout.home} already holds a demo; pass --force to start it afresh`);
    rmSync(layout.home, { recursive: true, force: true });
  }
  const home = writeSoftHsmConfig(layout.softhsmDir);
  writeFileSync(join(layout.home, DEMO_MARKER), 'made by airlock demo-init; safe to delete\n');
  const tokens: DemoToken[] = [DEFAULT_SIGNING_TOKEN, ...OPERATOR_TOKENS].map((label) => ({
    label,
    userPin: randomPin(8),
    soPin: randomPin(12),
  }));
  for (const t of tokens) await initSoftHsmToken(home, t);
  writeConfig(layout, {
    version: 1,
    pkcs11Module: DEFAULT_PKCS11_MODULE,
    signingToken: DEFAULT_SIGNING_TOKEN,
    operatorTokens: [...OPERATOR_TOKENS],
  });
  return tokens;
}

function printPins(tokens: readonly DemoToken[]): void {
  out('Demo PINs (shown once, write them down; demo tokens only):');
  for (const t of tokens) out(`  ${t.label.padEnd(18)} user PIN ${t.userPin}   SO PIN ${t.soPin}`);
}

export const demoInit: Command = {
  name: 'demo-init',
  usage: 'airlock demo-init [--force]',
  summary: 'provision SoftHSM2 demo tokens (1 signing + 3 operator cards) in the data directory',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { force: { type: 'boolean' } }, strict: true });
    const layout = layoutOf(resolveHome());
    const tokens = await provisionDemo(layout, values.force === true);
    out(`Data directory: ${layout.home}`);
    out(`SoftHSM2 configuration: ${layout.softhsmConf}`);
    printPins(tokens);
    return EXIT.OK;
  },
};

export const demo: Command = {
  name: 'demo',
  usage: 'airlock demo [--home DIR]',
  summary: 'the main job on sample data: provision tokens, key ceremony, sign and verify',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { home: { type: 'string' } }, strict: true });
    const layout = layoutOf(resolve(values.home ?? join(process.cwd(), 'airlock-demo-home')));
    out(`== 1. Provision SoftHSM2 tokens in ${layout.home}`);
    const tokens = await provisionDemo(layout, true);
    printPins(tokens);

    // SoftHSM2 reads its configuration when the module initialises: point it at this home first.
    process.env.SOFTHSM2_CONF = layout.softhsmConf;
    const module = Pkcs11Module.open(DEFAULT_PKCS11_MODULE);
    try {
      const signing = tokens[0]!;
      const token = module.token(signing.label);
      const info = token.info();
      out(
        `   token "${info.label}" serial ${info.serial} (${info.model}); ${tokens.length - 1} operator cards`,
      );

      out('== 2. Key ceremony on the signing token (non-extractable, sign-only)');
      const keys = await token.withSession(
        signing.userPin,
        (s) => DEMO_KEYS.map((k) => generateKeyPair(s, k)),
        {
          readWrite: true,
        },
      );
      for (const k of keys)
        out(
          `   ${k.label.padEnd(15)} ${k.curve.padEnd(9)} id ${k.id}  pub ${Buffer.from(k.publicKey).toString('hex')}`,
        );

      out('== 3. Sign a sample digest with every key; check each signature independently');
      const digest = sha256(new TextEncoder().encode('Airlock demo: sample withdrawal digest'));
      out(`   digest ${Buffer.from(digest).toString('hex')}`);
      await token.withSession(signing.userPin, (s) => {
        for (const generated of keys) {
          // Object handles belong to the session that found them: look each key up again here.
          const key = findKey(s, { label: generated.label });
          if (key.curve === 'secp256k1') {
            const sig = signDigest(s, key, digest);
            const ok = secp256k1.verify(sig.compact, digest, key.publicKey, { prehash: false, lowS: true });
            if (!ok) throw new Error(`signature by ${key.label} failed the independent check`);
            out(
              `   ${key.label.padEnd(15)} ECDSA low-S r||s ${Buffer.from(sig.compact).toString('hex')} recid ${sig.recovery}  verified`,
            );
          } else {
            const sig = signEd25519(s, key, digest);
            if (!ed25519.verify(sig, digest, key.publicKey))
              throw new Error(`signature by ${key.label} failed the independent check`);
            out(`   ${key.label.padEnd(15)} Ed25519 ${Buffer.from(sig).toString('hex')}  verified`);
          }
        }
      });
      out('== Done: keys generated on the token, signatures normalised and verified.');
    } finally {
      module.finalize();
    }
    return EXIT.OK;
  },
};
