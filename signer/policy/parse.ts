/**
 * Strict reader of the policy document `airlock.policy/v1` (docs/policy.md): `unknown` in, a typed,
 * frozen `Policy` out, or a `RefusalError` — `SCHEMA_INVALID` naming the JSON path, what was expected
 * and what was found; `UNSUPPORTED_VERSION` for another `format`; `LIMIT_EXCEEDED` for an oversized
 * document or list.
 *
 * Deny by default, as everywhere in Airlock: unknown members are refused at every level; every
 * amount is a decimal string of base units and every price a decimal string (never a JSON number,
 * which a reader may round); addresses are checked (Bitcoin checksums and prefixes, Ethereum EIP-55)
 * so that a typo in a deny list cannot silently deny nothing; and the document must be complete —
 * every allowed chain needs a fee cap, every allowed asset its limits and per-batch total — so no
 * asset is ever half-configured. The invariants the evaluator relies on are listed in document.ts.
 */
import type { Chain } from '../chains/adapter.js';
import { decodeAddress } from '../chains/bitcoin/address.js';
import { allNetworkParams } from '../chains/bitcoin/network.js';
import { parseAddressText } from '../chains/ethereum/address.js';
import { refuse } from '../errors.js';
import { assertPlainJson, deepFreeze, type JsonObject } from '../format/canonical.js';
import {
  type At,
  type Codec,
  chainCodec,
  integerString,
  invalid,
  isPlainObject,
  Members,
  timestampCodec,
} from '../format/fields.js';
import { jsonPath, readJsonDocument, utf8Length } from '../format/strict-json.js';
import { checkFormat } from '../format/versions.js';
import { type Decimal, parseDecimal, toUsdMicros, USD_SCALE } from './decimal.js';
import {
  type AssetKey,
  type AssetLimits,
  type DestinationLists,
  POLICY_FORMAT,
  type Policy,
  type Tier,
} from './document.js';

/** Bounds of a policy document, checked before the work they bound. */
export const POLICY_LIMITS = Object.freeze({
  /** Bytes of a policy file, checked before decoding or JSON parsing. */
  maxPolicyBytes: 4 * 1024 * 1024,
  /** Operators N (and so any approval count). */
  maxOperators: 64,
  maxTiers: 16,
  maxTokens: 1_000,
  /** Entries of one destination allow or deny list. */
  maxListEntries: 50_000,
  /** Assets in the price table, the limits and the per-batch totals. */
  maxAssets: 1_100,
  /** priceTable.maxAgeHours: a price table may never be trusted for more than 30 days. */
  maxPriceAgeHours: 30 * 24,
  /** maxBatchAgeMinutes: at most a week. */
  maxBatchAgeMinutes: 7 * 24 * 60,
  /** Digits of the whole part of a USD threshold (below a quadrillion USD). */
  maxUsdIntegerDigits: 15,
  maxPriceIntegerDigits: 24,
  maxPriceFractionDigits: 18,
});

const MAX_UINT256 = (1n << 256n) - 1n;
const ASSET_KEY = /^(?:bitcoin\/native|ethereum\/native|ethereum\/0x[0-9a-f]{40})$/;
const CONTRACT = /^0x[0-9a-f]{40}$/;

const TOP_MEMBERS = [
  'format',
  'version',
  'effectiveFrom',
  'approvals',
  'tiers',
  'newDestinationExtraApprovals',
  'priceTable',
  'chains',
  'tokenAllowlist',
  'limits',
  'perBatchTotals',
  'destinations',
  'feeCaps',
  'maxBatchAgeMinutes',
] as const;

/** Read a policy file (bytes or text): size, strict I-JSON (strict-json.ts), then `parsePolicy`. */
export function readPolicy(input: Uint8Array | string): Policy {
  const bytes = typeof input === 'string' ? utf8Length(input) : input.byteLength;
  if (bytes > POLICY_LIMITS.maxPolicyBytes) {
    refuse('LIMIT_EXCEEDED', `the policy has ${bytes} bytes, above the limit maxPolicyBytes`, {
      expected: `at most ${POLICY_LIMITS.maxPolicyBytes} bytes`,
      found: `${bytes} bytes`,
    });
  }
  return parsePolicy(readJsonDocument(input, { what: 'the policy', maxBytes: 'maxBatchBytes' }));
}

