/**
 * Uniform Resources (BCR-2020-005): `ur:<type>/<body>` for a single part and
 * `ur:<type>/<seqNum>-<seqLen>/<body>` for a multipart part (BCR-2024-001), the body being the CBOR in
 * minimal Bytewords (BCR-2020-012). Encoders write lower case; readers accept any case, since QR
 * alphanumeric mode renders URs upper case.
 *
 * The parser is strict: the scheme, a type of letters, digits and hyphens, at most one sequence
 * component of two decimal numbers in [1, 2^32) without leading zeros, a body of letters. Anything
 * else is `UrError` `UR_INVALID` naming the part that is wrong.
 */
import { decodeBytewords, encodeBytewords } from './bytewords.js';
import { UrError } from './errors.js';
import { MAX_MESSAGE_LEN, MAX_SEQ_NUM, MAX_UR_TEXT_LEN } from './limits.js';

const TYPE = /^[a-z0-9-]+$/;
const TYPE_ANY_CASE = /^[a-zA-Z0-9-]+$/;
const SEQ = /^([1-9][0-9]{0,9})-([1-9][0-9]{0,9})$/;
const BODY = /^[a-zA-Z]*$/;

export interface ParsedUr {
  /** Lower case. */
  readonly type: string;
  /** Present for a multipart part. */
  readonly seq: { readonly num: number; readonly len: number } | null;
  /** The minimal-Bytewords body as written (any case). */
  readonly body: string;
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** Splits a UR into type, sequence component and body, checking each; does not decode the body. */
export function parseUr(text: string): ParsedUr {
  if (typeof text !== 'string') throw new UrError('UR_INVALID', 'not a UR: expected text');
  if (text.length > MAX_UR_TEXT_LEN) {
    throw new UrError(
      'UR_TOO_LARGE',
      `UR of ${text.length} characters is above the ${MAX_UR_TEXT_LEN}-character cap`,
    );
  }
  if (text.slice(0, 3).toLowerCase() !== 'ur:') {
    throw new UrError('UR_INVALID', `not a UR: "${shorten(text)}" does not start with "ur:"`);
  }
  const components = text.slice(3).split('/');
  if (components.length < 2 || components.length > 3) {
    throw new UrError(
      'UR_INVALID',
      `not a UR: expected ur:type/body or ur:type/seqNum-seqLen/body, found ${components.length} path components`,
    );
  }
  const type = components[0]!;
  if (!TYPE_ANY_CASE.test(type)) {
    throw new UrError('UR_INVALID', `UR type "${shorten(type)}": expected letters, digits and hyphens`);
  }
  let seq: ParsedUr['seq'] = null;
  if (components.length === 3) {
    const m = SEQ.exec(components[1]!);
    const num = m ? Number(m[1]) : 0;
    const len = m ? Number(m[2]) : 0;
    if (!m || num > MAX_SEQ_NUM || len > MAX_SEQ_NUM) {
      throw new UrError(
        'UR_INVALID',
        `UR sequence "${shorten(components[1]!)}": expected seqNum-seqLen, two integers in [1, 2^32) such as 1-3`,
      );
    }
    seq = { num, len };
  }
  const body = components[components.length - 1]!;
  if (!BODY.test(body)) {
    throw new UrError('UR_INVALID', `UR body "${shorten(body)}": expected minimal Bytewords (letters only)`);
  }
  return { type: type.toLowerCase(), seq, body };
}

/** Checks a type given to an encoder: lower-case letters, digits and hyphens (BCR-2020-005). */
export function checkUrType(type: string): void {
  if (typeof type !== 'string' || !TYPE.test(type)) {
    throw new UrError(
      'UR_ARGUMENT',
      `"type" expected lower-case letters, digits and hyphens (such as crypto-psbt), got ${JSON.stringify(type)}`,
    );
  }
}

export function checkCborArgument(cbor: Uint8Array): void {
  if (!(cbor instanceof Uint8Array)) throw new UrError('UR_ARGUMENT', '"cbor" expected a Uint8Array');
  if (cbor.length === 0) throw new UrError('UR_ARGUMENT', '"cbor" expected at least one byte');
  if (cbor.length > MAX_MESSAGE_LEN) {
    throw new UrError(
      'UR_TOO_LARGE',
      `CBOR of ${cbor.length} bytes is above the ${MAX_MESSAGE_LEN}-byte cap`,
    );
  }
}

/** A single-part UR, lower case: `ur:<type>/<minimal Bytewords of cbor>`. */
export function encodeUr(type: string, cbor: Uint8Array): string {
  checkUrType(type);
  checkCborArgument(cbor);
  return `ur:${type}/${encodeBytewords(cbor, 'minimal')}`;
}

/**
 * Decodes a single-part UR (any case). Throws `UrError`: `UR_INVALID` (not a UR, or a multipart part),
 * `UR_BYTEWORDS`, `UR_CHECKSUM`, `UR_TOO_LARGE`. The CBOR is returned as it came: its meaning is the
 * type's (`cborBytesValue` unwraps `bytes`, `crypto-psbt` and `psbt`).
 */
export function decodeUr(text: string): { type: string; cbor: Uint8Array } {
  const parsed = parseUr(text);
  if (parsed.seq !== null) {
    throw new UrError(
      'UR_INVALID',
      `UR part ${parsed.seq.num} of ${parsed.seq.len}: a multipart UR is decoded by UrDecoder, not decodeUr`,
    );
  }
  const cbor = decodeBytewords(parsed.body, 'minimal');
  if (cbor.length > MAX_MESSAGE_LEN) {
    throw new UrError(
      'UR_TOO_LARGE',
      `CBOR of ${cbor.length} bytes is above the ${MAX_MESSAGE_LEN}-byte cap`,
    );
  }
  return { type: parsed.type, cbor };
}
