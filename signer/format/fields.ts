/**
 * Field codecs shared by the batch and result formats (scure `psbt.ts` style: each wire field is a
 * declared codec, an encode/decode pair), and `Members`, the strict reader of one JSON object.
 *
 * Decoding takes `unknown` and either returns a typed value or throws a `RefusalError` that names the
 * JSON path, what was expected and what was found. Encoding takes typed values from the builders and
 * returns the wire form; the builders re-decode what they encoded, so nothing is ever written that the
 * parser would refuse.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { Chain, Network } from '../chains/adapter.js';
import { toChecksumAddress } from '../chains/ethereum/address.js';
import { refuse } from '../errors.js';
import { checkMax, LIMITS, type LimitName } from './limits.js';
import { jsonPath } from './strict-json.js';

/** Where a value sits, for refusals. */
export interface At {
  /** JSON path: `withdrawals[3].amount`. */
  readonly field: string;
  /** The withdrawal the value belongs to, once its id is known. */
  readonly withdrawalId?: string | undefined;
}

export interface Codec<Wire, Value> {
  /** What the field must hold, in operator words (printed as "expected"). */
  readonly expected: string;
  /** Throws RefusalError. */
  decode(wire: unknown, at: At): Value;
  encode(value: Value): Wire;
}

/** Short operator-readable rendering of a found value; long strings are cut. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  switch (typeof value) {
    case 'string':
      return value.length > 80
        ? `${JSON.stringify(value.slice(0, 60))}... (${value.length} characters)`
        : JSON.stringify(value);
    case 'number':
      return `the number ${value}`;
    case 'boolean':
      return `the literal ${value}`;
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

/** Refuse a value of the wrong shape at `at`. `problem` completes "<field> ...". */
export function invalid(at: At, problem: string, expected: string, found: unknown): never {
  return refuse('SCHEMA_INVALID', `${at.field} ${problem}`, {
    field: at.field,
    withdrawalId: at.withdrawalId,
    expected,
    found: describe(found),
  });
}

