/**
 * `airlock demo-init` provisions SoftHSM2 inside the data directory for a demo: one signing token
 * and three operator-card tokens, with PINs printed once. `airlock demo` runs the main job end to
 * end on a fresh demo directory (key ceremony, online build, inspect, policy, operator enrolment,
 * approvals, sign, online verify, audit), each step as the `airlock` command an operator would type: the
 * appliance and the online node each have their own data directory; `transfer/` stands in for the
 * USB stick.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_PKCS11_MODULE, initSoftHsmToken, writeSoftHsmConfig } from '../../../hsm/index.js';
import {
  DEFAULT_SIGNING_TOKEN,
  type HomeLayout,
  layoutOf,
  resolveHome,
  writeConfig,
} from '../../config/home.js';
import { readRegistry } from '../../config/registry.js';
import { type Command, out, UsageError } from '../command.js';
import { consoleUnavailableReason, electronBinary, electronSqliteBinding } from '../electron-binary.js';
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

/** The sample ERC-20 (Sepolia USDC) the demo allowlists; samples/intents.json pays in it. */
const SAMPLE_TOKEN = {
  contract: '0x1c7d4b196cb0c7b01d743fbc6116a902379c7238',
  symbol: 'USDC',
  decimals: 6,
} as const;

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

/** Runs one `airlock` command in a data directory and returns its standard output. */
export type StepRunner = (home: string, args: string[], stdin?: string) => string;

/** Run one `airlock` command as its own process (its own machine, for the online side), echoing it. */
function step(home: string, args: string[], stdin = ''): string {
  const shown = `$ AIRLOCK_HOME=${home} airlock ${args.join(' ')}`;
  out(shown);
  return runStep(home, args, stdin, (text) => out(text.replace(/^/gm, '    ')));
}

/** Run one `airlock` command as its own process; `echo` gets what it printed. Throws when it fails. */
export function runStep(
  home: string,
  args: string[],
  stdin = '',
  echo: (text: string) => void = () => {},
): string {
  const { SOFTHSM2_CONF: _own, ...env } = process.env;
  const r = spawnSync(process.execPath, [AIRLOCK_BIN, ...args], {
    input: stdin,
    encoding: 'utf8',
    env: { ...env, AIRLOCK_HOME: home },
    maxBuffer: 64 * 1024 * 1024,
  });
  const text = `${r.stdout}${r.stderr}`.trimEnd();
  if (text) echo(text);
  if (r.status !== 0)
    throw new DemoStepError(`step failed (exit ${r.status}): airlock ${args.join(' ')}\n${r.stderr}`);
  return r.stdout;
}

export class DemoStepError extends Error {
  override readonly name = 'DemoStepError';
}

const AIRLOCK_BIN = fileURLToPath(new URL('../../../../bin/airlock.js', import.meta.url));
const SAMPLE_INTENTS = fileURLToPath(new URL('../../../../samples/intents.json', import.meta.url));
const SAMPLE_POLICY = fileURLToPath(new URL('../../../../samples/policy.json', import.meta.url));
const CONSOLE_MAIN = fileURLToPath(new URL('../../main/main.js', import.meta.url));

/** The demo's operators, one per demo card. */
export const DEMO_OPERATORS = [
  { id: 'alice', role: 'admin', card: OPERATOR_TOKENS[0] },
  { id: 'bob', role: 'operator', card: OPERATOR_TOKENS[1] },
  { id: 'carol', role: 'operator', card: OPERATOR_TOKENS[2] },
] as const;

/** An appliance after its key ceremony, operator enrolment and first policy, and its online node. */
export interface DemoSetup {
  readonly root: string;
  readonly appliance: string;
  readonly online: string;
  /** Stands in for the USB stick between the two. */
  readonly transfer: string;
  readonly appliancePublic: string;
  /** What demo-init printed: every token's PINs. */
  readonly pins: string;
  readonly coordinatorPin: string;
  readonly custodians: string;
}

/** The user PIN demo-init printed for `token`. */
export function demoPin(setup: Pick<DemoSetup, 'pins'>, token: string): string {
  const pin = new RegExp(`${token}\\s+user PIN (\\d+)`).exec(setup.pins)?.[1];
  if (!pin) throw new DemoStepError(`demo-init printed no PIN for ${token}`);
  return pin;
}

