/**
 * The signing token's user PIN split into N custodian shares, M of them needed (issue 4, item 4), with
 * Shamir's scheme over GF(2^8) from the audited `shamir-secret-sharing` package. This module only frames
 * the library's shares as text and checks them; the arithmetic is the library's.
 *
 * Share text (one line, for a printed QR code or for typing; case and whitespace are ignored when read,
 * so a QR code may carry it upper-cased for the denser alphanumeric mode):
 *
 *   airlock-share:v1:<setId>:<M>-of-<N>:<index>:<payload>:<checksum>
 *
 * - `setId`: 8 hex digits, random per split: shares of different splits are never mixed;
 * - `M-of-N`: the threshold and the number of shares (2 ≤ M ≤ N ≤ 16); `index`: this share, 1..N;
 * - `payload`: the library's share bytes in RFC 4648 base32 (lower case, no padding). The PIN is padded
 *   before splitting to a multiple of 32 bytes (a length byte, the PIN's UTF-8 bytes, zeros), so a share
 *   reveals no more than which 32-byte size class the PIN falls into;
 * - `checksum`: the first 8 hex digits of SHA-256 over everything before it. It catches typing and
 *   printing mistakes; it is not a MAC (whoever can write a share can recompute it).
 *
 * Invariants:
 * - fewer than M shares tell nothing about the PIN (Shamir); nothing derived from the PIN (no hash, no
 *   check value) is in a share, since a PIN is guessable and a hash would let one custodian search it;
 * - `combinePin` refuses malformed, mistyped, mixed, duplicate and too few shares with a typed ShareError
 *   before the library sees them, and refuses a result whose padding or UTF-8 is wrong (SHARE_INCONSISTENT).
 *   Limit: a share deliberately altered inside the PIN's own bytes, checksum recomputed, can rebuild
 *   another well-formed PIN; nothing in the shares can tell (a check value would let one custodian search
 *   the PIN), so C_Login refusing it, counted by pin-guard.ts, is the last check;
 * - the PIN is never stored: `splitPin` returns only the shares, `combinePin` returns the PIN to its
 *   caller, which keeps it in memory just for the C_Login call and drops it. The byte buffers used here
 *   are zeroed after use; a JavaScript string cannot be wiped, so keep its lifetime short.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { base32nopad } from '@scure/base';
import { combine, split } from 'shamir-secret-sharing';
import { AirlockError } from '../errors.js';

export const SHARE_PREFIX = 'airlock-share';
export const SHARE_VERSION = 'v1';
export const MIN_SHARES = 2;
export const MAX_SHARES = 16;
/** Longest PIN accepted, in UTF-8 bytes (the padded block's length byte). */
export const MAX_PIN_BYTES = 255;
const BLOCK = 32;

export type ShareErrorCode =
  /** Not a share text: wrong prefix, version, field or payload. */
  | 'SHARE_MALFORMED'
  /** The share's checksum does not match: mistyped or misprinted. */
  | 'SHARE_CHECKSUM'
  /** Shares of different splits (set id, M-of-N or size differ). */
  | 'SHARE_MIXED_SETS'
  /** The same share (index) given twice. */
  | 'SHARE_DUPLICATE'
  /** Fewer shares than the threshold. */
  | 'SHARE_TOO_FEW'
  /** The shares pass every check but do not rebuild a well-formed PIN: one was altered, checksum and all. */
  | 'SHARE_INCONSISTENT';

/** A share or set of shares refused. `position` is the 1-based place in the list given, when one share is at fault. */
export class ShareError extends AirlockError {
  override readonly name = 'ShareError';
  readonly code: ShareErrorCode;
  readonly position: number | undefined;

  constructor(code: ShareErrorCode, message: string, position?: number) {
    super(message);
    this.code = code;
    this.position = position;
  }
}

export interface SplitOptions {
  /** N: how many custodian shares, 2..16. */
  readonly shares: number;
  /** M: how many of them rebuild the PIN, 2..N. */
  readonly threshold: number;
}

/** What a share says about itself (no secret material): for showing progress while shares are entered. */
export interface ShareInfo {
  readonly setId: string;
  readonly threshold: number;
  readonly total: number;
  readonly index: number;
}

interface ParsedShare extends ShareInfo {
  readonly payload: Uint8Array;
}

/**
 * Split `pin` into `options.shares` share texts, any `options.threshold` of which rebuild it. Share `i`
 * (1-based) is element `i - 1`. The PIN is not kept anywhere.
 */
