/**
 * Field codecs for typed-transaction payloads (EIP-2718 / EIP-1559), scure-style: each field of a
 * wire structure is declared once as name → codec (see type2.ts), and one pair of generic functions
 * decodes and encodes the whole list in declaration order.
 *
 * Strictness (deny by default; each refusal names the field, expected and found):
 * - integers are canonical big-endian byte strings: no leading zero byte (zero is the empty string),
 *   at most the field's width (nonce and gasLimit 8 bytes per EIP-2681 and the clients; others 32);
 * - `to` is exactly 20 bytes; the empty string (contract creation) is `UNSUPPORTED_TX_TYPE`;
 * - the access list must be an empty list (a non-empty one is `UNSUPPORTED_TX_TYPE`);
 * - a list where a byte string belongs, or the reverse, is `MALFORMED_TX`.
 *
 * Invariant: for every codec, `encode(decode(item))` is byte-identical to `item`.
 */
import { type RefusalDetails, refuse } from '../../errors.js';
import { fromHex, showBytes, toHex } from './hex.js';
import type { RlpItem } from './rlp.js';

export interface FieldCodec<T> {
  /** What the field must hold, in words (used in refusals). */
  readonly expected: string;
  /** Decode one RLP item; `details.field` names the field. Throws RefusalError. */
  decode(item: RlpItem, details: RefusalDetails): T;
  /** Encode a value; throws TypeError / RangeError for values the codec cannot represent. */
  encode(value: T): RlpItem;
}

function describe(item: RlpItem): string {
  return item instanceof Uint8Array ? showBytes(item) : `a list of ${item.length} items`;
}

function byteString(item: RlpItem, expected: string, details: RefusalDetails): Uint8Array {
  if (item instanceof Uint8Array) return item;
  return refuse('MALFORMED_TX', `${details.field} is a list where a byte string belongs`, {
    ...details,
    expected,
    found: describe(item),
  });
}

/** Minimal big-endian bytes of a non-negative integer (zero is empty). */
export function uintToBytes(value: bigint): Uint8Array {
  if (value < 0n) throw new RangeError(`expected a non-negative integer, got ${value}`);
  if (value === 0n) return new Uint8Array(0);
  const hex = value.toString(16);
  return fromHex(hex.length % 2 === 1 ? `0${hex}` : hex);
}

