/**
 * The signed result, wire format v1 ("airlock.result/v1"): what the appliance exports after signing a
 * batch, and what the online node parses and verifies before broadcasting.
 *
 * Spec: docs/formats.md; schema: schemas/result.v1.schema.json (kept equal to this parser by a test).
 *
 * Invariants: the same as batch.ts. Strict parsing; digest = SHA-256 of the JCS bytes of the received
 * object without `signature`; signed by the appliance's Ed25519 key named in `applianceKeyId`; the
 * result names the batch it answers by id and by digest, so it cannot be attached to another batch.
 * `approvals` is an array of opaque JSON objects until the quorum format defines it.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Chain, SignedTx } from '../chains/adapter.js';
import { refuse } from '../errors.js';
import { assertPlainJson, deepFreeze, type JsonObject } from './canonical.js';
import {
  type At,
  BASE64,
  chainCodec,
  describe,
  fixedHexCodec,
  HEX_BYTES,
  hexBytesCodec,
  idCodec,
  invalid,
  isPlainObject,
  Members,
  oneOf,
  patternString,
  readArray,
  readWithdrawalList,
  timestampCodec,
} from './fields.js';
import { LIMITS } from './limits.js';
import {
  type Signature,
  type SignatureWire,
  signatureCodec,
  unsignedDigest,
  verifyEd25519,
} from './signature.js';
import { readJsonDocument } from './strict-json.js';
import { checkFormat, RESULT_FORMAT } from './versions.js';

// --- wire types ------------------------------------------------------------------------------------

export type SignedTxWire =
  | { readonly format: 'raw'; readonly hex: string; readonly txid: string }
  | { readonly format: 'psbt'; readonly psbtBase64: string; readonly txid: string };

export interface ResultWithdrawalWire {
  readonly id: string;
  readonly chain: Chain;
  readonly signedTx: SignedTxWire;
}

export interface ResultBody {
  readonly format: typeof RESULT_FORMAT;
  readonly batchId: string;
  /** 64 lower-case hex digits: the digest of the batch this result answers. */
  readonly batchDigest: string;
  readonly signedAt: string;
  readonly applianceKeyId: string;
  readonly withdrawals: readonly ResultWithdrawalWire[];
  readonly approvals: readonly JsonObject[];
}

export interface ResultWire extends ResultBody {
  readonly signature: SignatureWire;
}

// --- typed values ----------------------------------------------------------------------------------

export interface ResultWithdrawal {
  readonly id: string;
  readonly chain: Chain;
  /** hex and txid are lower case without 0x. */
  readonly signedTx: SignedTx;
}

export interface ParsedResult {
  readonly format: typeof RESULT_FORMAT;
  readonly batchId: string;
  readonly batchDigest: Uint8Array;
  readonly signedAt: Date;
  readonly applianceKeyId: string;
  readonly withdrawals: readonly ResultWithdrawal[];
  /** Opaque JSON objects (the quorum format will define them). */
  readonly approvals: readonly unknown[];
  readonly signature: Signature;
  /** The received JSON object, deep-frozen. The digest is computed over it. */
  readonly wire: ResultWire;
}

declare const verifiedResult: unique symbol;

/** A result whose signature by an enrolled appliance key verified. */
export type VerifiedResult = ParsedResult & {
  /** The 32-byte result digest the appliance signed. */
  readonly digest: Uint8Array;
  readonly [verifiedResult]: true;
};

/** What the appliance supplies to build a result. */
export interface ResultFields {
  readonly batchId: string;
  readonly batchDigest: Uint8Array;
  readonly signedAt: Date;
  readonly applianceKeyId: string;
  readonly withdrawals: readonly ResultWithdrawal[];
  readonly approvals?: readonly JsonObject[];
}

// --- codecs ----------------------------------------------------------------------------------------

const batchDigestCodec = hexBytesCodec('a batch digest (SHA-256)', 32);
const txidCodec = fixedHexCodec('a transaction id', 32);
const rawHexCodec = patternString({
  expected: 'the signed network transaction as lower-case hex of whole bytes, no 0x',
  pattern: HEX_BYTES,
  problem: 'must be lower-case hex of whole bytes (an even number of digits), no 0x',
  limit: 'maxSignedTxChars',
});
const psbtCodec = patternString({
  expected: 'a PSBT in standard base64 with padding (BIP-174)',
  pattern: BASE64,
  problem: 'must be standard base64 with padding (a PSBT)',
  limit: 'maxSignedTxChars',
});
const signedTxFormatCodec = oneOf(['raw', 'psbt'] as const);
const RESULT_MEMBERS = [
  'format',
  'batchId',
  'batchDigest',
  'signedAt',
  'applianceKeyId',
  'withdrawals',
  'approvals',
  'signature',
] as const;
const BODY_MEMBERS = RESULT_MEMBERS.filter((m) => m !== 'signature');