/** Parse a policy document from a JSON value. Throws RefusalError. */
export function parsePolicy(value: unknown): Policy {
  // Read a private copy, so that what was checked is exactly what is kept and digested.
  let doc: unknown;
  try {
    doc = structuredClone(value);
  } catch {
    invalid({ field: '' }, 'the policy is not JSON data', 'a JSON object', value);
  }
  if (!isPlainObject(doc)) invalid({ field: '' }, 'the policy must be a JSON object', 'a JSON object', doc);
  checkFormat(doc, POLICY_FORMAT, 'policy');
  const m = Members.read(doc, { field: '' }, 'a policy document', TOP_MEMBERS);

  const version = m.required('version', wholeNumber('the policy version', 1, Number.MAX_SAFE_INTEGER));
  const effectiveFrom = m.required('effectiveFrom', timestampCodec);
  const approvals = readApprovals(m);
  const tiers = readTiers(m, approvals);
  const newDestinationExtraApprovals = m.required(
    'newDestinationExtraApprovals',
    wholeNumber('extra approvals for a destination never paid before', 0, approvals.operators),
  );
  const priceTable = readPriceTable(m);
  const chains = readList(m, 'chains', 'chains', 2, chainCodec, (c) => c);
  const tokens = readList(
    m,
    'tokenAllowlist',
    'token contracts',
    POLICY_LIMITS.maxTokens,
    contractCodec,
    (c) => c,
  );
  if (tokens.length > 0 && !chains.includes('ethereum')) {
    invalid(
      m.where('tokenAllowlist'),
      'lists ERC-20 tokens but chains does not allow ethereum',
      'an empty list, or "ethereum" in chains',
      m.raw('tokenAllowlist'),
    );
  }
  const allowed: AssetKey[] = [...chains.map((c) => `${c}/native`), ...tokens.map((t) => `ethereum/${t}`)];

  const limits = readAssetRecord(m, 'limits', 'limits per asset', allowed, readAssetLimits);
  const perBatchTotals = readAssetRecord(m, 'perBatchTotals', 'totals per asset', allowed, (v, at) =>
    baseUnits('a per-batch total in base units').decode(v, at),
  );
  const feeCaps = readChainRecord(m, 'feeCaps', 'fee caps per chain', chains, (v, at) =>
    baseUnits('a fee cap in base units of the chain’s native asset').decode(v, at),
  );
  const destinations = readChainRecord(
    m,
    'destinations',
    'destination lists per chain',
    [],
    readDestinationLists,
  );
  const maxBatchAgeMinutes = m.required(
    'maxBatchAgeMinutes',
    wholeNumber('the largest age of a batch in minutes', 1, POLICY_LIMITS.maxBatchAgeMinutes),
  );

  assertPlainJson(doc);
  const policy = {
    format: POLICY_FORMAT,
    version,
    effectiveFrom,
    approvals,
    tiers,
    newDestinationExtraApprovals,
    priceTable,
    limits,
    perBatchTotals,
    chains: new Set(chains),
    tokenAllowlist: new Set(tokens),
    destinations,
    feeCaps,
    maxBatchAgeMinutes,
    wire: deepFreeze(doc as JsonObject),
  };
  return Object.freeze(policy) as unknown as Policy;
}

// --- members ---------------------------------------------------------------------------------------

function readApprovals(m: Members): Policy['approvals'] {
  const at = m.where('approvals');
  if (!m.has('approvals')) missing(at, 'an object {"default": M, "operators": N}');
  const a = Members.read(m.raw('approvals'), at, 'the approvals', ['default', 'operators']);
  const operators = a.required('operators', wholeNumber('operators N', 1, POLICY_LIMITS.maxOperators));
  const dflt = a.required('default', wholeNumber('default approvals M', 1, operators));
  return Object.freeze({ default: dflt, operators });
}

