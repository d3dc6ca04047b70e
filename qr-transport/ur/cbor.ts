/**
 * The little CBOR (RFC 8949) that UR transport needs: unsigned integers (major type 0), byte strings
 * (2) and arrays (4). That covers the multipart part `[seqNum, seqLen, messageLen, checksum, data]`
 * (BCR-2024-001) and the byte-string wrapping of `ur:bytes`, `ur:crypto-psbt` and `ur:psbt`
 * (BCR-2020-006).
 *
 * Decoding is strict and canonical (RFC 8949 §4.2.1, deterministic encoding): shortest-form heads only,
 * no indefinite lengths, no other major types, no tags, no trailing bytes, integers up to 2^53 - 1.
 * Anything else is refused with `UrError` `UR_CBOR`, naming what was found and where.
 */
import { UrError } from './errors.js';

export type CborItem = number | Uint8Array | readonly CborItem[];

const MAX_DEPTH = 8;

function head(major: number, value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new UrError('UR_ARGUMENT', `CBOR: expected an unsigned safe integer, got ${value}`);
  }
  const m = major << 5;
  if (value < 24) return new Uint8Array([m | value]);
  if (value < 0x100) return new Uint8Array([m | 24, value]);
  if (value < 0x10000) return new Uint8Array([m | 25, value >>> 8, value & 0xff]);
  if (value < 0x100000000) {
    return new Uint8Array([m | 26, value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]);
  }
  const out = new Uint8Array(9);
  out[0] = m | 27;
  const hi = Math.floor(value / 0x100000000);
  const view = new DataView(out.buffer);
  view.setUint32(1, hi, false);
  view.setUint32(5, value >>> 0, false);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Canonical CBOR of an item made of unsigned integers, byte strings and arrays. */
export function encodeCbor(item: CborItem): Uint8Array {
  const parts: Uint8Array[] = [];
  const walk = (x: CborItem, depth: number): void => {
    if (depth > MAX_DEPTH) throw new UrError('UR_ARGUMENT', `CBOR: nesting deeper than ${MAX_DEPTH}`);
    if (typeof x === 'number') {
      parts.push(head(0, x));
    } else if (x instanceof Uint8Array) {
      parts.push(head(2, x.length), x);
    } else if (Array.isArray(x)) {
      parts.push(head(4, x.length));
      for (const y of x) walk(y, depth + 1);
    } else {
      throw new UrError('UR_ARGUMENT', 'CBOR: expected an unsigned integer, a Uint8Array or an array');
    }
  };
  walk(item, 0);
  return concat(parts);
}

/** Wraps `payload` as one CBOR byte string (major type 2). */
export function cborBytes(payload: Uint8Array): Uint8Array {
  if (!(payload instanceof Uint8Array)) throw new UrError('UR_ARGUMENT', '"payload" expected a Uint8Array');
  return concat([head(2, payload.length), payload]);
}

const MAJOR_NAMES = [
  'unsigned integer',
  'negative integer',
  'byte string',
  'text string',
  'array',
  'map',
  'tag',
  'simple value or float',
];

class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  fail(message: string): never {
    throw new UrError('UR_CBOR', `CBOR at byte ${this.pos}: ${message}`);
  }

  byte(): number {
    if (this.pos >= this.bytes.length) this.fail('unexpected end of data');
    return this.bytes[this.pos++]!;
  }

  /** Reads a head; returns [major type, argument]. */
  head(): [number, number] {
    const start = this.pos;
    const initial = this.byte();
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (major !== 0 && major !== 2 && major !== 4) {
      this.pos = start;
      this.fail(`${MAJOR_NAMES[major]} (major type ${major}) is not allowed here`);
    }
    if (info < 24) return [major, info];
    let value: number;
    let min: number;
    if (info === 24) {
      value = this.byte();
      min = 24;
    } else if (info === 25) {
      value = this.byte() * 0x100 + this.byte();
      min = 0x100;
    } else if (info === 26) {
      value = 0;
      for (let i = 0; i < 4; i++) value = value * 0x100 + this.byte();
      min = 0x10000;
    } else if (info === 27) {
      value = 0;
      for (let i = 0; i < 8; i++) value = value * 0x100 + this.byte();
      // value is exact while below 2^53; beyond it, refuse rather than round
      if (value > Number.MAX_SAFE_INTEGER) {
        this.pos = start;
        this.fail('integer or length above 2^53 - 1');
      }
      min = 0x100000000;
    } else {
      this.pos = start;
      this.fail(info === 31 ? 'indefinite length is not allowed' : `reserved additional information ${info}`);
    }
    if (value < min) {
      this.pos = start;
      this.fail(`non-canonical head: ${value} is not in its shortest form`);
    }
    return [major, value];
  }

  item(depth: number): CborItem {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    const [major, value] = this.head();
    if (major === 0) return value;
    if (major === 2) {
      if (value > this.bytes.length - this.pos) this.fail(`byte string of ${value} bytes runs past the end`);
      const out = this.bytes.slice(this.pos, this.pos + value);
      this.pos += value;
      return out;
    }
    // Each element takes at least one byte: a longer array cannot be real (and must not be allocated).
    if (value > this.bytes.length - this.pos) this.fail(`array of ${value} items runs past the end`);
    const items: CborItem[] = [];
    for (let i = 0; i < value; i++) items.push(this.item(depth + 1));
    return items;
  }
}

/** Decodes exactly one canonical item; throws `UrError` `UR_CBOR` otherwise. */
export function decodeCbor(bytes: Uint8Array): CborItem {
  if (!(bytes instanceof Uint8Array)) throw new UrError('UR_ARGUMENT', '"cbor" expected a Uint8Array');
  const reader = new Reader(bytes);
  const item = reader.item(0);
  if (reader.pos !== bytes.length) reader.fail(`${bytes.length - reader.pos} trailing bytes after the item`);
  return item;
}

/** The payload of a CBOR byte string; throws `UrError` `UR_CBOR` unless `cbor` is exactly one. */
export function cborBytesValue(cbor: Uint8Array): Uint8Array {
  if (!(cbor instanceof Uint8Array)) throw new UrError('UR_ARGUMENT', '"cbor" expected a Uint8Array');
  if (cbor.length > 0 && cbor[0]! >> 5 !== 2) {
    throw new UrError(
      'UR_CBOR',
      `CBOR: expected a byte string, found a ${MAJOR_NAMES[cbor[0]! >> 5]} (major type ${cbor[0]! >> 5})`,
    );
  }
  const item = decodeCbor(cbor);
  if (!(item instanceof Uint8Array)) throw new UrError('UR_CBOR', 'CBOR: expected a byte string');
  return item;
}
