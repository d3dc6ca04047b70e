/**
 * `airlock hsm …`: the PKCS#11 layer from the command line.
 *   tokens                                  list tokens (label, serial, model, flags, PIN state)
 *   keygen --curve secp256k1|ed25519 --label L [--token T] [--pin-stdin]
 *   pubkey --label L [--token T]            public key, hex (secp256k1: 33-byte compressed)
 *   sign --label L --digest HEX [--token T] [--pin-stdin]
 *                                           secp256k1: low-S r||s hex (64 bytes); ed25519: 64-byte signature hex
 */
import { parseArgs } from 'node:util';
import { findKey, generateKeyPair, readPublicKey, signDigest, signEd25519 } from '../../../hsm/index.js';
import { withPinGuard } from '../../config/stores.js';
import { type Command, out, UsageError } from '../command.js';
import { cliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { readPin } from '../pin.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.length === 0) throw new UsageError(`--${name} is required`);
  return v;
}

export const hsmTokens: Command = {
  name: 'hsm tokens',
  usage: 'airlock hsm tokens [--json]',
  summary: 'list the PKCS#11 tokens: label, serial, model, flags, PIN state',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, strict: true });
    const ctx = cliContext();
    const infos = ctx
      .module()
      .tokens()
      .map((t) => t.info());
    if (values.json) {
      out(JSON.stringify({ module: ctx.module().info(), tokens: infos }, null, 2));
      return EXIT.OK;
    }
    const m = ctx.module().info();
    out(`module ${m.path} (${m.manufacturer} ${m.libraryVersion}, Cryptoki ${m.cryptokiVersion})`);
    for (const t of infos) {
      const pin = [
        t.pin.locked && 'PIN LOCKED',
        t.pin.finalTry && 'final try',
        t.pin.countLow && 'count low',
        t.pin.toBeChanged && 'to be changed',
      ]
        .filter(Boolean)
        .join(', ');
      out(
        `slot ${t.slotId}  ${t.flags.initialized ? JSON.stringify(t.label) : '(uninitialised)'}  serial ${t.serial || '-'}  model ${t.model}` +
          `  ${t.flags.loginRequired ? 'login required' : 'no login'}${t.flags.writeProtected ? ', write-protected' : ''}  PIN: ${pin || 'ok'}`,
      );
    }
    return EXIT.OK;
  },
};

export const hsmKeygen: Command = {
  name: 'hsm keygen',
  usage: 'airlock hsm keygen --curve secp256k1|ed25519 --label L [--token T] [--pin-stdin]',
  summary: 'generate a non-extractable sign-only key pair on the token',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        curve: { type: 'string' },
        label: { type: 'string' },
        token: { type: 'string' },
        'pin-stdin': { type: 'boolean' },
      },
      strict: true,
    });
    const curve = required(values, 'curve');
    if (curve !== 'secp256k1' && curve !== 'ed25519')
      throw new UsageError(`--curve must be secp256k1 or ed25519, got ${curve}`);
    const label = required(values, 'label');
    const ctx = cliContext();
    const token = ctx.token(values.token);
    const tokenLabel = token.info().label;
    const key = await withPinGuard(ctx.layout, { token: tokenLabel, subject: 'user-pin' }, async () =>
      token.withSession(
        await readPin(`User PIN of token "${tokenLabel}": `, values['pin-stdin'] === true),
        (s) => generateKeyPair(s, { curve, label }),
        { readWrite: true },
      ),
    );
    out(`${key.label}\t${key.curve}\tid ${key.id}\t${hex(key.publicKey)}`);
    return EXIT.OK;
  },
};

export const hsmPubkey: Command = {
  name: 'hsm pubkey',
  usage: 'airlock hsm pubkey --label L [--token T]',
  summary: 'print a key’s public half (hex; secp256k1 compressed)',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { label: { type: 'string' }, token: { type: 'string' } },
      strict: true,
    });
    const label = required(values, 'label');
    const token = cliContext().token(values.token);
    const session = token.openSession();
    try {
      out(hex(readPublicKey(session, label).publicKey));
    } finally {
      session.close();
    }
    return EXIT.OK;
  },
};

export const hsmSign: Command = {
  name: 'hsm sign',
  usage: 'airlock hsm sign --label L --digest HEX [--token T] [--pin-stdin] [--json]',
  summary: 'sign a 32-byte digest (secp256k1: low-S r||s; ed25519: the digest as message)',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        label: { type: 'string' },
        digest: { type: 'string' },
        token: { type: 'string' },
        'pin-stdin': { type: 'boolean' },
        json: { type: 'boolean' },
      },
      strict: true,
    });
    const label = required(values, 'label');
    const digestHex = required(values, 'digest').replace(/^0x/, '');
    if (!/^[0-9a-fA-F]{64}$/.test(digestHex))
      throw new UsageError(`--digest must be 32 bytes as 64 hex digits, got ${digestHex.length} characters`);
    const digest = Uint8Array.from(Buffer.from(digestHex, 'hex'));
    const ctx = cliContext();
    const token = ctx.token(values.token);
    const tokenLabel = token.info().label;
    const pinKey = { token: tokenLabel, subject: 'user-pin' };
    const ask = () => readPin(`User PIN of token "${tokenLabel}": `, values['pin-stdin'] === true);
    const result = await withPinGuard(ctx.layout, pinKey, async () =>
      token.withSession(await ask(), (s) => {
        const key = findKey(s, { label });
        if (key.curve === 'secp256k1') {
          const sig = signDigest(s, key, digest);
          return {
            curve: key.curve,
            signature: hex(sig.compact),
            recovery: sig.recovery,
            publicKey: hex(key.publicKey),
          };
        }
        return {
          curve: key.curve,
          signature: hex(signEd25519(s, key, digest)),
          publicKey: hex(key.publicKey),
        };
      }),
    );
    out(values.json ? JSON.stringify(result) : result.signature);
    return EXIT.OK;
  },
};