export function bytesToUint(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${toHex(bytes)}`);
}

/** Canonical unsigned integer of at most `maxBytes` bytes. */
export function uint(maxBytes: number): FieldCodec<bigint> {
  const expected = `an unsigned integer of at most ${maxBytes} byte${maxBytes === 1 ? '' : 's'}, without leading zero bytes`;
  return {
    expected,
    decode(item, details) {
      const bytes = byteString(item, expected, details);
      if (bytes.length > maxBytes) {
        refuse('MALFORMED_TX', `${details.field} is too large`, {
          ...details,
          expected: `at most ${maxBytes} byte${maxBytes === 1 ? '' : 's'}`,
          found: showBytes(bytes),
        });
      }
      if (bytes[0] === 0) {
        refuse('MALFORMED_TX', `${details.field} has a leading zero byte (non-canonical integer)`, {
          ...details,
          expected,
          found: showBytes(bytes),
        });
      }
      return bytesToUint(bytes);
    },
    encode(value) {
      if (typeof value !== 'bigint') throw new TypeError(`expected bigint, got ${typeof value}`);
      const bytes = uintToBytes(value);
      if (bytes.length > maxBytes) throw new RangeError(`${value} does not fit in ${maxBytes} bytes`);
      return bytes;
    },
  };
}

const ADDRESS_LOWER = /^0x[0-9a-f]{40}$/;

/** A 20-byte account address, as lower-case `0x` text. Contract creation (empty) is refused. */
const ADDRESS_EXPECTED = 'a 20-byte address';
export const address: FieldCodec<string> = {
  expected: ADDRESS_EXPECTED,
  decode(item, details) {
    const bytes = byteString(item, ADDRESS_EXPECTED, details);
    if (bytes.length === 0) {
      refuse('UNSUPPORTED_TX_TYPE', `${details.field} is empty: a contract creation, not a transfer`, {
        ...details,
        expected: ADDRESS_EXPECTED,
        found: 'empty (contract creation)',
      });
    }
    if (bytes.length !== 20) {
      refuse('MALFORMED_TX', `${details.field} is not a 20-byte address`, {
        ...details,
        expected: ADDRESS_EXPECTED,
        found: showBytes(bytes),
      });
    }
    return `0x${toHex(bytes)}`;
  },
  encode(value) {
    if (typeof value !== 'string' || !ADDRESS_LOWER.test(value)) {
      throw new TypeError(`expected a lower-case 0x address of 20 bytes, got ${JSON.stringify(value)}`);
    }
    return fromHex(value);
  },
};

/** An arbitrary byte string (calldata). */
export const bytes: FieldCodec<Uint8Array> = {
  expected: 'a byte string',
  decode(item, details) {
    return byteString(item, 'a byte string', details);
  },
  encode(value) {
    if (!(value instanceof Uint8Array)) throw new TypeError(`expected Uint8Array, got ${typeof value}`);
    return value;
  },
};

/** The EIP-2930 access list, which Airlock accepts only empty. */
const ACCESS_LIST_EXPECTED = 'an empty access list';
export const emptyAccessList: FieldCodec<readonly []> = {
  expected: ACCESS_LIST_EXPECTED,
  decode(item, details) {
    if (item instanceof Uint8Array) {
      refuse('MALFORMED_TX', `${details.field} is a byte string where a list belongs`, {
        ...details,
        expected: ACCESS_LIST_EXPECTED,
        found: describe(item),
      });
    }
    if (item.length !== 0) {
      refuse('UNSUPPORTED_TX_TYPE', `${details.field} is not empty; Airlock signs no access lists`, {
        ...details,
        expected: ACCESS_LIST_EXPECTED,
        found: describe(item),
      });
    }
    return [];
  },
  encode(value) {
    if (!Array.isArray(value) || value.length !== 0)
      throw new RangeError('only an empty access list is encodable');
    return [];
  },
};

/** A declarative wire structure: field name → codec, in wire order. */
export type FieldTable = Readonly<Record<string, FieldCodec<unknown>>>;

/** The decoded value of a field table. */
export type FieldValues<T extends FieldTable> = {
  readonly [K in keyof T]: T[K] extends FieldCodec<infer V> ? V : never;
};

/** Decode `items` as the fields of `table`; the count must match exactly. */
export function decodeFields<T extends FieldTable>(
  table: T,
  items: readonly RlpItem[],
  what: string,
  details: RefusalDetails,
): FieldValues<T> {
  const names = Object.keys(table);
  if (items.length !== names.length) {
    refuse('MALFORMED_TX', `${what} has the wrong number of fields`, {
      ...details,
      field: what,
      expected: `${names.length} fields (${names.join(', ')})`,
      found: `${items.length} fields`,
    });
  }
  const out: Record<string, unknown> = {};
  names.forEach((name, i) => {
    out[name] = table[name]!.decode(items[i]!, { ...details, field: name });
  });
  return out as FieldValues<T>;
}

/** Encode the fields of `table` from `values`, in wire order. */
export function encodeFields<T extends FieldTable>(table: T, values: FieldValues<T>): RlpItem[] {
  return Object.keys(table).map((name) => {
    try {
      return table[name]!.encode((values as Record<string, unknown>)[name]);
    } catch (e) {
      if (e instanceof TypeError) throw new TypeError(`"${name}" ${e.message}`);
      if (e instanceof RangeError) throw new RangeError(`"${name}" ${e.message}`);
      throw e;
    }
  });
}
