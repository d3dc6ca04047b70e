/**
 * The unsigned withdrawal batch, wire format v1 ("airlock.batch/v1"): what the online coordinator builds
 * and signs, and what the appliance parses, verifies and then decodes withdrawal by withdrawal.
 *
 * Spec: docs/formats.md; schema: schemas/batch.v1.schema.json (kept equal to this parser by a test).
 *
 * Invariants:
 * - Parsing is strict: unknown members are refused at every level, every field is typed and
 *   range-checked, limits are checked before the work they bound. Errors are `RefusalError`s naming the
 *   JSON path, what was expected and what was found.
 * - The manifest (count and per-(chain, asset) totals) must equal what the withdrawals add up to: it is
 *   what people approve at a glance, so it may not say anything the withdrawals do not.
 * - The batch digest is SHA-256 of the JCS bytes of the *received* object without `signature`
 *   (`wire`), never of a re-serialization of the typed values.
 * - Sealed states (airgap-coin-lib): `parseBatch` gives a `ParsedBatch`; only `verifyBatch` (signature by
 *   an enrolled coordinator key, freshness) turns it into a `VerifiedBatch`.
 */

import { bytesToHex } from '@noble/hashes/utils.js';
import type { Chain, Network } from '../chains/adapter.js';
import { refuse } from '../errors.js';
import { assertPlainJson, deepFreeze } from './canonical.js';
import {
  type At,
  assetCodec,
  assetKey,
  assetWords,
  BASE64,
  chainCodec,
  type DeclaredAsset,
  describe,
  HEX_0X_OPTIONAL,
  idCodec,
  integerNumber,
  integerString,
  invalid,
  isPlainObject,
  Members,
  networkCodec,
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
import { BATCH_FORMAT, checkFormat } from './versions.js';

// --- wire types ------------------------------------------------------------------------------------

export interface WithdrawalWire {
  readonly id: string;
  readonly chain: Chain;
  readonly asset: string;
  readonly destination: string;
  readonly amount: string;
  readonly feeCap: string;
  readonly keyLabel: string;
  /** Present exactly when chain is ethereum. */
  readonly nonce?: string;
  readonly rawTx: string;
}

export interface ManifestTotalWire {
  readonly chain: Chain;
  readonly asset: string;
  readonly amount: string;
}

export interface ManifestWire {
  readonly count: number;
  readonly totals: readonly ManifestTotalWire[];
}

/** The batch as the coordinator signs it: everything but `signature`. */
export interface BatchBody {
  readonly format: typeof BATCH_FORMAT;
  readonly batchId: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly network: Network;
  readonly coordinatorKeyId: string;
  readonly manifest: ManifestWire;
  readonly withdrawals: readonly WithdrawalWire[];
}

export interface BatchWire extends BatchBody {
  readonly signature: SignatureWire;
}

// --- typed values ----------------------------------------------------------------------------------

/** One withdrawal as the batch declares it (the words; the bytes are `rawTx`). */
export interface DeclaredWithdrawal {
  readonly id: string;
  readonly chain: Chain;
  readonly asset: DeclaredAsset;
  /** As written in the batch; the chain adapter gives its canonical form for the cross-check. */
  readonly destination: string;
  /** Base units of `asset` (satoshi, wei, token units). */
  readonly amount: bigint;
  /** Largest fee the withdrawal may pay, in base units of the chain's native asset. */
  readonly feeCap: bigint;
  readonly keyLabel: string;
  /** Ethereum account nonce; present exactly when chain is ethereum. */
  readonly nonce?: bigint;
  /** Bitcoin: PSBT base64. Ethereum: lower-case hex of the unsigned EIP-1559 payload, as received (0x optional). */
  readonly rawTx: string;
}

export interface ManifestTotal {
  readonly chain: Chain;
  readonly asset: DeclaredAsset;
  readonly amount: bigint;
}

export interface Manifest {
  readonly count: number;
  readonly totals: readonly ManifestTotal[];
}

export interface ParsedBatch {
  readonly format: typeof BATCH_FORMAT;
  readonly batchId: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly network: Network;
  readonly coordinatorKeyId: string;
  readonly manifest: Manifest;
  readonly withdrawals: readonly DeclaredWithdrawal[];
  readonly signature: Signature;
  /** The received JSON object, deep-frozen. The digest is computed over it. */
  readonly wire: BatchWire;
}

declare const verifiedBatch: unique symbol;

/** A batch whose signature by an enrolled coordinator verified and which was fresh at `now`. */
export type VerifiedBatch = ParsedBatch & {
  /** The 32-byte batch digest the coordinator signed. */
  readonly digest: Uint8Array;
  readonly [verifiedBatch]: true;
};

/** What the online node supplies to build a batch; the manifest is computed. */
export interface BatchFields {
  readonly batchId: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly network: Network;
  readonly coordinatorKeyId: string;
  readonly withdrawals: readonly DeclaredWithdrawal[];
}

// --- field codecs, per chain -----------------------------------------------------------------------

/** Bitcoin Core MAX_MONEY: 21 million BTC in satoshi. */
const MAX_SATOSHI = 2_100_000_000_000_000n;
const MAX_UINT256 = (1n << 256n) - 1n;
/** EIP-2681: an account nonce is below 2^64 - 1. */
const MAX_NONCE = (1n << 64n) - 2n;

const CHAIN_FIELDS = {
  bitcoin: {
    amount: integerString({
      what: 'an amount in satoshi',
      min: 1n,
      max: MAX_SATOSHI,
      maxWords: '2100000000000000 (21 million BTC)',
      digitsLimit: 'maxAmountDigits',
    }),
    feeCap: integerString({
      what: 'a fee cap in satoshi',
      min: 0n,
      max: MAX_SATOSHI,
      maxWords: '2100000000000000 (21 million BTC)',
      digitsLimit: 'maxAmountDigits',
    }),
    rawTx: patternString({
      expected: 'the unsigned transaction as a PSBT in standard base64 with padding (BIP-174)',
      pattern: BASE64,
      problem: 'must be standard base64 with padding (a PSBT)',
      limit: 'maxRawTxChars',
    }),
  },
  ethereum: {
    amount: integerString({
      what: 'an amount in base units (wei or token units)',
      min: 1n,
      max: MAX_UINT256,
      maxWords: '2^256-1 (the largest uint256)',
      digitsLimit: 'maxAmountDigits',
    }),
    feeCap: integerString({
      what: 'a fee cap in wei',
      min: 0n,
      max: MAX_UINT256,
      maxWords: '2^256-1 (the largest uint256)',
      digitsLimit: 'maxAmountDigits',
    }),
    rawTx: patternString({
      expected: 'the unsigned EIP-1559 transaction as lower-case hex of whole bytes, with or without 0x',
      pattern: HEX_0X_OPTIONAL,
      problem: 'must be lower-case hex of whole bytes (an even number of digits), optionally after 0x',
      limit: 'maxRawTxChars',
    }),
  },
} as const;

const nonceCodec = integerString({
  what: 'an Ethereum account nonce',
  min: 0n,
  max: MAX_NONCE,
  maxWords: '18446744073709551614 (2^64-2, EIP-2681)',
  digitsLimit: 'maxAmountDigits',
});

const totalCodec = integerString({
  what: 'a total in base units',
  min: 1n,
  max: 10n ** BigInt(LIMITS.maxTotalDigits) - 1n,
  maxWords: `${LIMITS.maxTotalDigits} digits`,
  digitsLimit: 'maxTotalDigits',
});

const destinationCodec = patternString({
  expected: `an address: 1 to ${LIMITS.maxDestinationChars} letters and digits`,
  pattern: /^[A-Za-z0-9]+$/,
  problem: 'may hold only letters and digits (no spaces, punctuation or look-alike characters)',
  limit: 'maxDestinationChars',
});

const batchIdCodec = idCodec('a batch id');
const withdrawalIdCodec = idCodec('a withdrawal id');
const keyLabelCodec = idCodec('a key label');
const coordinatorKeyIdCodec = idCodec('a coordinator key id');
const withdrawalAssetCodec = assetCodec(false);
const totalAssetCodec = assetCodec(true);
const countCodec = integerNumber(
  'the number of withdrawals',
  'withdrawals',
  LIMITS.minWithdrawals,
  'maxWithdrawals',
);

const BODY_MEMBERS = [
  'format',
  'batchId',
  'createdAt',
  'expiresAt',
  'network',
  'coordinatorKeyId',
  'manifest',
  'withdrawals',
] as const;
const BATCH_MEMBERS = [...BODY_MEMBERS, 'signature'] as const;
const WITHDRAWAL_MEMBERS = [
  'id',
  'chain',
  'asset',
  'destination',
  'amount',
  'feeCap',
  'keyLabel',
  'nonce',
  'rawTx',
];

// --- decoding --------------------------------------------------------------------------------------

function peekWithdrawalId(value: unknown): string | undefined {
  if (!isPlainObject(value)) return undefined;
  const id = value.id;
  return typeof id === 'string' && id.length <= LIMITS.maxIdChars && LIMITS.idPattern.test(id)
    ? id
    : undefined;
}

function decodeWithdrawal(value: unknown, at: At): DeclaredWithdrawal {
  const m = Members.read(
    value,
    { ...at, withdrawalId: peekWithdrawalId(value) },
    'a withdrawal',
    WITHDRAWAL_MEMBERS,
  );
  const id = m.required('id', withdrawalIdCodec);
  const chain = m.required('chain', chainCodec);
  const asset = m.required('asset', withdrawalAssetCodec);
  if (chain === 'bitcoin' && asset.kind !== 'native') {
    invalid(
      m.where('asset'),
      'must be "native" on bitcoin',
      '"native" (bitcoin has no token assets)',
      m.raw('asset'),
    );
  }
  const destination = m.required('destination', destinationCodec);
  const fields = CHAIN_FIELDS[chain];
  const amount = m.required('amount', fields.amount);
  const feeCap = m.required('feeCap', fields.feeCap);
  const keyLabel = m.required('keyLabel', keyLabelCodec);
  let nonce: bigint | undefined;
  if (chain === 'ethereum') {
    if (!m.has('nonce')) {
      refuse(
        'SCHEMA_INVALID',
        `${m.where('nonce').field} is missing: an ethereum withdrawal declares its account nonce`,
        {
          field: m.where('nonce').field,
          withdrawalId: id,
          expected: nonceCodec.expected,
          found: 'nothing',
        },
      );
    }
    nonce = m.required('nonce', nonceCodec);
  } else if (m.has('nonce')) {
    invalid(
      m.where('nonce'),
      'must not be present on a bitcoin withdrawal',
      'no nonce member (nonces are Ethereum only)',
      m.raw('nonce'),
    );
  }
  const rawTx = m.required('rawTx', fields.rawTx);
  return Object.freeze({
    id,
    chain,
    asset: Object.freeze(asset),
    destination,
    amount,
    feeCap,
    keyLabel,
    ...(nonce === undefined ? {} : { nonce }),
    rawTx,
  });
}

function decodeTotal(value: unknown, at: At): ManifestTotal {
  const m = Members.read(value, at, 'a manifest total', ['chain', 'asset', 'amount']);
  const chain = m.required('chain', chainCodec);
  const asset = m.required('asset', totalAssetCodec);
  if (chain === 'bitcoin' && asset.kind !== 'native') {
    invalid(
      m.where('asset'),
      'must be "native" on bitcoin',
      '"native" (bitcoin has no token assets)',
      m.raw('asset'),
    );
  }
  return Object.freeze({ chain, asset: Object.freeze(asset), amount: m.required('amount', totalCodec) });
}

interface DecodedBatch extends Omit<ParsedBatch, 'signature' | 'wire'> {
  readonly signature: Signature | undefined;
}

/** Decode a batch object; `signed` says whether the `signature` member is required (or forbidden). */
function decodeBatch(value: unknown, signed: boolean): DecodedBatch {
  if (!isPlainObject(value)) {
    refuse('SCHEMA_INVALID', 'the batch must be one JSON object', {
      expected: 'a JSON object',
      found: describe(value),
    });
  }
  checkFormat(value, BATCH_FORMAT, 'batch');
  const m = Members.read(value, { field: '' }, 'a batch', signed ? BATCH_MEMBERS : BODY_MEMBERS);
  const batchId = m.required('batchId', batchIdCodec);
  const createdAt = m.required('createdAt', timestampCodec);
  const expiresAt = m.required('expiresAt', timestampCodec);
  if (expiresAt.getTime() <= createdAt.getTime()) {
    invalid(
      m.where('expiresAt'),
      'must be later than createdAt',
      `a time after createdAt ${m.raw('createdAt') as string}`,
      m.raw('expiresAt'),
    );
  }
  const network = m.required('network', networkCodec);
  const coordinatorKeyId = m.required('coordinatorKeyId', coordinatorKeyIdCodec);

  const withdrawals = readWithdrawalList(m, 'withdrawals', 'batch', decodeWithdrawal);

  if (!m.has('manifest')) {
    refuse('SCHEMA_INVALID', 'manifest is missing', {
      field: 'manifest',
      expected: '{ "count", "totals" }',
      found: 'nothing',
    });
  }
  const mm = Members.read(m.raw('manifest'), m.where('manifest'), 'the manifest', ['count', 'totals']);
  const count = mm.required('count', countCodec);
  if (!mm.has('totals')) {
    refuse('SCHEMA_INVALID', 'manifest.totals is missing', {
      field: 'manifest.totals',
      expected: 'an array of { chain, asset, amount }',
      found: 'nothing',
    });
  }
  const totals = readArray(mm.raw('totals'), mm.where('totals'), 'totals', {
    min: 1,
    max: LIMITS.maxWithdrawals,
    maxName: 'maxWithdrawals',
  }).map(({ value: v, at }) => decodeTotal(v, at));

  const signature = signed ? m.required('signature', signatureCodec) : undefined;
  const manifest: Manifest = Object.freeze({ count, totals: Object.freeze(totals) });
  checkManifest(manifest, withdrawals);
  return {
    format: BATCH_FORMAT,
    batchId,
    createdAt,
    expiresAt,
    network,
    coordinatorKeyId,
    manifest,
    withdrawals: Object.freeze(withdrawals),
    signature,
  };
}

/** Count and totals per (chain, asset), sorted: bitcoin before ethereum, native before tokens, tokens by address. */
export function computeManifest(withdrawals: readonly DeclaredWithdrawal[]): Manifest {
  const sums = new Map<string, { chain: Chain; asset: DeclaredAsset; amount: bigint }>();
  for (const w of withdrawals) {
    const key = assetKey(w.chain, w.asset);
    const entry = sums.get(key);
    if (entry === undefined) sums.set(key, { chain: w.chain, asset: w.asset, amount: w.amount });
    else entry.amount += w.amount;
  }
  const order = (t: ManifestTotal): string =>
    `${t.chain}:${t.asset.kind === 'native' ? '0' : `1${t.asset.contract}`}`;
  const totals = [...sums.values()].sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  return Object.freeze({
    count: withdrawals.length,
    totals: Object.freeze(totals.map((t) => Object.freeze(t))),
  });
}

function checkManifest(manifest: Manifest, withdrawals: readonly DeclaredWithdrawal[]): void {
  if (manifest.count !== withdrawals.length) {
    refuse(
      'MANIFEST_MISMATCH',
      `manifest.count declares ${manifest.count} withdrawals, but the batch holds ${withdrawals.length}`,
      { field: 'manifest.count', expected: String(withdrawals.length), found: String(manifest.count) },
    );
  }
  const actual = new Map(computeManifest(withdrawals).totals.map((t) => [assetKey(t.chain, t.asset), t]));
  const declaredAt = new Map<string, number>();
  manifest.totals.forEach((t, i) => {
    const key = assetKey(t.chain, t.asset);
    const words = assetWords(t.chain, t.asset);
    const field = `manifest.totals[${i}]`;
    const earlier = declaredAt.get(key);
    if (earlier !== undefined) {
      refuse('MANIFEST_MISMATCH', `the manifest lists ${words} twice (totals[${earlier}] and totals[${i}])`, {
        field,
        expected: `one total per chain and asset`,
        found: `a second total for ${words}`,
      });
    }
    declaredAt.set(key, i);
    const sum = actual.get(key);
    if (sum === undefined) {
      refuse(
        'MANIFEST_MISMATCH',
        `the manifest declares a total of ${t.amount} for ${words}, but no withdrawal moves ${words}`,
        {
          field: `${field}.amount`,
          expected: `no total for ${words}`,
          found: String(t.amount),
        },
      );
    }
    if (sum.amount !== t.amount) {
      refuse(
        'MANIFEST_MISMATCH',
        `the manifest total for ${words} is ${t.amount}, but the withdrawals add up to ${sum.amount}`,
        {
          field: `${field}.amount`,
          expected: String(sum.amount),
          found: String(t.amount),
        },
      );
    }
  });
  for (const [key, sum] of actual) {
    if (!declaredAt.has(key)) {
      const words = assetWords(sum.chain, sum.asset);
      refuse(
        'MANIFEST_MISMATCH',
        `the manifest has no total for ${words}, but the withdrawals move ${sum.amount} of it`,
        {
          field: 'manifest.totals',
          expected: `a total of ${sum.amount} for ${words}`,
          found: 'no total',
        },
      );
    }
  }
}

// --- public API ------------------------------------------------------------------------------------

/** Parse a signed batch file. Throws RefusalError; never returns a batch it would not sign. */
export function parseBatch(input: Uint8Array | string): ParsedBatch {
  const value = readJsonDocument(input, { what: 'the batch', maxBytes: 'maxBatchBytes' });
  const decoded = decodeBatch(value, true);
  return Object.freeze({ ...decoded, signature: decoded.signature!, wire: deepFreeze(value as BatchWire) });
}

/**
 * The 32-byte batch digest: SHA-256 of the JCS bytes of the batch object without `signature`. Takes a
 * parsed batch (digest of the received object) or a body/batch object built by `buildBatchBody`.
 */
export function batchDigest(batch: ParsedBatch | BatchBody | BatchWire): Uint8Array {
  if ('wire' in batch) return unsignedDigest(batch.wire);
  if (batch.format !== BATCH_FORMAT)
    throw new TypeError(`"batch" expected format ${BATCH_FORMAT}, got ${String(batch.format)}`);
  return unsignedDigest(batch);
}

/**
 * Check that `batch` is signed by the enrolled coordinator key it names and is fresh at `now`
 * (`now <= expiresAt`, `createdAt <= now + 5 min`). Signature first: the times of an unauthenticated
 * batch mean nothing.
 */
export function verifyBatch(
  batch: ParsedBatch,
  coordinators: ReadonlyMap<string, Uint8Array>,
  now: Date,
): VerifiedBatch {
  if (!(now instanceof Date) || Number.isNaN(now.getTime()))
    throw new TypeError('"now" expected a valid Date');
  const keyId = batch.coordinatorKeyId;
  const publicKey = coordinators.get(keyId);
  if (publicKey === undefined) {
    const known = [...coordinators.keys()];
    refuse(
      'UNKNOWN_COORDINATOR',
      `batch ${batch.batchId} is signed by coordinator key ${JSON.stringify(keyId)} (coordinatorKeyId), which is not enrolled on this appliance`,
      {
        field: 'coordinatorKeyId',
        expected:
          known.length === 0
            ? 'an enrolled coordinator key (none are enrolled)'
            : `one of ${known.join(', ')}`,
        found: keyId,
      },
    );
  }
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    throw new TypeError(`coordinator key "${keyId}" expected a 32-byte Ed25519 public key`);
  }
  const digest = batchDigest(batch);
  if (!verifyEd25519(batch.signature.value, digest, publicKey)) {
    refuse(
      'BATCH_SIGNATURE_INVALID',
      `the signature of batch ${batch.batchId} does not verify with coordinator key ${JSON.stringify(keyId)}: the batch was changed after signing, or signed with another key`,
      {
        field: 'signature.value',
        expected: `an Ed25519 signature by ${keyId} over batch digest ${bytesToHex(digest)}`,
        found: `${bytesToHex(batch.signature.value).slice(0, 16)}...`,
      },
    );
  }
  if (now.getTime() > batch.expiresAt.getTime()) {
    refuse(
      'BATCH_EXPIRED',
      `batch ${batch.batchId} expired at ${batch.expiresAt.toISOString()} (expiresAt); the appliance clock reads ${now.toISOString()}`,
      {
        field: 'expiresAt',
        expected: `a time not before ${now.toISOString()}`,
        found: batch.expiresAt.toISOString(),
      },
    );
  }
  const latest = new Date(now.getTime() + LIMITS.maxClockSkewMs);
  if (batch.createdAt.getTime() > latest.getTime()) {
    refuse(
      'BATCH_NOT_YET_VALID',
      `batch ${batch.batchId} was created at ${batch.createdAt.toISOString()} (createdAt), more than ${LIMITS.maxClockSkewMs / 60_000} minutes ahead of the appliance clock (${now.toISOString()}): check the appliance and coordinator clocks`,
      {
        field: 'createdAt',
        expected: `a time not after ${latest.toISOString()}`,
        found: batch.createdAt.toISOString(),
      },
    );
  }
  return Object.freeze({ ...batch, digest }) as VerifiedBatch;
}