/**
 * Steps 1-4 of the demo under `root` (an empty or demo-made directory): SoftHSM2 tokens, the key
 * ceremony, custodian shares of the signing PIN, the online node's coordinator key, the operators and
 * the first policy. `say` narrates; `run` runs each command. The e2e suite sets up its appliance so.
 */
export function setUpDemo(
  root: string,
  run: StepRunner,
  say: (line: string) => void,
  options: { readonly operators?: boolean } = {},
): DemoSetup {
  const appliance = join(root, 'appliance');
  const online = join(root, 'online');
  const transfer = join(root, 'transfer'); // stands in for the USB stick / animated QR
  mkdirSync(transfer, { recursive: true });

  say('== 1. Appliance: provision SoftHSM2 tokens (1 signing token, 3 operator cards)');
  const pins = run(appliance, ['demo-init']);
  const signingPin = demoPin({ pins }, DEFAULT_SIGNING_TOKEN);

  say('== 2. Appliance: key ceremony on the signing token (non-extractable, sign-only) and enrolment');
  for (const k of DEMO_KEYS)
    run(
      appliance,
      ['hsm', 'keygen', '--curve', k.curve, '--label', k.label, '--pin-stdin'],
      `${signingPin}\n`,
    );
  run(appliance, [
    'enrol',
    'keys',
    '--labels',
    'btc-treasury-1,eth-treasury-1',
    '--appliance-key',
    'appliance-1',
    '--network',
    'testnet',
  ]);
  run(appliance, [
    'enrol',
    'token',
    '--contract',
    SAMPLE_TOKEN.contract,
    '--symbol',
    SAMPLE_TOKEN.symbol,
    '--decimals',
    String(SAMPLE_TOKEN.decimals),
  ]);
  const appliancePublic = join(transfer, 'appliance-public.json');
  run(appliance, ['registry', 'export', '--out', appliancePublic]);
  say(
    "    the signing token's PIN is now split into 3 custodian shares, any 2 of which rebuild it; " +
      'from here on the whole PIN is never typed again',
  );
  const custodians = join(root, 'custodians');
  run(
    appliance,
    ['pin', 'split', '--custodians', '3', '--threshold', '2', '--out-dir', custodians, '--pin-stdin'],
    `${signingPin}\n`,
  );

  say(
    '== 3. Online node: its coordinator key (its own SoftHSM2 token); the appliance enrols the public half',
  );
  const coordinator = run(online, ['online', 'init']);
  const coordinatorPin = /user PIN (\d+)/.exec(coordinator)?.[1];
  const coordinatorPub = /coordinator key coordinator-1 ([0-9a-f]{64})/.exec(coordinator)?.[1];
  if (!coordinatorPin || !coordinatorPub) throw new DemoStepError('online init printed no PIN or key');
  run(appliance, ['enrol', 'coordinator', '--key-id', 'coordinator-1', '--public-key', coordinatorPub]);

  const setup = { root, appliance, online, transfer, appliancePublic, pins, coordinatorPin, custodians };
  if (options.operators === false) return setup;
  say(
    '== 4. Appliance: enrol three operators (the key ceremony: before the first policy, the only enrolment ' +
      'without a quorum): a key on each operator card, and a WebAuthn credential ' +
      '(SOFTWARE AUTHENTICATOR FOR TESTS AND DEMO: no authenticator is attached to a CLI)',
  );
  for (const o of DEMO_OPERATORS)
    run(
      appliance,
      ['operator', 'enroll', '--id', o.id, '--role', o.role, '--card-token', o.card, '--pin-stdin'],
      `${demoPin({ pins }, o.card)}\n`,
    );
  run(appliance, ['operator', 'list']);

  say(
    '== 5. Appliance: install the sample policy (2 of 3 operators; 3 above 1000 USD), its price table dated now',
  );
  installDemoPolicy(setup, run);
  return setup;
}

/** The sample policy, its price table dated now, installed on the appliance (the first policy). */
export function installDemoPolicy(setup: DemoSetup, run: StepRunner): void {
  const policyFile = join(setup.root, 'policy.json');
  const policy = JSON.parse(readFileSync(SAMPLE_POLICY, 'utf8'));
  policy.priceTable.asOf = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  writeFileSync(policyFile, `${JSON.stringify(policy, null, 2)}\n`);
  run(setup.appliance, ['policy', 'set', policyFile]);
}

