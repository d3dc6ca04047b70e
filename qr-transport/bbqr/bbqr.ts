/**
 * BBQr, "Better Bitcoin QR" (coinkite/BBQr, BBQr.md, public domain): a payload split into at most 1295
 * upper-case alphanumeric parts, read in any order. Each part starts with an 8-character header:
 *
 * | chars | field                                                                   |
 * |------:|-------------------------------------------------------------------------|
 * |   0-1 | `B$`                                                                    |
 * |     2 | encoding: `H` hex, `2` base32 (RFC 4648, no padding), `Z` raw DEFLATE with a 1 KiB window (zlib wbits = 10, no header), then base32 |
 * |     3 | file type: `P` PSBT, `T` transaction, `J` JSON, `C` CBOR, `U` UTF-8 text, `B` binary, `X` executable |
 * |   4-5 | total number of parts, two base-36 digits (`01` .. `ZZ`)                |
 * |   6-7 | this part's index, two base-36 digits (`00` .. total - 1)               |
 *
 * Every part but the last has the same length, and every part decodes to whole bytes on its own
 * (hex: an even number of digits; base32: a multiple of 8 characters except in the last part). `Z`
 * compresses the whole payload before splitting. BBQr carries no checksum and no transfer identifier:
 * two transfers with the same header can only be told apart when their parts conflict (docs/transport.md).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { base32nopad } from '@scure/base';
import { inflateRawCapped } from '../dense/raw-deflate.js';
import type { FrameVerdict, TransferProgress } from '../frames.js';
import { deflateRaw1k } from './deflate-1k.js';
import { BbqrError } from './errors.js';

export type BbqrEncoding = 'H' | '2' | 'Z';

/** The spec's file types; every other letter is reserved. */
export const BBQR_FILE_TYPES = Object.freeze({
  P: 'PSBT',
  T: 'Bitcoin transaction',
  J: 'JSON',
  C: 'CBOR',
  U: 'UTF-8 text',
  B: 'binary',
  X: 'executable',
} as const);
export type BbqrFileType = keyof typeof BBQR_FILE_TYPES;

export const BBQR_HEADER_LENGTH = 8;

export const BBQR_LIMITS = Object.freeze({
  /** `ZZ` in base 36. */
  maxParts: 1295,
  /** Decoded payload bytes (also the cap on what a `Z` stream may inflate to). */
  maxPayloadBytes: 16 * 1024 * 1024,
  /** Characters after the header in one part: a version-40 QR holds 4296 alphanumeric characters. */
  maxPartChars: 4296 - BBQR_HEADER_LENGTH,
});

/** Default bytes of (encoded, possibly compressed) data per part: 1600 base32 characters, QR version 24-L. */
export const DEFAULT_BBQR_PART_BYTES = 1000;

const BASE36 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function toBase36Pair(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > BBQR_LIMITS.maxParts) {
    throw new RangeError(`"n" expected an integer from 0 to ${BBQR_LIMITS.maxParts}, got ${n}`);
  }
  return BASE36[Math.floor(n / 36)]! + BASE36[n % 36]!;
}

function fromBase36Pair(s: string): number {
  const a = BASE36.indexOf(s[0] ?? '?');
  const b = BASE36.indexOf(s[1] ?? '?');
  return a < 0 || b < 0 ? -1 : a * 36 + b;
}

export interface BbqrHeader {
  readonly encoding: BbqrEncoding;
  readonly fileType: BbqrFileType;
  readonly total: number;
  readonly index: number;
}

export interface BbqrPart extends BbqrHeader {
  /** The characters after the header. */
  readonly body: string;
  /** The body decoded to bytes (for `Z`, still compressed). */
  readonly bytes: Uint8Array;
}

const HEX_BODY = /^[0-9A-F]*$/;
const BASE32_BODY = /^[A-Z2-7]*$/;

/**
 * Parses one scanned text as a BBQr part, or returns null (never throws) when it is not one: bad header,
 * reserved encoding or file type, index out of range, characters outside the encoding's alphabet, or
 * a body that does not decode to whole bytes. Letters are read case-insensitively.
 */