function encodeWithdrawal(w: DeclaredWithdrawal): WithdrawalWire {
  if (typeof w !== 'object' || w === null) throw new TypeError('"withdrawal" expected an object');
  const fields = CHAIN_FIELDS[w.chain];
  if (fields === undefined)
    throw new TypeError(`"withdrawal.chain" expected bitcoin or ethereum, got ${String(w.chain)}`);
  if (w.chain === 'bitcoin' && w.nonce !== undefined)
    throw new TypeError(`withdrawal ${w.id}: a bitcoin withdrawal has no nonce`);
  if (w.chain === 'ethereum' && w.nonce === undefined)
    throw new TypeError(`withdrawal ${w.id}: an ethereum withdrawal needs a nonce`);
  return {
    id: w.id,
    chain: w.chain,
    asset: withdrawalAssetCodec.encode(w.asset),
    destination: w.destination,
    amount: fields.amount.encode(w.amount),
    feeCap: fields.feeCap.encode(w.feeCap),
    keyLabel: w.keyLabel,
    ...(w.nonce === undefined ? {} : { nonce: nonceCodec.encode(w.nonce) }),
    rawTx: w.rawTx,
  };
}

/**
 * Build the unsigned batch object (online node). Computes the manifest, then decodes the result with
 * the appliance's own parser: whatever the appliance would refuse is refused here, with the same
 * RefusalError, before it crosses the air gap. Programming errors (a number where a bigint belongs)
 * throw TypeError/RangeError.
 */
