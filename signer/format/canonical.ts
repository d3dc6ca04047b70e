/**
 * RFC 8785 JSON Canonicalization Scheme (JCS), https://www.rfc-editor.org/rfc/rfc8785, and the digest
 * every Airlock signature covers: `digestOf(value) = SHA-256(UTF-8(JCS(value)))`.
 *
 * The serialization itself is the `canonicalize` package (written by two of the RFC's authors). This
 * wrapper makes it strict, because the package follows `JSON.stringify` and silently drops or converts
 * what JSON cannot represent: `undefined` members vanish, a `Date` becomes its `toJSON()` string, a
 * `Map` becomes `{}`. In a signed document each of those would be a value that one side sees and the
 * other does not. So before serializing, the whole tree is checked and anything that is not plain JSON
 * is refused with a `TypeError`/`RangeError` naming the JSON path:
 * - numbers must be finite (RFC 8785 §3.2.2.3: NaN and Infinity are errors);
 * - strings and member names must be well-formed UTF-16 (§3.2.2.2: lone surrogates are errors);
 * - objects must be plain (`Object.prototype` or `null` prototype, no symbol keys), arrays real arrays
 *   without holes; no `undefined`, `bigint`, functions, symbols, or cycles.
 *
 * These are programming errors, not refusals of received data: the parsers (strict-json.ts) refuse
 * such input with a typed `RefusalError` before a value ever reaches this module.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import canonicalize from 'canonicalize';

/** A JSON value as the canonicalizer accepts it. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;
export interface JsonObject {
  readonly [member: string]: JsonValue;
}

const encoder = new TextEncoder();

/** The JCS text of `value`. Throws TypeError/RangeError when `value` is not plain JSON. */
export function canonicalJson(value: unknown): string {
  assertPlainJson(value);
  const text = canonicalize(value);
  // Unreachable after assertPlainJson; kept so a change in the package cannot slip an `undefined` through.
  if (typeof text !== 'string') throw new TypeError('"value" has no JSON representation');
  return text;
}

/** The JCS bytes (UTF-8, RFC 8785 §3.2.4) of `value`. */
export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalJson(value));
}

/** SHA-256 of the JCS bytes of `value`: 32 bytes. */
export function digestOf(value: unknown): Uint8Array {
  return sha256(canonicalBytes(value));
}

/** With the `u` flag a surrogate pair is one code point, so this matches only lone surrogates. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** True when `text` is well-formed UTF-16 (no lone surrogate), i.e. has an exact UTF-8 encoding. */
export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** Deep-freeze a JSON tree (iterative; JSON trees have no cycles, typed arrays are not JSON). */
export function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'object' && v !== null) {
      Object.freeze(v);
      for (const child of Object.values(v)) stack.push(child);
    }
  }
  return value;
}

function pathOf(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/**
 * Throws unless `value` is a tree of plain JSON values. Iterative, so a deeply nested value cannot
 * overflow the call stack.
 */
export function assertPlainJson(value: unknown): asserts value is JsonValue {
  const onPath = new Set<object>();
  // Each entry is a value to check, or the marker to take a container off the current path.
  const stack: ({ readonly value: unknown; readonly path: string } | { readonly leave: object })[] = [
    { value, path: '$' },
  ];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if ('leave' in item) {
      onPath.delete(item.leave);
      continue;
    }
    const { value: v, path } = item;
    switch (typeof v) {
      case 'string':
        if (!isWellFormedText(v)) throw new TypeError(`"${path}" is a string with a lone UTF-16 surrogate`);
        continue;
      case 'number':
        if (!Number.isFinite(v)) throw new RangeError(`"${path}" expected a finite number, got ${v}`);
        continue;
      case 'boolean':
        continue;
      case 'object':
        break;
      default:
        throw new TypeError(`"${path}" expected a JSON value, got ${typeof v}`);
    }
    if (v === null) continue;
    if (onPath.has(v)) throw new TypeError(`"${path}" is a circular reference`);
    if (Array.isArray(v)) {
      if (Object.getPrototypeOf(v) !== Array.prototype) throw new TypeError(`"${path}" is not a plain array`);
      onPath.add(v);
      stack.push({ leave: v });
      for (let i = v.length - 1; i >= 0; i--) {
        if (!(i in v)) throw new TypeError(`"${pathOf(path, i)}" is a hole in a sparse array`);
        stack.push({ value: v[i], path: pathOf(path, i) });
      }
      continue;
    }
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
      throw new TypeError(
        `"${path}" expected a plain object, got ${typeof name === 'string' ? name : 'an object'}`,
      );
    }
    if (Object.getOwnPropertySymbols(v).length > 0) throw new TypeError(`"${path}" has symbol-keyed members`);
    onPath.add(v);
    stack.push({ leave: v });
    const record = v as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!isWellFormedText(key))
        throw new TypeError(`"${path}" has a member name with a lone UTF-16 surrogate`);
      stack.push({ value: record[key], path: pathOf(path, key) });
    }
  }
}