function child(at: At, key: string | number): At {
  return { field: jsonPath(at.field, key), withdrawalId: at.withdrawalId };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Strict reader of one JSON object: unknown members are refused, each member is read through a codec. */
export class Members {
  private constructor(
    private readonly record: Readonly<Record<string, unknown>>,
    readonly at: At,
  ) {}

  /**
   * `what` names the object in words ("a withdrawal"); `allowed` lists every member it may have.
   * Refuses a non-object and any member not in `allowed`.
   */
  static read(value: unknown, at: At, what: string, allowed: readonly string[]): Members {
    if (!isPlainObject(value)) invalid(at, `must be ${what} (a JSON object)`, 'a JSON object', value);
    for (const name of Object.keys(value)) {
      if (!allowed.includes(name)) {
        const subject = at.field === '' ? what.replace(/^an? /, 'the ') : at.field;
        refuse('SCHEMA_INVALID', `${subject} has a member ${JSON.stringify(name)} that v1 does not define`, {
          field: jsonPath(at.field, name),
          withdrawalId: at.withdrawalId,
          expected: `only the members ${allowed.join(', ')}`,
          found: JSON.stringify(name),
        });
      }
    }
    return new Members(value, at);
  }

  has(name: string): boolean {
    return Object.hasOwn(this.record, name);
  }

  /** The raw member value (undefined when absent). */
  raw(name: string): unknown {
    return this.has(name) ? this.record[name] : undefined;
  }

  where(name: string): At {
    return child(this.at, name);
  }

  required<V>(name: string, codec: Codec<unknown, V>): V {
    const at = this.where(name);
    if (!this.has(name)) {
      refuse('SCHEMA_INVALID', `${at.field} is missing`, {
        field: at.field,
        withdrawalId: at.withdrawalId,
        expected: codec.expected,
        found: 'nothing',
      });
    }
    return codec.decode(this.record[name], at);
  }
}

/** Read an array member's items, each with its own `At` (`withdrawals[3]`). */
export function readArray(
  value: unknown,
  at: At,
  what: string,
  bounds: { readonly min: number; readonly max: number; readonly maxName: LimitName },
): readonly { readonly value: unknown; readonly at: At }[] {
  if (!Array.isArray(value)) invalid(at, `must be an array of ${what}`, `a JSON array of ${what}`, value);
  if (value.length < bounds.min) {
    invalid(at, `must hold at least ${bounds.min} ${what}`, `${bounds.min} to ${bounds.max} ${what}`, value);
  }
  checkMax(bounds.maxName, value.length, at.field, what, at, 'holds');
  return value.map((item, i) => ({ value: item, at: child(at, i) }));
}

/**
 * Read the required `withdrawals` member of a batch or result: an array within the limits, each item
 * decoded by `decode`, withdrawal ids unique (DUPLICATE_WITHDRAWAL_ID names both places).
 */
export function readWithdrawalList<T extends { readonly id: string }>(
  m: Members,
  what: string,
  scope: 'batch' | 'result',
  decode: (value: unknown, at: At) => T,
): T[] {
  if (!m.has('withdrawals')) {
    refuse('SCHEMA_INVALID', 'withdrawals is missing', {
      field: 'withdrawals',
      expected: `an array of ${LIMITS.minWithdrawals} to ${LIMITS.maxWithdrawals} ${what}`,
      found: 'nothing',
    });
  }
  const seen = new Map<string, string>();
  return readArray(m.raw('withdrawals'), m.where('withdrawals'), what, {
    min: LIMITS.minWithdrawals,
    max: LIMITS.maxWithdrawals,
    maxName: 'maxWithdrawals',
  }).map(({ value, at }) => {
    const w = decode(value, at);
    const first = seen.get(w.id);
    if (first !== undefined) {
      refuse(
        'DUPLICATE_WITHDRAWAL_ID',
        `withdrawal id ${JSON.stringify(w.id)} appears twice (${first} and ${at.field})`,
        {
          withdrawalId: w.id,
          field: `${at.field}.id`,
          expected: `each withdrawal id once per ${scope}`,
          found: `${JSON.stringify(w.id)} twice`,
        },
      );
    }
    seen.set(w.id, at.field);
    return w;
  });
}

// --- scalar codecs ---------------------------------------------------------------------------------

function expectString(wire: unknown, at: At, expected: string): string {
  if (typeof wire !== 'string') invalid(at, 'must be a JSON string', expected, wire);
  return wire;
}

/** One of a fixed set of strings. */
export function oneOf<const T extends string>(values: readonly T[]): Codec<string, T> {
  const expected = values.map((v) => JSON.stringify(v)).join(' or ');
  return {
    expected,
    decode(wire, at) {
      const s = expectString(wire, at, expected);
      if (!(values as readonly string[]).includes(s)) invalid(at, `must be ${expected}`, expected, s);
      return s as T;
    },
    encode: (value) => value,
  };
}

export const chainCodec: Codec<string, Chain> = oneOf<Chain>(['bitcoin', 'ethereum']);
export const networkCodec: Codec<string, Network> = oneOf<Network>(['mainnet', 'testnet']);

/** An identifier: 1 to 64 characters of A-Z a-z 0-9 . _ : - (batchId, withdrawal id, key ids and labels). */
export function idCodec(what: string): Codec<string, string> {
  const expected = `${what}: 1 to ${LIMITS.maxIdChars} characters of A-Z a-z 0-9 . _ : -`;
  return {
    expected,
    decode(wire, at) {
      const s = expectString(wire, at, expected);
      if (s.length === 0) invalid(at, 'must not be empty', expected, s);
      checkMax('maxIdChars', s.length, at.field, 'characters', at, 'has');
      if (!LIMITS.idPattern.test(s)) invalid(at, 'has characters an id may not use', expected, s);
      return s;
    },
    encode: (value) => value,
  };
}

const CANONICAL_INTEGER = /^(0|[1-9][0-9]*)$/;

/**
 * A non-negative integer as a decimal string without leading zeros, at most as many digits as the limit
 * `digitsLimit` allows (checked before conversion, so a huge string never reaches BigInt), between `min`
 * and `max`.
 */
export function integerString(opts: {
  readonly what: string;
  readonly min: bigint;
  readonly max: bigint;
  /** Words for `max` in a refusal, e.g. "21,000,000 BTC in satoshi". */
  readonly maxWords: string;
  readonly digitsLimit: 'maxAmountDigits' | 'maxTotalDigits';
}): Codec<string, bigint> {
  const expected = `${opts.what}: a whole number written as a JSON string of digits without leading zeros, from ${opts.min} to ${opts.maxWords}`;
  return {
    expected,
    decode(wire, at) {
      const s = expectString(wire, at, expected);
      checkMax(opts.digitsLimit, s.length, at.field, 'digits', at, 'has');
      if (!CANONICAL_INTEGER.test(s)) {
        invalid(
          at,
          'must be a whole number of digits only, without sign, decimal point or leading zeros',
          expected,
          s,
        );
      }
      const n = BigInt(s);
      if (n < opts.min) invalid(at, `must be at least ${opts.min}`, expected, s);
      if (n > opts.max) invalid(at, `must be at most ${opts.maxWords}`, expected, s);
      return n;
    },
    encode(value) {
      if (typeof value !== 'bigint')
        throw new TypeError(`"${opts.what}" expected bigint, got ${typeof value}`);
      return value.toString(10);
    },
  };
}

/** A JSON number that is a whole number of `unit` from `min` to the limit `maxName`. */
export function integerNumber(
  what: string,
  unit: string,
  min: number,
  maxName: LimitName,
): Codec<number, number> {
  const max = LIMITS[maxName] as number;
  const expected = `${what}: a whole JSON number from ${min} to ${max}`;
  return {
    expected,
    decode(wire, at) {
      if (typeof wire !== 'number' || !Number.isInteger(wire))
        invalid(at, 'must be a whole JSON number', expected, wire);
      if (wire < min) invalid(at, `must be at least ${min}`, expected, wire);
      checkMax(maxName, wire, at.field, unit, at);
      return wire;
    },
    encode: (value) => value,
  };
}

const RFC3339_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z$/;

const TIMESTAMP_EXPECTED = 'an RFC 3339 UTC time like "2025-01-31T12:00:00Z" (optional .sss fraction)';

/**
 * An RFC 3339 UTC timestamp, `2025-01-31T12:00:00Z` or with 1 to 3 fraction digits; upper-case T and Z;
 * a real calendar date; no leap second (a JS Date cannot hold one).
 */
export const timestampCodec: Codec<string, Date> = {
  expected: TIMESTAMP_EXPECTED,
  decode(wire, at) {
    const s = expectString(wire, at, TIMESTAMP_EXPECTED);
    const m = RFC3339_UTC.exec(s);
    if (m === null) invalid(at, 'must be an RFC 3339 time in UTC (ending in Z)', TIMESTAMP_EXPECTED, s);
    const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'));
    const d = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, millis));
    d.setUTCFullYear(year, month - 1, day); // Date.UTC maps years 0-99 to 1900-1999
    if (
      d.getUTCFullYear() !== year ||
      d.getUTCMonth() !== month - 1 ||
      d.getUTCDate() !== day ||
      d.getUTCHours() !== hour ||
      d.getUTCMinutes() !== minute ||
      d.getUTCSeconds() !== second
    ) {
      invalid(at, 'is not a real date and time', TIMESTAMP_EXPECTED, s);
    }
    return d;
  },
  encode(value) {
    if (!(value instanceof Date) || Number.isNaN(value.getTime()))
      throw new TypeError('expected a valid Date');
    const s = value.toISOString();
    if (!RFC3339_UTC.test(s)) throw new RangeError(`Date ${s} is outside years 0000-9999`);
    return s;
  },
};