/** The online node builds `intents` into a batch signed with its coordinator key. */
export function buildDemoBatch(
  setup: DemoSetup,
  run: StepRunner,
  out: string,
  intents = SAMPLE_INTENTS,
): string {
  run(
    setup.online,
    ['online', 'build', intents, '--appliance', setup.appliancePublic, '--out', out, '--pin-stdin'],
    `${setup.coordinatorPin}\n`,
  );
  return out;
}

/**
 * Where Electron can run: the appliance's operator console opens on the demo appliance, with
 * `transfer/` as its USB stick (batch.json is on it; batch.y4m is what a camera would see). The
 * operators import, review, approve, sign and export there; a result saved to the stick is then
 * verified by the online node.
 */
async function openConsoleCeremony(setup: DemoSetup, onlineBatch: string): Promise<number> {
  const binary = electronBinary()!;
  out(
    '== 7. The operator console. Operators: enrol alice (admin), bob and carol on the Operators screen, ' +
      'each with their card and their own authenticator; the demo installs the sample policy once all three ' +
      'are enrolled. Then import batch.json from the USB stick (transfer/), review, approve, sign, export to USB.',
  );
  for (const o of DEMO_OPERATORS)
    out(`    ${o.id} (${o.role}): card ${o.card}, PIN ${demoPin(setup, o.card)}`);
  out(`    signing PIN custodian shares: ${join(setup.custodians, 'share-*-of-3.txt')} (any 2)`);
  const { SOFTHSM2_CONF: _own, ...env } = process.env;
  const child = spawn(binary, [CONSOLE_MAIN], {
    stdio: 'inherit',
    env: {
      ...env,
      AIRLOCK_HOME: setup.appliance,
      AIRLOCK_USB_ROOT: setup.transfer,
      AIRLOCK_SQLITE_BINDING: electronSqliteBinding()!,
    },
  });
  // The key ceremony ends with the first policy: installed as soon as the three operators are enrolled.
  const layout = layoutOf(setup.appliance);
  const watch = setInterval(() => {
    if (existsSync(join(setup.appliance, 'policy.json'))) return clearInterval(watch);
    let enrolled = 0;
    try {
      enrolled = readRegistry(layout).operators.length;
    } catch {
      return;
    }
    if (enrolled < DEMO_OPERATORS.length) return;
    clearInterval(watch);
    out('== 7b. Three operators enrolled: installing the sample policy (2 of 3; 3 above 1000 USD)');
    installDemoPolicy(setup, step);
  }, 1000);
  const r = await new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (status, signal) => resolve({ status, signal }));
  }).finally(() => clearInterval(watch));
  if (r.status !== 0) throw new DemoStepError(`the operator console exited with ${r.status ?? r.signal}`);
  const results = readdirSync(setup.transfer).filter((f) => f.endsWith('.result.json'));
  if (results.length === 0) {
    out('== The console closed without a signed result on the USB stick; nothing to verify.');
    return EXIT.OK;
  }
  out('== 8. Online node: verify the result the console saved to the USB stick');
  for (const f of results)
    step(setup.online, [
      'online',
      'verify',
      join(setup.transfer, f),
      '--batch',
      onlineBatch,
      '--appliance',
      setup.appliancePublic,
    ]);
  return EXIT.OK;
}