export async function splitPin(pin: string, options: SplitOptions): Promise<string[]> {
  if (typeof pin !== 'string') throw new TypeError(`"pin" expected string, got ${typeof pin}`);
  const total = options?.shares;
  const threshold = options?.threshold;
  if (!Number.isSafeInteger(total) || total < MIN_SHARES || total > MAX_SHARES) {
    throw new RangeError(
      `"shares" expected a whole number from ${MIN_SHARES} to ${MAX_SHARES}, got ${total}`,
    );
  }
  if (!Number.isSafeInteger(threshold) || threshold < MIN_SHARES || threshold > total) {
    throw new RangeError(
      `"threshold" expected a whole number from ${MIN_SHARES} to ${total} (the number of shares), got ${threshold}`,
    );
  }
  const block = padPin(pin);
  let raw: Uint8Array[] = [];
  try {
    raw = await split(block, total, threshold);
    const setId = bytesToHex(randomBytes(4));
    return raw.map((payload, i) => formatShare(setId, threshold, total, i + 1, payload));
  } finally {
    block.fill(0);
    for (const r of raw) r.fill(0);
  }
}

/**
 * Rebuild the PIN from share texts. Throws ShareError (SHARE_MALFORMED, SHARE_CHECKSUM, SHARE_MIXED_SETS,
 * SHARE_DUPLICATE, SHARE_TOO_FEW before the library is called; SHARE_INCONSISTENT after). The caller
 * passes the result straight to C_Login and keeps it nowhere.
 */
export async function combinePin(shares: readonly string[]): Promise<string> {
  if (!Array.isArray(shares)) throw new TypeError('"shares" expected an array of share texts');
  if (shares.length === 0) throw new ShareError('SHARE_TOO_FEW', 'no shares were given');
  const parsed = shares.map((s, i) => parseShare(s, i + 1));
  const first = parsed[0]!;
  const byIndex = new Map<number, number>();
  const byPoint = new Map<number, number>();
  for (const [i, p] of parsed.entries()) {
    const position = i + 1;
    if (
      p.setId !== first.setId ||
      p.threshold !== first.threshold ||
      p.total !== first.total ||
      p.payload.length !== first.payload.length
    ) {
      throw new ShareError(
        'SHARE_MIXED_SETS',
        `share ${position} belongs to set ${p.setId} (${p.threshold}-of-${p.total}), share 1 to set ` +
          `${first.setId} (${first.threshold}-of-${first.total}): shares of different splits cannot be combined`,
        position,
      );
    }
    const sameIndex = byIndex.get(p.index);
    if (sameIndex !== undefined) {
      throw new ShareError(
        'SHARE_DUPLICATE',
        `shares ${sameIndex} and ${position} are both share ${p.index} of set ${p.setId}: each share counts once`,
        position,
      );
    }
    const point = p.payload[p.payload.length - 1]!;
    const samePoint = byPoint.get(point);
    if (samePoint !== undefined) {
      throw new ShareError(
        'SHARE_DUPLICATE',
        `shares ${samePoint} and ${position} of set ${p.setId} carry the same point under different indexes: ` +
          'one of them was altered',
        position,
      );
    }
    byIndex.set(p.index, position);
    byPoint.set(point, position);
  }
  if (parsed.length < first.threshold) {
    const have = [...byIndex.keys()].sort((a, b) => a - b).join(', ');
    throw new ShareError(
      'SHARE_TOO_FEW',
      `set ${first.setId} needs ${first.threshold} of its ${first.total} shares, found ${parsed.length} ` +
        `(share${parsed.length === 1 ? '' : 's'} ${have})`,
    );
  }
  const block = await combine(parsed.map((p) => p.payload));
  try {
    return unpadPin(block, first.setId);
  } finally {
    block.fill(0);
    for (const p of parsed) p.payload.fill(0);
  }
}

/** Check one share text alone (format and checksum) and say what it is; throws ShareError. */
export function describeShare(text: string): ShareInfo {
  const p = parseShare(text, 1);
  p.payload.fill(0);
  return { setId: p.setId, threshold: p.threshold, total: p.total, index: p.index };
}

const SHARE_RE =
  /^airlock-share:v1:([0-9a-f]{8}):([1-9]\d?)-of-([1-9]\d?):([1-9]\d?):([a-z2-7]+):([0-9a-f]{8})$/;

function formatShare(setId: string, m: number, n: number, index: number, payload: Uint8Array): string {
  const body = `${SHARE_PREFIX}:${SHARE_VERSION}:${setId}:${m}-of-${n}:${index}:${base32nopad.encode(payload).toLowerCase()}`;
  return `${body}:${checksumOf(body)}`;
}

