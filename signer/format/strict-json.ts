/**
 * Reading an untrusted JSON document: bytes (or text) in, a plain JSON value out, or a `RefusalError`.
 *
 * The checks run cheapest-first, and nothing is parsed before it is bounded:
 * 1. size (`LIMIT_EXCEEDED`), on the raw bytes, before decoding or `JSON.parse`;
 * 2. UTF-8, decoded with `fatal: true` (`MALFORMED_JSON`); a byte order mark is refused (RFC 8259 §8.1);
 * 3. nesting depth, by a bracket count that tolerates malformed text (`LIMIT_EXCEEDED`);
 * 4. `JSON.parse` (`MALFORMED_JSON`);
 * 5. the I-JSON rules (RFC 7493) that `JSON.parse` does not enforce and that RFC 8785 §3.1 requires of
 *    signed data (`MALFORMED_JSON`): no duplicate member names (`JSON.parse` keeps the last one, another
 *    parser may keep the first: two readers, two meanings, one signature), no lone surrogates, and no
 *    number beyond the range of a double (`JSON.parse` turns `1e400` into `Infinity`).
 *
 * The value returned is therefore always accepted by canonical.ts.
 */
import { refuse } from '../errors.js';
import { isWellFormedText } from './canonical.js';
import { checkMax, LIMITS } from './limits.js';

export interface DocumentKind {
  /** Operator words for the document: "the batch", "the result". */
  readonly what: string;
  /** The limit on its size in bytes. */
  readonly maxBytes: 'maxBatchBytes' | 'maxResultBytes';
}

/** JSON path of a member or element, as refusals print it: `withdrawals[3].amount`. */
export function jsonPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const safe = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (parent === '') return safe;
  return safe.startsWith('[') ? `${parent}${safe}` : `${parent}.${safe}`;
}

/** Bytes of the UTF-8 encoding of `text` (a lone surrogate counts 3, as the encoder would replace it). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Read one JSON document under the limits of `kind`. Throws RefusalError. */
export function readJsonDocument(input: Uint8Array | string, kind: DocumentKind): unknown {
  let text: string;
  if (typeof input === 'string') {
    checkMax(kind.maxBytes, utf8Length(input), kind.what, 'bytes');
    text = input;
  } else if (input instanceof Uint8Array) {
    checkMax(kind.maxBytes, input.byteLength, kind.what, 'bytes');
    if (input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf) {
      refuse(
        'MALFORMED_JSON',
        `${kind.what} starts with a UTF-8 byte order mark; Airlock reads plain UTF-8 JSON`,
        {
          expected: 'JSON text starting with "{"',
          found: 'bytes EF BB BF',
        },
      );
    }
    try {
      text = decoder.decode(input);
    } catch {
      refuse('MALFORMED_JSON', `${kind.what} is not valid UTF-8 text`);
    }
  } else {
    throw new TypeError(`"input" expected Uint8Array or string, got ${typeof input}`);
  }
  checkDepth(text, kind.what);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    refuse('MALFORMED_JSON', `${kind.what} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  checkDuplicateMembers(text, kind.what);
  checkIJson(value, kind.what);
  return value;
}

/** Bracket depth outside strings. Runs before JSON.parse, so it must not assume the text is valid. */
function checkDepth(text: string, what: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > LIMITS.maxJsonDepth) {
        checkMax('maxJsonDepth', depth, `the nesting of arrays and objects in ${what}`, 'levels');
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

type Frame =
  | { readonly kind: 'object'; readonly names: Set<string>; name: string | undefined; expectName: boolean }
  | { readonly kind: 'array'; index: number };

function pathOfFrames(frames: readonly Frame[]): string {
  let path = '';
  for (const f of frames) {
    if (f.kind === 'array') path = jsonPath(path, f.index);
    else if (f.name !== undefined) path = jsonPath(path, f.name);
  }
  return path;
}

/**
 * Refuses a member name that appears twice in one object. Runs after JSON.parse accepted `text`, so the
 * text is known to be valid JSON and a simple token walk is exact.
 */
function checkDuplicateMembers(text: string, what: string): void {
  const frames: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i;
      for (i++; text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
      const top = frames[frames.length - 1];
      if (top?.kind === 'object' && top.expectName) {
        const name = JSON.parse(text.slice(start, i + 1)) as string;
        top.expectName = false;
        if (top.names.has(name)) {
          const parent = pathOfFrames(frames.slice(0, -1));
          const field = jsonPath(parent, name);
          refuse(
            'MALFORMED_JSON',
            `${what} names member ${JSON.stringify(name)} twice in ${parent || 'its top-level object'}`,
            {
              field,
              expected: 'each member name once per object (I-JSON, RFC 7493 §2.3)',
              found: `${JSON.stringify(name)} twice`,
            },
          );
        }
        top.names.add(name);
        top.name = name;
      }
    } else if (c === 0x7b)
      frames.push({ kind: 'object', names: new Set(), name: undefined, expectName: true });
    else if (c === 0x5b) frames.push({ kind: 'array', index: 0 });
    else if (c === 0x7d || c === 0x5d) frames.pop();
    else if (c === 0x2c) {
      const top = frames[frames.length - 1];
      if (top?.kind === 'object') top.expectName = true;
      else if (top?.kind === 'array') top.index++;
    }
  }
}

/** Lone surrogates and out-of-range numbers, anywhere in the parsed value. Iterative. */
function checkIJson(root: unknown, what: string): void {
  const stack: { readonly value: unknown; readonly path: string }[] = [{ value: root, path: '' }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    const at = path === '' ? `${what} (top level)` : path;
    if (typeof value === 'string') {
      if (!isWellFormedText(value)) {
        refuse('MALFORMED_JSON', `${at} holds a lone UTF-16 surrogate escape, which has no UTF-8 form`, {
          field: path || undefined,
          expected: 'well-formed Unicode text (I-JSON, RFC 7493 §2.1)',
          found: 'a lone surrogate such as \\ud800',
        });
      }
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) {
        refuse('MALFORMED_JSON', `${at} is a number beyond the range of a double`, {
          field: path || undefined,
          expected: 'a number within IEEE 754 double range (I-JSON, RFC 7493 §2.2)',
          found: 'a number that overflows to infinity',
        });
      }
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => {
        stack.push({ value: v, path: jsonPath(path, i) });
      });
    } else if (typeof value === 'object' && value !== null) {
      for (const [name, v] of Object.entries(value)) {
        if (!isWellFormedText(name)) {
          refuse('MALFORMED_JSON', `${at} has a member name with a lone UTF-16 surrogate escape`, {
            field: path || undefined,
            expected: 'well-formed Unicode member names (I-JSON, RFC 7493 §2.1)',
            found: 'a lone surrogate such as \\ud800',
          });
        }
        stack.push({ value: v, path: jsonPath(path, name) });
      }
    }
  }
}