function readTiers(m: Members, approvals: Policy['approvals']): readonly Tier[] {
  const tiers: Tier[] = [];
  for (const { value, at } of readArrayMember(m, 'tiers', 'tiers', POLICY_LIMITS.maxTiers)) {
    const t = Members.read(value, at, 'a tier', ['aboveUsd', 'approvals']);
    const above = t.required('aboveUsd', usdCodec);
    const prev = tiers[tiers.length - 1];
    if (prev !== undefined && above.micros <= prev.aboveUsdMicros) {
      invalid(
        t.where('aboveUsd'),
        `must be above the previous tier's ${prev.aboveUsdText} USD (tiers rise)`,
        `more than ${prev.aboveUsdText} USD`,
        above.text,
      );
    }
    const floor = prev?.approvals ?? approvals.default;
    const n = t.required(
      'approvals',
      wholeNumber(
        `approvals above ${above.text} USD: more than ${prev === undefined ? 'the default' : 'the previous tier'} (${floor}), at most operators`,
        floor + 1,
        approvals.operators,
      ),
    );
    tiers.push(Object.freeze({ aboveUsdMicros: above.micros, aboveUsdText: above.text, approvals: n }));
  }
  return Object.freeze(tiers);
}

function readPriceTable(m: Members): Policy['priceTable'] {
  const at = m.where('priceTable');
  if (!m.has('priceTable')) missing(at, 'an object {"asOf", "maxAgeHours", "prices"}');
  const p = Members.read(m.raw('priceTable'), at, 'the price table', ['asOf', 'maxAgeHours', 'prices']);
  const asOf = p.required('asOf', timestampCodec);
  const maxAgeHours = p.required(
    'maxAgeHours',
    wholeNumber('the largest age of the price table in hours', 1, POLICY_LIMITS.maxPriceAgeHours),
  );
  const prices = new Map<AssetKey, Decimal>();
  const priceTexts = new Map<AssetKey, string>();
  for (const { key, value, at: keyAt } of readRecord(
    p,
    'prices',
    'prices per asset',
    POLICY_LIMITS.maxAssets,
  )) {
    checkAssetKey(key, keyAt);
    const price = priceCodec.decode(value, keyAt);
    prices.set(key, price.value);
    priceTexts.set(key, price.text);
  }
  return Object.freeze({ asOf, maxAgeHours, prices, priceTexts });
}

function readAssetLimits(value: unknown, at: At): AssetLimits {
  const l = Members.read(value, at, 'the limits of an asset', ['perWithdrawal', 'perRolling24h']);
  return Object.freeze({
    perWithdrawal: l.required('perWithdrawal', baseUnits('the most one withdrawal may move, in base units')),
    perRolling24h: l.required(
      'perRolling24h',
      baseUnits('the most that may be signed within any 24 hours, in base units'),
    ),
  });
}

function readDestinationLists(value: unknown, at: At, chain: Chain): DestinationLists {
  const d = Members.read(value, at, 'the destination lists of a chain', ['allow', 'deny']);
  const codec = addressCodec(chain);
  const deny = new Set(
    readList(d, 'deny', `${chain} addresses`, POLICY_LIMITS.maxListEntries, codec, (a) => a),
  );
  if (!d.has('allow')) return Object.freeze({ allow: undefined, deny });
  const allowList = readList(d, 'allow', `${chain} addresses`, POLICY_LIMITS.maxListEntries, codec, (a) => a);
  allowList.forEach((address, i) => {
    if (deny.has(address)) {
      invalid(
        { field: jsonPath(d.where('allow').field, i) },
        'is also in the deny list',
        'each address in at most one of allow and deny',
        address,
      );
    }
  });
  return Object.freeze({ allow: new Set(allowList), deny });
}

// --- structure helpers -----------------------------------------------------------------------------

function missing(at: At, expected: string): never {
  return refuse('SCHEMA_INVALID', `${at.field} is missing`, { field: at.field, expected, found: 'nothing' });
}

function tooMany(at: At, found: number, max: number, what: string): never {
  return refuse('LIMIT_EXCEEDED', `${at.field} holds ${found} ${what}, above the limit of ${max}`, {
    field: at.field,
    expected: `at most ${max} ${what}`,
    found: `${found} ${what}`,
  });
}

