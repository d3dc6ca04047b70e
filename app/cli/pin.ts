/**
 * PIN entry: from an interactive prompt with echo off, or from standard input with `--pin-stdin`
 * (one PIN per line, for scripts and tests). Never from argv or the environment, where other
 * processes and shell history can read it.
 */
import { createInterface } from 'node:readline';
import { combinePin, describeShare } from '../../signer/quorum/shares.js';

export class PinEntryError extends Error {
  override readonly name = 'PinEntryError';
}

let stdinLines: AsyncIterator<string> | undefined;

/** The next line of standard input (several PINs can be piped, one per line). */
async function nextStdinLine(): Promise<string | undefined> {
  stdinLines ??= createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY })[
    Symbol.asyncIterator
  ]();
  const next = await stdinLines.next();
  return next.done ? undefined : next.value;
}

async function promptHidden(prompt: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const output = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WritableStream };
  let muted = false;
  output._writeToOutput = (s: string) => {
    if (!muted) process.stderr.write(s);
  };
  try {
    return await new Promise<string>((resolve) => {
      rl.question(prompt, (answer) => resolve(answer));
      muted = true;
    });
  } finally {
    process.stderr.write('\n');
    rl.close();
  }
}

export async function readPin(prompt: string, fromStdin: boolean): Promise<string> {
  let pin: string | undefined;
  if (fromStdin) pin = await nextStdinLine();
  else if (process.stdin.isTTY) pin = await promptHidden(prompt);
  else
    throw new PinEntryError(
      'no terminal to ask for the PIN: pass --pin-stdin and write the PIN to standard input',
    );
  if (pin === undefined || pin.length === 0)
    throw new PinEntryError('no PIN given (standard input was empty)');
  if (pin.length > 255) throw new PinEntryError('PIN longer than 255 characters');
  return pin;
}

/**
 * The signing token's PIN rebuilt from custodian shares (signer/quorum/shares.ts): the first share
 * tells the threshold M; shares are read until M are in (from standard input, one per line, or
 * hidden prompts), then combined. The PIN is returned for the one C_Login and kept nowhere; a
 * malformed, mistyped, mixed or duplicate share is refused with a ShareError naming it.
 */
export async function readPinFromShares(what: string, fromStdin: boolean): Promise<string> {
  const shares: string[] = [];
  let threshold = Number.POSITIVE_INFINITY;
  while (shares.length < threshold) {
    const prompt = `Custodian share ${shares.length + 1}${Number.isFinite(threshold) ? ` of ${threshold}` : ''} for ${what}: `;
    const line = fromStdin
      ? await nextStdinLine()
      : process.stdin.isTTY
        ? await promptHidden(prompt)
        : undefined;
    if (line === undefined) {
      if (!fromStdin && !process.stdin.isTTY)
        throw new PinEntryError('no terminal to ask for the shares: pass --shares-stdin, one share per line');
      throw new PinEntryError(
        `${shares.length} custodian share(s) given, ${Number.isFinite(threshold) ? threshold : 'at least 2'} needed`,
      );
    }
    const text = line.trim();
    if (text.length === 0) continue;
    const info = describeShare(text);
    if (!Number.isFinite(threshold)) threshold = info.threshold;
    shares.push(text);
    process.stderr.write(
      `share ${info.index} of set ${info.setId} accepted (${shares.length} of ${threshold})\n`,
    );
  }
  return combinePin(shares);
}