function decodeSignedTx(value: unknown, at: At, chain: Chain): SignedTx {
  if (!isPlainObject(value))
    invalid(at, 'must be a signed transaction (a JSON object)', 'a JSON object', value);
  if (!Object.hasOwn(value, 'format')) {
    refuse('SCHEMA_INVALID', `${at.field}.format is missing`, {
      field: `${at.field}.format`,
      withdrawalId: at.withdrawalId,
      expected: signedTxFormatCodec.expected,
      found: 'nothing',
    });
  }
  const format = signedTxFormatCodec.decode(value.format, { ...at, field: `${at.field}.format` });
  if (format === 'raw') {
    const m = Members.read(value, at, 'a signed transaction', ['format', 'hex', 'txid']);
    return Object.freeze({
      format,
      hex: m.required('hex', rawHexCodec),
      txid: m.required('txid', txidCodec),
    });
  }
  if (chain !== 'bitcoin') {
    invalid(
      { ...at, field: `${at.field}.format` },
      'must be "raw" on ethereum (PSBT is Bitcoin only)',
      '"raw"',
      format,
    );
  }
  const m = Members.read(value, at, 'a signed transaction', ['format', 'psbtBase64', 'txid']);
  return Object.freeze({
    format,
    psbtBase64: m.required('psbtBase64', psbtCodec),
    txid: m.required('txid', txidCodec),
  });
}

function decodeResultWithdrawal(value: unknown, at: At): ResultWithdrawal {
  const peek = isPlainObject(value) && typeof value.id === 'string' ? value.id : undefined;
  const withdrawalId =
    peek !== undefined && peek.length <= LIMITS.maxIdChars && LIMITS.idPattern.test(peek) ? peek : undefined;
  const m = Members.read(value, { ...at, withdrawalId }, 'a signed withdrawal', ['id', 'chain', 'signedTx']);
  const id = m.required('id', idCodec('a withdrawal id'));
  const chain = m.required('chain', chainCodec);
  if (!m.has('signedTx')) {
    refuse('SCHEMA_INVALID', `${m.where('signedTx').field} is missing`, {
      field: m.where('signedTx').field,
      withdrawalId: id,
      expected: 'a signed transaction object',
      found: 'nothing',
    });
  }
  const signedTx = decodeSignedTx(m.raw('signedTx'), m.where('signedTx'), chain);
  return Object.freeze({ id, chain, signedTx });
}

interface DecodedResult extends Omit<ParsedResult, 'signature' | 'wire'> {
  readonly signature: Signature | undefined;
}

function decodeResult(value: unknown, signed: boolean): DecodedResult {
  if (!isPlainObject(value)) {
    refuse('SCHEMA_INVALID', 'the result must be one JSON object', {
      expected: 'a JSON object',
      found: describe(value),
    });
  }
  checkFormat(value, RESULT_FORMAT, 'result');
  const m = Members.read(value, { field: '' }, 'a result', signed ? RESULT_MEMBERS : BODY_MEMBERS);
  const batchId = m.required('batchId', idCodec('a batch id'));
  const batchDigest = m.required('batchDigest', batchDigestCodec);
  const signedAt = m.required('signedAt', timestampCodec);
  const applianceKeyId = m.required('applianceKeyId', idCodec('an appliance key id'));

  const withdrawals = readWithdrawalList(m, 'signed withdrawals', 'result', decodeResultWithdrawal);

  if (!m.has('approvals')) {
    refuse('SCHEMA_INVALID', 'approvals is missing', {
      field: 'approvals',
      expected: `an array of 0 to ${LIMITS.maxApprovals} JSON objects`,
      found: 'nothing',
    });
  }
  const approvals = readArray(m.raw('approvals'), m.where('approvals'), 'approvals', {
    min: 0,
    max: LIMITS.maxApprovals,
    maxName: 'maxApprovals',
  }).map(({ value: v, at }) => {
    if (!isPlainObject(v)) invalid(at, 'must be an approval (a JSON object)', 'a JSON object', v);
    return v;
  });

  const signature = signed ? m.required('signature', signatureCodec) : undefined;
  return {
    format: RESULT_FORMAT,
    batchId,
    batchDigest,
    signedAt,
    applianceKeyId,
    withdrawals: Object.freeze(withdrawals),
    approvals: Object.freeze(approvals),
    signature,
  };
}

// --- public API ------------------------------------------------------------------------------------

/** Parse a signed result file. Throws RefusalError. */
export function parseResult(input: Uint8Array | string): ParsedResult {
  const value = readJsonDocument(input, { what: 'the result', maxBytes: 'maxResultBytes' });
  const decoded = decodeResult(value, true);
  const wire = deepFreeze(value as ResultWire);
  // approvals are handed out as the frozen wire objects themselves
  return Object.freeze({ ...decoded, approvals: wire.approvals, signature: decoded.signature!, wire });
}