export function parseBbqrPart(text: string): BbqrPart | null {
  if (text.length < BBQR_HEADER_LENGTH + 1 || text.length > BBQR_HEADER_LENGTH + BBQR_LIMITS.maxPartChars) {
    return null;
  }
  const t = text.toUpperCase();
  if (!t.startsWith('B$')) return null;
  const encoding = t[2]!;
  const fileType = t[3]!;
  if (encoding !== 'H' && encoding !== '2' && encoding !== 'Z') return null;
  if (!Object.hasOwn(BBQR_FILE_TYPES, fileType)) return null;
  const total = fromBase36Pair(t.slice(4, 6));
  const index = fromBase36Pair(t.slice(6, 8));
  if (total < 1 || index < 0 || index >= total) return null;
  const body = t.slice(BBQR_HEADER_LENGTH);
  let bytes: Uint8Array;
  if (encoding === 'H') {
    if (body.length % 2 !== 0 || !HEX_BODY.test(body)) return null;
    bytes = new Uint8Array(body.length / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(body.slice(2 * i, 2 * i + 2), 16);
  } else {
    // Unpadded base32 of whole bytes leaves 0, 2, 4, 5 or 7 characters in the last group of 8.
    if (!BASE32_BODY.test(body) || [1, 3, 6].includes(body.length % 8)) return null;
    try {
      bytes = base32nopad.decode(body);
    } catch {
      return null; // non-zero padding bits
    }
  }
  return { encoding, fileType: fileType as BbqrFileType, total, index, body, bytes };
}

export interface BbqrEncodeOptions {
  /** One of `BBQR_FILE_TYPES` (default `B`, binary). */
  readonly fileType?: string;
  /** Default: `Z` when compression makes the data smaller, else `2` (as the reference encoder does). */
  readonly encoding?: BbqrEncoding;
  /** Largest number of data bytes per part (after compression); base32 parts use a multiple of 5. */
  readonly partBytes?: number;
}

export interface BbqrEncoded {
  readonly encoding: BbqrEncoding;
  readonly fileType: BbqrFileType;
  readonly parts: readonly string[];
}

/** Splits a payload into BBQr parts of nearly equal size (the last one may be shorter). */
export function encodeBbqr(payload: Uint8Array, opts: BbqrEncodeOptions = {}): BbqrEncoded {
  if (!(payload instanceof Uint8Array)) throw new TypeError('"payload" expected Uint8Array');
  if (payload.length === 0)
    throw new BbqrError('BBQR_EMPTY_PAYLOAD', 'the payload is empty; BBQr parts carry at least one byte');
  if (payload.length > BBQR_LIMITS.maxPayloadBytes) {
    throw new BbqrError(
      'BBQR_PAYLOAD_TOO_LARGE',
      `the payload is ${payload.length} bytes; Airlock's BBQr carries at most ${BBQR_LIMITS.maxPayloadBytes}`,
    );
  }
  const fileType = opts.fileType ?? 'B';
  if (!Object.hasOwn(BBQR_FILE_TYPES, fileType)) {
    throw new BbqrError(
      'BBQR_INVALID_OPTION',
      `"fileType" expected one of ${Object.keys(BBQR_FILE_TYPES).join(', ')}, got ${JSON.stringify(fileType)}`,
    );
  }
  const requested = opts.encoding;
  if (requested !== undefined && requested !== 'H' && requested !== '2' && requested !== 'Z') {
    throw new BbqrError(
      'BBQR_INVALID_OPTION',
      `"encoding" expected H, 2 or Z, got ${JSON.stringify(requested)}`,
    );
  }
  let encoding: BbqrEncoding = requested ?? 'Z';
  let data = payload;
  if (encoding === 'Z') {
    const z = deflateRaw1k(payload);
    if (z.length < payload.length) data = z;
    else encoding = '2';
  }
  const unit = encoding === 'H' ? 1 : 5;
  const charsPerUnit = encoding === 'H' ? 2 : 8;
  const maxUnits = Math.floor(BBQR_LIMITS.maxPartChars / charsPerUnit);
  const partBytes = opts.partBytes ?? DEFAULT_BBQR_PART_BYTES;
  if (!Number.isInteger(partBytes) || partBytes < unit || partBytes > maxUnits * unit) {
    throw new BbqrError(
      'BBQR_INVALID_OPTION',
      `"partBytes" expected an integer from ${unit} to ${maxUnits * unit} for encoding ${encoding}, got ${partBytes}`,
    );
  }
  const maxPer = partBytes - (partBytes % unit);
  const count = Math.ceil(data.length / maxPer);
  // Even the parts out, keeping each a whole number of units so it decodes on its own.
  const per = Math.ceil(Math.ceil(data.length / count) / unit) * unit;
  const total = Math.ceil(data.length / per);
  if (total > BBQR_LIMITS.maxParts) {
    throw new BbqrError(
      'BBQR_TOO_MANY_PARTS',
      `${data.length} bytes at ${maxPer} bytes a part need ${total} parts; BBQr allows at most ${BBQR_LIMITS.maxParts}`,
    );
  }
  const head = `B$${encoding}${fileType}${toBase36Pair(total)}`;
  const parts: string[] = [];
  for (let i = 0; i < total; i++) {
    const chunk = data.subarray(i * per, Math.min((i + 1) * per, data.length));
    const body = encoding === 'H' ? toHexUpper(chunk) : base32nopad.encode(chunk);
    parts.push(head + toBase36Pair(i) + body);
  }
  return { encoding, fileType: fileType as BbqrFileType, parts };
}

function toHexUpper(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s.toUpperCase();
}

export interface BbqrResult {
  readonly encoding: BbqrEncoding;
  readonly fileType: BbqrFileType;
  readonly payload: Uint8Array;
  readonly sha256: Uint8Array;
}

/**
 * Collects BBQr parts in any order. The first valid part fixes encoding, file type and total; parts
 * with another header, or that conflict with a part already held (another body at the same index, or
 * a length that breaks "all parts but the last are equally long"), belong to another transfer and are
 * `foreign`. Never throws while scanning.
 */
export class BbqrDecoder {
  private header: Omit<BbqrHeader, 'index'> | null = null;
  private readonly parts = new Map<number, BbqrPart>();
  /** Body length of the parts before the last, once one of them is seen. */
  private fullLength: number | null = null;
  private resultValue: BbqrResult | null = null;
  private failure: BbqrError | null = null;
  private accepted = 0;
  private ignored = 0;

  receive(text: string): FrameVerdict {
    if (this.resultValue !== null || this.failure !== null) return 'done';
    const part = parseBbqrPart(text);
    if (part === null) {
      this.ignored++;
      return 'corrupt';
    }
    const h = this.header;
    if (
      h !== null &&
      (h.encoding !== part.encoding || h.fileType !== part.fileType || h.total !== part.total)
    ) {
      this.ignored++;
      return 'foreign';
    }
    const held = this.parts.get(part.index);
    if (held !== undefined) {
      this.ignored++;
      return held.body === part.body ? 'duplicate' : 'foreign';
    }
    const isLast = part.index === part.total - 1;
    if (!isLast && part.encoding !== 'H' && part.body.length % 8 !== 0) {
      this.ignored++;
      return 'corrupt'; // a non-final base32 part must hold whole 5-byte groups
    }
    if (!this.fitsLengths(part, isLast)) {
      this.ignored++;
      return 'foreign';
    }
    if (h === null) this.header = { encoding: part.encoding, fileType: part.fileType, total: part.total };
    if (!isLast) this.fullLength = part.body.length;
    this.parts.set(part.index, part);
    this.accepted++;
    if (this.parts.size === part.total) this.finish();
    return 'accepted';
  }

  private fitsLengths(part: BbqrPart, isLast: boolean): boolean {
    const len = part.body.length;
    if (!isLast) {
      if (this.fullLength !== null && len !== this.fullLength) return false;
      const last = this.parts.get(part.total - 1);
      return last === undefined || last.body.length <= len;
    }
    return this.fullLength === null || len <= this.fullLength;
  }

  private finish(): void {
    const h = this.header!;
    let size = 0;
    for (const p of this.parts.values()) size += p.bytes.length;
    let payload: Uint8Array = new Uint8Array(size);
    let at = 0;
    for (let i = 0; i < h.total; i++) {
      const bytes = this.parts.get(i)!.bytes;
      payload.set(bytes, at);
      at += bytes.length;
    }
    if (h.encoding === 'Z') {
      const inflated = inflateRawCapped(payload, BBQR_LIMITS.maxPayloadBytes);
      if (inflated === null) {
        this.failure = new BbqrError(
          'BBQR_INFLATE_FAILED',
          `the ${size} bytes of Z-encoded data do not inflate (damaged, or larger than ${BBQR_LIMITS.maxPayloadBytes} bytes)`,
        );
        return;
      }
      payload = inflated;
    }
    this.resultValue = { encoding: h.encoding, fileType: h.fileType, payload, sha256: sha256(payload) };
  }

  isComplete(): boolean {
    return this.resultValue !== null;
  }

  get error(): BbqrError | null {
    return this.failure;
  }

  /** The header every part of this transfer shares, once a first part arrived. */
  get transfer(): Omit<BbqrHeader, 'index'> | null {
    return this.header;
  }

  progress(): TransferProgress {
    const h = this.header;
    const failed = this.failure;
    return {
      state: failed ? 'failed' : this.resultValue ? 'complete' : h ? 'receiving' : 'waiting',
      format: 'bbqr',
      percent: this.resultValue ? 100 : h ? Math.floor((100 * this.parts.size) / h.total) : 0,
      framesAccepted: this.accepted,
      framesIgnored: this.ignored,
      framesStillExpected: h ? h.total - this.parts.size : null,
      error: failed ? { code: failed.code, message: failed.message } : null,
    };
  }

  result(): BbqrResult {
    if (this.failure) throw this.failure;
    if (!this.resultValue) {
      const h = this.header;
      throw new BbqrError(
        'BBQR_INCOMPLETE',
        h === null
          ? 'no BBQr part has been received yet'
          : `the transfer is incomplete: ${h.total - this.parts.size} of ${h.total} part(s) missing`,
      );
    }
    return this.resultValue;
  }
}