/** Exactly `bytes` bytes as lower-case hex without 0x. */
export function hexBytesCodec(what: string, bytes: number): Codec<string, Uint8Array> {
  const pattern = new RegExp(`^[0-9a-f]{${bytes * 2}}$`);
  const expected = `${what}: ${bytes * 2} lower-case hex digits (${bytes} bytes), no 0x`;
  return {
    expected,
    decode(wire, at) {
      const s = expectString(wire, at, expected);
      if (!pattern.test(s)) invalid(at, `must be ${bytes * 2} lower-case hex digits`, expected, s);
      return hexToBytes(s);
    },
    encode(value) {
      if (!(value instanceof Uint8Array) || value.length !== bytes) {
        throw new RangeError(
          `"${what}" expected ${bytes} bytes, got ${value instanceof Uint8Array ? value.length : typeof value}`,
        );
      }
      return bytesToHex(value);
    },
  };
}

/** Exactly `bytes` bytes as lower-case hex without 0x, kept as the string (transaction ids). */
export function fixedHexCodec(what: string, bytes: number): Codec<string, string> {
  const inner = hexBytesCodec(what, bytes);
  return {
    expected: inner.expected,
    decode(wire, at) {
      inner.decode(wire, at);
      return wire as string;
    },
    encode(value) {
      if (typeof value !== 'string' || !/^[0-9a-f]*$/.test(value) || value.length !== bytes * 2) {
        throw new RangeError(`"${what}" expected ${bytes * 2} lower-case hex digits, got ${describe(value)}`);
      }
      return value;
    },
  };
}

