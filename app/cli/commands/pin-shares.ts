/**
 * `airlock pin split`: the key ceremony's last step for the signing token. Its user PIN is split with
 * Shamir's scheme (signer/quorum/shares.ts, the audited `shamir-secret-sharing`) into N custodian
 * shares, M of which rebuild it for `airlock sign --shares-stdin`. Each share is written for its
 * custodian as a text file and as a printable QR code (PNG; the share upper-cased, so QR alphanumeric
 * mode carries it), then handed out. The whole PIN is never written anywhere: it is read once from a
 * hidden prompt or standard input and dropped.
 *
 * Before the shares are written, they are combined again (every M-subset in order) and must rebuild the
 * PIN, and one C_Login with the rebuilt PIN proves it is the token's.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encodePng } from '../../../qr-transport/image/png.js';
import { renderFrame } from '../../../qr-transport/image/render.js';
import { combinePin, describeShare, splitPin } from '../../../signer/quorum/shares.js';
import { audit, withPinGuard } from '../../config/stores.js';
import { type Command, out, UsageError } from '../command.js';
import { cliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { writeNewFileAtomic } from '../files.js';
import { readPin } from '../pin.js';

function count(values: Record<string, unknown>, name: string): number {
  const v = values[name];
  const n = typeof v === 'string' && /^\d{1,2}$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new UsageError(`--${name} must be a whole number`);
  return n;
}

/** Every `m`-subset of 0..n-1 (n ≤ 16: at most 12,870 subsets). */
function* subsets(n: number, m: number, start = 0, prefix: number[] = []): Generator<number[]> {
  if (prefix.length === m) {
    yield prefix;
    return;
  }
  for (let i = start; i < n; i++) yield* subsets(n, m, i + 1, [...prefix, i]);
}

export const pinSplit: Command = {
  name: 'pin split',
  usage: 'airlock pin split --custodians N --threshold M --out-dir DIR [--token LABEL] [--pin-stdin]',
  summary: "split the signing token's PIN into N custodian shares (M rebuild it), as text and printable QR",
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        custodians: { type: 'string' },
        threshold: { type: 'string' },
        'out-dir': { type: 'string' },
        token: { type: 'string' },
        'pin-stdin': { type: 'boolean' },
      },
      strict: true,
    });
    const shares = count(values, 'custodians');
    const threshold = count(values, 'threshold');
    const dir = values['out-dir'];
    if (!dir) throw new UsageError('--out-dir is required (a folder for the share files, one per custodian)');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (readdirSync(dir).length > 0)
      throw new UsageError(`${dir} is not empty; shares go into an empty folder`);
    const ctx = cliContext();
    const token = ctx.token(values.token ?? ctx.config.signingToken);
    const label = token.info().label;

    const pin = await readPin(
      `User PIN of signing token "${label}" (to split): `,
      values['pin-stdin'] === true,
    );
    // The PIN must be the token's: one login, under Airlock's lock-out count.
    await withPinGuard(ctx.layout, { token: label, subject: 'user-pin' }, () =>
      token.withSession(pin, () => true),
    );
    const texts = await splitPin(pin, { shares, threshold });
    for (const subset of subsets(shares, threshold)) {
      if ((await combinePin(subset.map((i) => texts[i]!))) !== pin)
        throw new Error('the shares do not rebuild the PIN (internal error); nothing was written');
    }

    const setId = describeShare(texts[0]!).setId;
    texts.forEach((text, i) => {
      const n = i + 1;
      writeNewFileAtomic(join(dir, `share-${n}-of-${shares}.txt`), `${text}\n`);
      const image = renderFrame(
        { mode: 'alphanumeric', text: text.toUpperCase() },
        { width: 480, height: 480, errorCorrection: 'M' },
      );
      writeNewFileAtomic(join(dir, `share-${n}-of-${shares}.png`), encodePng(image));
    });
    audit(ctx.layout, {
      action: 'enrolment',
      payload: { pinShares: { token: label, setId, threshold, custodians: shares } },
    });
    out(
      `split the PIN of "${label}" into ${shares} custodian shares, any ${threshold} rebuild it (set ${setId})`,
    );
    out(
      `  ${dir}/share-<n>-of-${shares}.txt and .png: hand each custodian their own, then delete the folder`,
    );
    out(
      `  sign with: airlock sign <batch> --out <result> --shares-stdin   (${threshold} shares, one per line)`,
    );
    return EXIT.OK;
  },
};