function readArrayMember(
  m: Members,
  name: string,
  what: string,
  max: number,
): readonly { readonly value: unknown; readonly at: At }[] {
  const at = m.where(name);
  if (!m.has(name)) missing(at, `a JSON array of ${what} (may be empty)`);
  const value = m.raw(name);
  if (!Array.isArray(value)) invalid(at, `must be an array of ${what}`, `a JSON array of ${what}`, value);
  if (value.length > max) tooMany(at, value.length, max, what);
  return value.map((item, i) => ({ value: item, at: { field: jsonPath(at.field, i) } }));
}

/** A list member whose items are decoded by `codec`; the same item twice is refused. */
function readList<T>(
  m: Members,
  name: string,
  what: string,
  max: number,
  codec: Codec<unknown, T>,
  keyOf: (t: T) => string,
): T[] {
  const seen = new Set<string>();
  return readArrayMember(m, name, what, max).map(({ value, at }) => {
    const item = codec.decode(value, at);
    const key = keyOf(item);
    if (seen.has(key)) invalid(at, 'appears twice in the list', `each of ${what} once`, value);
    seen.add(key);
    return item;
  });
}

/** An object member used as a map: each member name and value with its place. */
function readRecord(
  m: Members,
  name: string,
  what: string,
  max: number,
): readonly { readonly key: string; readonly value: unknown; readonly at: At }[] {
  const at = m.where(name);
  if (!m.has(name)) missing(at, `a JSON object of ${what} (may be empty)`);
  const value = m.raw(name);
  if (!isPlainObject(value)) invalid(at, `must be an object of ${what}`, `a JSON object of ${what}`, value);
  const keys = Object.keys(value);
  if (keys.length > max) tooMany(at, keys.length, max, what);
  return keys.map((key) => ({ key, value: value[key], at: { field: jsonPath(at.field, key) } }));
}

function checkAssetKey(key: string, at: At): void {
  if (!ASSET_KEY.test(key)) {
    invalid(
      at,
      'is not an asset key',
      '"bitcoin/native", "ethereum/native" or "ethereum/0x" and 40 lower-case hex digits',
      key,
    );
  }
}

/**
 * A map by asset key that must have an entry for every allowed asset (it may have more: they apply
 * once their asset is allowed).
 */
function readAssetRecord<T>(
  m: Members,
  name: string,
  what: string,
  allowed: readonly AssetKey[],
  decode: (value: unknown, at: At) => T,
): ReadonlyMap<AssetKey, T> {
  const out = new Map<AssetKey, T>();
  for (const { key, value, at } of readRecord(m, name, what, POLICY_LIMITS.maxAssets)) {
    checkAssetKey(key, at);
    out.set(key, decode(value, at));
  }
  for (const key of allowed) {
    if (!out.has(key)) {
      refuse('SCHEMA_INVALID', `${name} has no entry for ${key}, which the policy allows`, {
        field: jsonPath(m.where(name).field, key),
        expected: `an entry for every allowed asset (${allowed.join(', ')})`,
        found: 'nothing',
      });
    }
  }
  return out;
}

/** A map by chain; with `required`, it must have an entry for each of those chains. */
function readChainRecord<T>(
  m: Members,
  name: string,
  what: string,
  required: readonly Chain[],
  decode: (value: unknown, at: At, chain: Chain) => T,
): ReadonlyMap<Chain, T> {
  const out = new Map<Chain, T>();
  for (const { key, value, at } of readRecord(m, name, what, POLICY_LIMITS.maxAssets)) {
    const chain = chainCodec.decode(key, at);
    out.set(chain, decode(value, at, chain));
  }
  for (const chain of required) {
    if (!out.has(chain)) {
      refuse('SCHEMA_INVALID', `${name} has no entry for ${chain}, which the policy allows`, {
        field: jsonPath(m.where(name).field, chain),
        expected: `an entry for every allowed chain (${required.join(', ')})`,
        found: 'nothing',
      });
    }
  }
  return out;
}

// --- scalar codecs ---------------------------------------------------------------------------------