export function buildBatchBody(fields: BatchFields): BatchBody {
  const manifest = computeManifest(fields.withdrawals);
  const body: BatchBody = {
    format: BATCH_FORMAT,
    batchId: fields.batchId,
    createdAt: timestampCodec.encode(fields.createdAt),
    expiresAt: timestampCodec.encode(fields.expiresAt),
    network: fields.network,
    coordinatorKeyId: fields.coordinatorKeyId,
    manifest: {
      count: manifest.count,
      totals: manifest.totals.map((t) => ({
        chain: t.chain,
        asset: totalAssetCodec.encode(t.asset),
        amount: totalCodec.encode(t.amount),
      })),
    },
    withdrawals: fields.withdrawals.map(encodeWithdrawal),
  };
  assertPlainJson(body);
  // Through the appliance's whole reading path (size, depth, I-JSON, schema, manifest), not just the decoder.
  decodeBatch(
    readJsonDocument(JSON.stringify(body), { what: 'the batch', maxBytes: 'maxBatchBytes' }),
    false,
  );
  return deepFreeze(body);
}

/** The batch file text: indented JSON (the digest never depends on formatting). Refuses a batch the parser would. */
export function serializeBatch(batch: BatchWire): string {
  assertPlainJson(batch);
  const text = `${JSON.stringify(batch, null, 2)}\n`;
  decodeBatch(readJsonDocument(text, { what: 'the batch', maxBytes: 'maxBatchBytes' }), true);
  return text;
}