const checksumOf = (body: string): string => bytesToHex(sha256(utf8ToBytes(body))).slice(0, 8);

function parseShare(text: unknown, position: number): ParsedShare {
  const malformed = (why: string): ShareError =>
    new ShareError('SHARE_MALFORMED', `share ${position} ${why}`, position);
  if (typeof text !== 'string') throw malformed(`is not text (got ${typeof text})`);
  const canonical = text.replace(/\s+/g, '').toLowerCase();
  if (!canonical.startsWith(`${SHARE_PREFIX}:`)) {
    throw malformed(`is not an Airlock PIN share (expected it to start with "${SHARE_PREFIX}:")`);
  }
  const version = canonical.split(':')[1];
  if (version !== SHARE_VERSION) {
    throw malformed(`has format version "${version ?? ''}"; this Airlock reads ${SHARE_VERSION}`);
  }
  const m = SHARE_RE.exec(canonical);
  if (m === null) {
    throw malformed(
      `does not have the form ${SHARE_PREFIX}:${SHARE_VERSION}:<set id>:<M>-of-<N>:<index>:<payload>:<checksum>`,
    );
  }
  const [setId, mText, nText, indexText, payloadText, checksum] = [m[1]!, m[2]!, m[3]!, m[4]!, m[5]!, m[6]!];
  const expected = checksumOf(canonical.slice(0, canonical.lastIndexOf(':')));
  if (checksum !== expected) {
    throw new ShareError(
      'SHARE_CHECKSUM',
      `share ${position} (set ${setId}, share ${indexText}) fails its checksum (the text ends in ${checksum}, ` +
        `its content gives ${expected}): a character was mistyped or misread`,
      position,
    );
  }
  const threshold = Number(mText);
  const total = Number(nText);
  const index = Number(indexText);
  if (total < MIN_SHARES || total > MAX_SHARES) {
    throw malformed(
      `says ${threshold}-of-${total}: the number of shares must be ${MIN_SHARES} to ${MAX_SHARES}`,
    );
  }
  if (threshold < MIN_SHARES || threshold > total) {
    throw malformed(`says ${threshold}-of-${total}: the threshold must be ${MIN_SHARES} to ${total}`);
  }
  if (index > total) throw malformed(`is share ${index} of a set of ${total}`);
  let payload: Uint8Array;
  try {
    payload = base32nopad.decode(payloadText.toUpperCase());
  } catch {
    throw malformed('has a payload that is not base32');
  }
  if (
    payload.length < BLOCK + 1 ||
    (payload.length - 1) % BLOCK !== 0 ||
    payload.length > MAX_PIN_BYTES + 2
  ) {
    throw malformed(`has a payload of ${payload.length} bytes (expected 32·k + 1 bytes)`);
  }
  if (payload[payload.length - 1] === 0) throw malformed('has a payload without its share point');
  return { setId, threshold, total, index, payload };
}

/** [length][UTF-8 bytes][zeros] up to a multiple of 32 bytes. */
function padPin(pin: string): Uint8Array {
  const bytes = utf8ToBytes(pin);
  try {
    if (bytes.length === 0) throw new TypeError('"pin" expected a non-empty PIN');
    if (bytes.length > MAX_PIN_BYTES) {
      throw new RangeError(`"pin" expected at most ${MAX_PIN_BYTES} UTF-8 bytes, got ${bytes.length}`);
    }
    if (new TextDecoder().decode(bytes) !== pin) {
      throw new TypeError('"pin" is not well-formed Unicode (a lone surrogate)');
    }
    const block = new Uint8Array(Math.ceil((bytes.length + 1) / BLOCK) * BLOCK);
    block[0] = bytes.length;
    block.set(bytes, 1);
    return block;
  } finally {
    bytes.fill(0);
  }
}

function unpadPin(block: Uint8Array, setId: string): string {
  const inconsistent = (): ShareError =>
    new ShareError(
      'SHARE_INCONSISTENT',
      `the shares of set ${setId} pass their checksums but do not rebuild a PIN: one of them was altered`,
    );
  const length = block[0] ?? 0;
  if (length === 0 || length > block.length - 1) throw inconsistent();
  const end = Math.ceil((length + 1) / BLOCK) * BLOCK;
  if (end !== block.length) throw inconsistent();
  for (let i = 1 + length; i < block.length; i++) if (block[i] !== 0) throw inconsistent();
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(block.subarray(1, 1 + length));
  } catch {
    throw inconsistent();
  }
}