/** A string of at most `limit` characters matching `pattern`, described by `expected`. */
export function patternString(opts: {
  readonly expected: string;
  readonly pattern: RegExp;
  readonly problem: string;
  readonly limit: LimitName;
}): Codec<string, string> {
  return {
    expected: opts.expected,
    decode(wire, at) {
      const s = expectString(wire, at, opts.expected);
      if (s.length === 0) invalid(at, 'must not be empty', opts.expected, s);
      checkMax(opts.limit, s.length, at.field, 'characters', at, 'has');
      if (!opts.pattern.test(s)) invalid(at, opts.problem, opts.expected, s);
      return s;
    },
    encode: (value) => value,
  };
}

/** Standard base64 (RFC 4648 §4) with padding: the form PSBTs are exchanged in (BIP-174). */
export const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Lower-case hex of whole bytes, optionally 0x-prefixed. */
export const HEX_0X_OPTIONAL = /^(?:0x)?(?:[0-9a-f]{2})+$/;
/** Lower-case hex of whole bytes, no prefix. */
export const HEX_BYTES = /^(?:[0-9a-f]{2})+$/;

// --- assets ----------------------------------------------------------------------------------------

/** What a withdrawal moves, as declared: the chain's native coin, or an ERC-20 contract. */
export type DeclaredAsset =
  | { readonly kind: 'native' }
  | { readonly kind: 'token'; readonly contract: string };

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/**
 * `"native"` or an ERC-20 contract address. With `lowerOnly`, the address must be lower case (manifest
 * totals); otherwise lower case, upper case, or mixed case with a valid EIP-55 checksum: a mixed-case
 * address with a wrong checksum is a typo and is refused. Decoded contracts are always lower case.
 */
export function assetCodec(lowerOnly: boolean): Codec<string, DeclaredAsset> {
  const expected = lowerOnly
    ? '"native" or an ERC-20 contract as 0x and 40 lower-case hex digits'
    : '"native" or an ERC-20 contract as 0x and 40 hex digits (EIP-55 checksum when mixed case)';
  return {
    expected,
    decode(wire, at) {
      const s = expectString(wire, at, expected);
      if (s === 'native') return { kind: 'native' };
      if (!ADDRESS.test(s)) invalid(at, 'must be "native" or a 0x contract address', expected, s);
      const hex = s.slice(2);
      const lower = hex.toLowerCase();
      if (lowerOnly && hex !== lower) invalid(at, 'must be a lower-case contract address', expected, s);
      if (hex !== lower && hex !== hex.toUpperCase() && toChecksumAddress(s) !== s) {
        invalid(at, 'is a mixed-case address whose EIP-55 checksum is wrong (a typo?)', expected, s);
      }
      return { kind: 'token', contract: `0x${lower}` };
    },
    encode(value) {
      if (value.kind === 'native') return 'native';
      if (!/^0x[0-9a-f]{40}$/.test(value.contract)) {
        throw new TypeError(
          `"asset.contract" expected 0x and 40 lower-case hex digits, got ${describe(value.contract)}`,
        );
      }
      return value.contract;
    },
  };
}

/** The manifest key of an asset on a chain: `bitcoin:native`, `ethereum:0xa0b8...`. */
export function assetKey(chain: Chain, asset: DeclaredAsset): string {
  return `${chain}:${asset.kind === 'native' ? 'native' : asset.contract}`;
}

/** Operator words for an asset: "bitcoin native", "ethereum token 0xa0b8...". */
export function assetWords(chain: Chain, asset: DeclaredAsset): string {
  return asset.kind === 'native' ? `${chain} native` : `${chain} token ${asset.contract}`;
}