/** The 32-byte result digest: SHA-256 of the JCS bytes of the result object without `signature`. */
export function resultDigest(result: ParsedResult | ResultBody | ResultWire): Uint8Array {
  if ('wire' in result) return unsignedDigest(result.wire);
  if (result.format !== RESULT_FORMAT)
    throw new TypeError(`"result" expected format ${RESULT_FORMAT}, got ${String(result.format)}`);
  return unsignedDigest(result);
}

/**
 * Check that `result` is signed by the enrolled appliance key it names. An unknown key is refused as
 * RESULT_SIGNATURE_INVALID too (field applianceKeyId): to the online node both mean "not from our appliance".
 */
export function verifyResult(
  result: ParsedResult,
  applianceKeys: ReadonlyMap<string, Uint8Array>,
): VerifiedResult {
  const keyId = result.applianceKeyId;
  const publicKey = applianceKeys.get(keyId);
  if (publicKey === undefined) {
    const known = [...applianceKeys.keys()];
    refuse(
      'RESULT_SIGNATURE_INVALID',
      `the result for batch ${result.batchId} is signed by appliance key ${JSON.stringify(keyId)} (applianceKeyId), which is not enrolled here`,
      {
        field: 'applianceKeyId',
        expected:
          known.length === 0 ? 'an enrolled appliance key (none are enrolled)' : `one of ${known.join(', ')}`,
        found: keyId,
      },
    );
  }
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    throw new TypeError(`appliance key "${keyId}" expected a 32-byte Ed25519 public key`);
  }
  const digest = resultDigest(result);
  if (!verifyEd25519(result.signature.value, digest, publicKey)) {
    refuse(
      'RESULT_SIGNATURE_INVALID',
      `the signature of the result for batch ${result.batchId} does not verify with appliance key ${JSON.stringify(keyId)}: the result was changed after signing, or signed with another key`,
      {
        field: 'signature.value',
        expected: `an Ed25519 signature by ${keyId} over result digest ${bytesToHex(digest)}`,
        found: `${bytesToHex(result.signature.value).slice(0, 16)}...`,
      },
    );
  }
  return Object.freeze({ ...result, digest }) as VerifiedResult;
}

/** Lower-case and drop a 0x prefix: adapters may hand Ethereum hex either way; the wire has one form. */
function plainHex(hex: string, what: string): string {
  if (typeof hex !== 'string') throw new TypeError(`"${what}" expected a hex string, got ${typeof hex}`);
  return (hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex).toLowerCase();
}

function encodeSignedTx(tx: SignedTx): SignedTxWire {
  switch (tx.format) {
    case 'raw':
      return {
        format: 'raw',
        hex: plainHex(tx.hex, 'signedTx.hex'),
        txid: plainHex(tx.txid, 'signedTx.txid'),
      };
    case 'psbt':
      return { format: 'psbt', psbtBase64: tx.psbtBase64, txid: plainHex(tx.txid, 'signedTx.txid') };
    default:
      throw new TypeError(
        `"signedTx.format" expected raw or psbt, got ${String((tx as { format: unknown }).format)}`,
      );
  }
}

/**
 * Build the unsigned result object (appliance). Decodes what it built with the online node's parser, so
 * a result the online node would refuse is refused here (RefusalError) before it is signed.
 */
export function buildResultBody(fields: ResultFields): ResultBody {
  const body: ResultBody = {
    format: RESULT_FORMAT,
    batchId: fields.batchId,
    batchDigest: batchDigestCodec.encode(fields.batchDigest),
    signedAt: timestampCodec.encode(fields.signedAt),
    applianceKeyId: fields.applianceKeyId,
    withdrawals: fields.withdrawals.map((w) => ({
      id: w.id,
      chain: w.chain,
      signedTx: encodeSignedTx(w.signedTx),
    })),
    approvals: [...(fields.approvals ?? [])],
  };
  assertPlainJson(body);
  // Through the online node's whole reading path (size, depth, I-JSON, schema), not just the decoder.
  decodeResult(
    readJsonDocument(JSON.stringify(body), { what: 'the result', maxBytes: 'maxResultBytes' }),
    false,
  );
  return deepFreeze(body);
}

/** The result file text: indented JSON (the digest never depends on formatting). */
export function serializeResult(result: ResultWire): string {
  assertPlainJson(result);
  const text = `${JSON.stringify(result, null, 2)}\n`;
  decodeResult(readJsonDocument(text, { what: 'the result', maxBytes: 'maxResultBytes' }), true);
  return text;
}
