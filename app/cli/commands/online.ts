/**
 * The online node's side (run on the exchange's connected machine, with its own AIRLOCK_HOME):
 *   online init    demo: a SoftHSM2 coordinator token and its Ed25519 key
 *   online build   intents → unsigned transactions → batch signed by the coordinator key
 *   online verify  check the appliance's result against the batch; print what to broadcast
 */
import { randomInt } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_PKCS11_MODULE,
  findKey,
  generateKeyPair,
  initSoftHsmToken,
  signEd25519,
  writeSoftHsmConfig,
} from '../../../hsm/index.js';
import { batchDigest, fingerprint, LIMITS } from '../../../signer/format/index.js';
import { buildSignedBatch } from '../../../signer/online/build.js';
import { parseIntents } from '../../../signer/online/intents.js';
import { verifyResultForBatch } from '../../../signer/online/verify.js';
import { ConfigError, writeConfig } from '../../config/home.js';
import { adapterContextOf, type Registry, registryFromJson } from '../../config/registry.js';
import { type Command, out, UsageError } from '../command.js';
import { cliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { readInputFile, writeNewFileAtomic } from '../files.js';
import { readPin } from '../pin.js';

interface OnlineConfig {
  readonly coordinatorToken: string;
  readonly coordinatorKeyId: string;
}

function onlineConfigPath(home: string): string {
  return join(home, 'online.json');
}

function readOnlineConfig(home: string): OnlineConfig {
  const path = onlineConfigPath(home);
  if (!existsSync(path))
    throw new ConfigError(`${path}: no online configuration; run airlock online init first`);
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<OnlineConfig>;
  if (typeof raw.coordinatorToken !== 'string' || typeof raw.coordinatorKeyId !== 'string') {
    throw new ConfigError(`${path}: needs "coordinatorToken" and "coordinatorKeyId"`);
  }
  return { coordinatorToken: raw.coordinatorToken, coordinatorKeyId: raw.coordinatorKeyId };
}

/** The appliance's public registry export, as the online node received it. */
export function readApplianceExport(path: string): Registry {
  const text = readInputFile(path, 1024 * 1024).toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  return registryFromJson(raw, path);
}

export const onlineInit: Command = {
  name: 'online init',
  usage: 'airlock online init [--key-id coordinator-1]',
  summary:
    'demo online node: a SoftHSM2 coordinator token and Ed25519 key in AIRLOCK_HOME; prints the PIN once',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { 'key-id': { type: 'string' } }, strict: true });
    const keyId = values['key-id'] ?? 'coordinator-1';
    const ctx = cliContext();
    if (existsSync(onlineConfigPath(ctx.layout.home)))
      throw new UsageError(`${ctx.layout.home} already holds an online node`);
    const home = writeSoftHsmConfig(ctx.layout.softhsmDir);
    const token = {
      label: 'online-coordinator',
      userPin: Array.from({ length: 8 }, () => randomInt(10)).join(''),
      soPin: Array.from({ length: 12 }, () => randomInt(10)).join(''),
    };
    await initSoftHsmToken(home, token);
    writeConfig(ctx.layout, {
      version: 1,
      pkcs11Module: DEFAULT_PKCS11_MODULE,
      signingToken: token.label,
      operatorTokens: [],
    });
    writeFileSync(
      onlineConfigPath(ctx.layout.home),
      `${JSON.stringify({ coordinatorToken: token.label, coordinatorKeyId: keyId }, null, 2)}\n`,
    );
    const key = await ctx
      .token(token.label)
      .withSession(token.userPin, (s) => generateKeyPair(s, { curve: 'ed25519', label: keyId }), {
        readWrite: true,
      });
    out(
      `coordinator token "${token.label}" user PIN ${token.userPin}   SO PIN ${token.soPin}   (shown once)`,
    );
    out(`coordinator key ${keyId} ${Buffer.from(key.publicKey).toString('hex')}`);
    return EXIT.OK;
  },
};

export const onlineBuild: Command = {
  name: 'online build',
  usage:
    'airlock online build <intents.json> --appliance <appliance-public.json> --out <batch.json> [--pin-stdin]',
  summary: 'build the unsigned transactions and the coordinator-signed batch',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { appliance: { type: 'string' }, out: { type: 'string' }, 'pin-stdin': { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one intents file');
    if (!values.appliance || !values.out) throw new UsageError('--appliance and --out are required');
    const ctx = cliContext();
    const online = readOnlineConfig(ctx.layout.home);
    const appliance = readApplianceExport(values.appliance);
    const intents = parseIntents(readInputFile(positionals[0]!, LIMITS.maxBatchBytes).toString('utf8'));
    if (intents.network !== appliance.network)
      throw new UsageError(
        `the intents are for ${intents.network}, the appliance signs on ${appliance.network}`,
      );
    const token = ctx.token(online.coordinatorToken);
    const pin = await readPin(
      `User PIN of coordinator token "${online.coordinatorToken}": `,
      values['pin-stdin'] === true,
    );
    const built = await token.withSession(pin, (s) => {
      const key = findKey(s, { label: online.coordinatorKeyId });
      return buildSignedBatch(intents, {
        keys: new Map(appliance.signingKeys.map((k) => [k.label, k])),
        coordinatorKeyId: online.coordinatorKeyId,
        signDigest: async (digest) => signEd25519(s, key, digest),
        now: new Date(),
      });
    });
    writeNewFileAtomic(values.out, built.json);
    out(
      `built batch ${built.batch.batchId} with ${built.batch.withdrawals.length} withdrawal(s) -> ${values.out}`,
    );
    out(
      `FINGERPRINT ${fingerprint(batchDigest(built.batch)).text}   <- approvers compare this with the appliance's screen`,
    );
    return EXIT.OK;
  },
};

export const onlineVerify: Command = {
  name: 'online verify',
  usage:
    'airlock online verify <result.json> --batch <batch.json> --appliance <appliance-public.json> [--json]',
  summary: 'verify every signature of a result against the batch; print the transactions to broadcast',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { batch: { type: 'string' }, appliance: { type: 'string' }, json: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one result file');
    if (!values.batch || !values.appliance) throw new UsageError('--batch and --appliance are required');
    const appliance = readApplianceExport(values.appliance);
    if (!appliance.applianceKey) throw new ConfigError(`${values.appliance}: no appliance key in the export`);
    const txs = verifyResultForBatch(
      readInputFile(positionals[0]!, LIMITS.maxBatchBytes),
      readInputFile(values.batch, LIMITS.maxBatchBytes),
      new Map([[appliance.applianceKey.keyId, appliance.applianceKey.publicKey]]),
      adapterContextOf(appliance),
    );
    if (values.json) {
      out(JSON.stringify({ ok: true, transactions: txs }));
      return EXIT.OK;
    }
    out(`result verified: ${txs.length} withdrawal(s), every signature checked against the enrolled keys`);
    for (const t of txs) {
      out(
        `${t.id}  ${t.chain}  txid ${t.txid}  ${t.format === 'raw' ? 'broadcast:' : 'PSBT for cosigners:'}`,
      );
      out(`  ${t.payload}`);
    }
    return EXIT.OK;
  },
};