export const demo: Command = {
  name: 'demo',
  usage: 'airlock demo [--home DIR] [--headless]',
  summary:
    'the main job on sample data: key ceremony, operators, policy, online build, QR hand-off, inspect, approvals, sign, online verify, audit',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { home: { type: 'string' }, headless: { type: 'boolean' } },
      strict: true,
    });
    const root = resolve(values.home ?? join(process.cwd(), 'airlock-demo-home'));
    const noConsole = values.headless ? 'you asked for --headless' : consoleUnavailableReason();
    out(
      noConsole
        ? `The operator console (Electron) cannot open here: ${noConsole}. Running the same ceremony headless, each step as the airlock command an operator would type.`
        : 'Setting up the appliance, then opening the operator console (Electron) for the ceremony.',
    );
    if (existsSync(root) && readdirSync(root).length > 0 && !existsSync(join(root, DEMO_MARKER))) {
      throw new UsageError(`${root} is not empty and was not made by airlock demo; refusing to touch it`);
    }
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, DEMO_MARKER), 'made by airlock demo; safe to delete\n');
    // With the console, the operators enrol there with their own authenticators (not the CLI's).
    const setup = setUpDemo(root, step, out, { operators: noConsole !== null });
    const { appliance, online, transfer } = setup;
    const share = (n: number) => readFileSync(join(setup.custodians, `share-${n}-of-3.txt`), 'utf8').trim();

    out('== 6. Online node: build the sample withdrawal batch and sign it with the coordinator key');
    const onlineBatch = buildDemoBatch(setup, step, join(transfer, 'batch.json'));
    out(
      '== 6b. The air gap: the online node shows the batch as an animated QR code (dense mode; ' +
        "transfer/batch.y4m is what its screen shows), the appliance's camera reads it",
    );
    step(online, ['qr', 'encode', onlineBatch, '--out', join(transfer, 'batch.y4m')]);
    if (!noConsole) return openConsoleCeremony(setup, onlineBatch);
    const inbox = join(root, 'appliance-inbox');
    const outbox = join(root, 'appliance-outbox');
    mkdirSync(inbox);
    mkdirSync(outbox);
    const batch = join(inbox, 'batch.json');
    step(appliance, ['qr', 'decode', join(transfer, 'batch.y4m'), '--out', batch]);

    out('== 7. Appliance: inspect (authenticate, decode every transaction, cross-check against the batch)');
    step(appliance, ['inspect', batch]);

    out(
      '== 8. Appliance: operators approve the batch (card PIN + card signature; WebAuthn from the software authenticator for tests and demo)',
    );
    let required = 0;
    for (const o of DEMO_OPERATORS) {
      const shown = step(
        appliance,
        ['approve', batch, '--operator', o.id, '--pin-stdin'],
        `${demoPin(setup, o.card)}\n`,
      );
      required = Number(/POLICY: (\d+) of \d+ operators must approve/.exec(shown)?.[1] ?? 0);
      const given = DEMO_OPERATORS.indexOf(o) + 1;
      if (given >= required) {
        out(`    (the policy needs ${required} approvals for this batch; ${given} given)`);
        break;
      }
    }
    if (required === 0) throw new DemoStepError('approve printed no policy decision');
    out(
      '== 9. Appliance: sign with the HSM: the policy is evaluated again and every approval verified again; ' +
        "custodians 1 and 3 enter their shares of the signing token's PIN",
    );
    const signedResult = join(outbox, 'result.json');
    step(appliance, ['sign', batch, '--out', signedResult, '--shares-stdin'], `${share(1)}\n${share(3)}\n`);
    out(
      '== 9b. The air gap back: the appliance shows the signed result as an animated QR code, the online node reads it',
    );
    step(appliance, ['qr', 'encode', signedResult, '--out', join(transfer, 'result.y4m')]);
    const result = join(transfer, 'result.json');
    step(online, ['qr', 'decode', join(transfer, 'result.y4m'), '--out', result]);

    out('== 10. Online node: verify the result and every signature; the transactions to broadcast');
    step(online, [
      'online',
      'verify',
      result,
      '--batch',
      onlineBatch,
      '--appliance',
      join(transfer, 'appliance-public.json'),
    ]);

    out(
      '== 11. Appliance: the replay ledger — signing the same batch again exports the very same bytes, no HSM',
    );
    const again = join(outbox, 'result-again.json');
    step(appliance, ['sign', batch, '--out', again, '--shares-stdin'], '');
    if (!readFileSync(again).equals(readFileSync(signedResult)))
      throw new DemoStepError('the re-exported result differs');
    out('    (result-again.json is byte-identical to result.json)');

    out('== 12. Audit log: verify the hash chain, export it, the online node checks the export');
    step(appliance, ['audit', 'verify']);
    const auditFile = join(transfer, 'audit.jsonl');
    step(appliance, ['audit', 'export', '--out', auditFile]);
    step(online, ['online', 'audit-verify', auditFile]);

    out(`== Done. Everything is under ${root}.`);
    return EXIT.OK;
  },
};
