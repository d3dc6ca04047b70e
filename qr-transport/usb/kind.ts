/**
 * What kind of Airlock file a USB stick offers, guessed from the first bytes of the file for the
 * `airlock usb list` display only: the top-level `format` member of the first JSON object (the batch,
 * the result, or the header line of an audit export). docs/formats.md defines the format strings.
 *
 * A guess, never trusted: importing a file runs the real parser and verifier on all of it. The scan
 * is a small state machine over bytes, linear, bounded by the bytes given, with no parse tree; only the
 * `format` key and value (each at most MAX_TOKEN_BYTES) are ever decoded. It never throws on any input.
 *
 * Pure (no `node:` imports): the renderer can use it on a file the user dropped.
 */

/** The formats Airlock moves over the air gap (signer/format/versions.ts, signer/audit/export-format.ts). */
export const KNOWN_FORMATS = Object.freeze({
  'airlock.batch/v1': 'batch',
  'airlock.result/v1': 'result',
  'airlock.audit-export/v1': 'audit-export',
} as const);

export type UsbFileKind = (typeof KNOWN_FORMATS)[keyof typeof KNOWN_FORMATS] | 'unknown';

export interface KindGuess {
  readonly kind: UsbFileKind;
  /** The `format` string found (printable ASCII only), whether known or not; null when none was found. */
  readonly format: string | null;
}

/** Longest key or value string decoded; longer strings are skipped unread. */
const MAX_TOKEN_BYTES = 256;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isSpace = (b: number | undefined) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/** Guess the kind of `bytes` (a prefix of the file is enough). */
export function guessKind(bytes: Uint8Array): KindGuess {
  const format = topLevelFormat(bytes);
  if (format === null) return { kind: 'unknown', format: null };
  const kind: UsbFileKind = Object.hasOwn(KNOWN_FORMATS, format)
    ? KNOWN_FORMATS[format as keyof typeof KNOWN_FORMATS]
    : 'unknown';
  return { kind, format };
}

/**
 * The string value of the first top-level `format` member of the JSON object `bytes` starts with, or
 * null (not an object, no such member, not a string, cut off, or not printable ASCII).
 */
export function topLevelFormat(bytes: Uint8Array): string | null {
  let i = 0;
  const n = bytes.length;
  const ws = () => {
    while (i < n && isSpace(bytes[i])) i++;
  };
  /** Past the string starting at i (a quote); its raw bytes when short enough, else undefined. */
  const string = (): Uint8Array | undefined | null => {
    const start = i;
    i++;
    while (i < n) {
      const b = bytes[i]!;
      if (b === BACKSLASH) i += 2;
      else if (b === QUOTE) {
        i++;
        return i - start <= MAX_TOKEN_BYTES ? bytes.subarray(start, i) : undefined;
      } else i++;
    }
    return null; // cut off
  };
  /** Past one value of any kind; false when the input ends first. */
  const skipValue = (): boolean => {
    const b = bytes[i];
    if (b === QUOTE) return string() !== null;
    if (b === 0x7b || b === 0x5b) {
      let depth = 0;
      while (i < n) {
        const c = bytes[i]!;
        if (c === QUOTE) {
          if (string() === null) return false;
          continue;
        }
        if (c === 0x7b || c === 0x5b) depth++;
        else if (c === 0x7d || c === 0x5d) {
          depth--;
          if (depth === 0) {
            i++;
            return true;
          }
        }
        i++;
      }
      return false;
    }
    // A number, true, false or null: up to the next delimiter.
    while (i < n && !isSpace(bytes[i]) && bytes[i] !== 0x2c && bytes[i] !== 0x7d && bytes[i] !== 0x5d) i++;
    return i < n;
  };

  ws();
  if (bytes[i] !== 0x7b) return null;
  i++;
  for (;;) {
    ws();
    if (bytes[i] !== QUOTE) return null; // `}` (no format) or malformed
    const key = string();
    if (key === null) return null;
    ws();
    if (bytes[i] !== 0x3a) return null;
    i++;
    ws();
    if (key !== undefined && decodeString(key) === 'format') {
      if (bytes[i] !== QUOTE) return null;
      const value = string();
      if (value === null || value === undefined) return null;
      const text = decodeString(value);
      return text !== null && /^[\x20-\x7e]{1,128}$/.test(text) ? text : null;
    }
    if (!skipValue()) return null;
    ws();
    if (bytes[i] === 0x2c) {
      i++;
      continue;
    }
    return null; // `}`: the object ended without a format member; anything else: malformed
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A short JSON string token (quotes included) as its value, or null when it is not valid JSON. */
function decodeString(token: Uint8Array): string | null {
  try {
    const value: unknown = JSON.parse(utf8.decode(token));
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}