function wholeNumber(what: string, min: number, max: number): Codec<number, number> {
  const expected = `${what}: a whole JSON number from ${min} to ${max}`;
  return {
    expected,
    decode(wire, at) {
      if (typeof wire !== 'number' || !Number.isSafeInteger(wire))
        invalid(at, 'must be a whole JSON number', expected, wire);
      if (wire < min) invalid(at, `must be at least ${min}`, expected, wire);
      if (wire > max) invalid(at, `must be at most ${max}`, expected, wire);
      return wire;
    },
    encode: (value) => value,
  };
}

function baseUnits(what: string): Codec<string, bigint> {
  return integerString({
    what,
    min: 0n,
    max: MAX_UINT256,
    maxWords: '2^256-1 (the largest uint256)',
    digitsLimit: 'maxAmountDigits',
  });
}

const USD_EXPECTED = `USD as a decimal string such as "10000" or "10000.50": digits, at most ${USD_SCALE} after the point, no sign or exponent`;

const usdCodec: Codec<string, { readonly micros: bigint; readonly text: string }> = {
  expected: USD_EXPECTED,
  decode(wire, at) {
    if (typeof wire !== 'string') invalid(at, 'must be a JSON string', USD_EXPECTED, wire);
    const d = parseDecimal(wire, {
      maxIntegerDigits: POLICY_LIMITS.maxUsdIntegerDigits,
      maxFractionDigits: USD_SCALE,
    });
    if (d === undefined) invalid(at, 'is not a USD amount', USD_EXPECTED, wire);
    return { micros: toUsdMicros(d), text: wire };
  },
  encode: (value) => value.text,
};

const PRICE_EXPECTED = `USD per whole unit as a decimal string such as "65000" or "0.9998", above zero, at most ${POLICY_LIMITS.maxPriceFractionDigits} digits after the point`;

const priceCodec: Codec<string, { readonly value: Decimal; readonly text: string }> = {
  expected: PRICE_EXPECTED,
  decode(wire, at) {
    if (typeof wire !== 'string') invalid(at, 'must be a JSON string', PRICE_EXPECTED, wire);
    const d = parseDecimal(wire, {
      maxIntegerDigits: POLICY_LIMITS.maxPriceIntegerDigits,
      maxFractionDigits: POLICY_LIMITS.maxPriceFractionDigits,
    });
    if (d === undefined) invalid(at, 'is not a price', PRICE_EXPECTED, wire);
    // A zero price would value every withdrawal at 0 USD and so skip every tier.
    if (d.units === 0n) invalid(at, 'must be above zero', PRICE_EXPECTED, wire);
    return { value: d, text: wire };
  },
  encode: (value) => value.text,
};

const CONTRACT_EXPECTED = 'an ERC-20 contract as 0x and 40 lower-case hex digits';

const contractCodec: Codec<string, string> = {
  expected: CONTRACT_EXPECTED,
  decode(wire, at) {
    if (typeof wire !== 'string' || !CONTRACT.test(wire))
      invalid(at, 'must be a lower-case 0x contract address', CONTRACT_EXPECTED, wire);
    return wire;
  },
  encode: (value) => value,
};

/** An address of `chain`, returned in canonical form (document.ts `destinationKey`). */
function addressCodec(chain: Chain): Codec<string, string> {
  const expected =
    chain === 'bitcoin'
      ? 'a Bitcoin mainnet or testnet address (P2PKH, P2SH, P2WPKH, P2WSH or P2TR)'
      : 'an Ethereum address: 0x and 40 hex digits (EIP-55 checksum when mixed case)';
  return {
    expected,
    decode(wire, at) {
      if (typeof wire !== 'string') invalid(at, 'must be a JSON string', expected, wire);
      if (chain === 'ethereum') {
        const parsed = parseAddressText(wire);
        if (!parsed.ok) invalid(at, parsed.reason, parsed.expected, wire);
        return parsed.address;
      }
      const results = allNetworkParams().map((net) => decodeAddress(wire, net));
      for (const r of results) if (r.ok) return r.address;
      // Prefer the reason that is not "this is a <other network> address".
      const reasons = results.map((r) => (r.ok ? '' : r.reason));
      const reason = reasons.find((r) => !r.startsWith('this is a')) ?? reasons[0] ?? 'is not an address';
      return invalid(at, `is not a Bitcoin address: ${reason}`, expected, wire);
    },
    encode: (value) => value,
  };
}
