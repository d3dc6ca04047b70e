/**
 * Policy document `airlock.policy/v1` (docs/policy.md): strict parsing to typed values, one refusal
 * per rule naming the JSON path, and fast-check mutations that are either refused with a
 * `RefusalError` or parse.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { applyMutation, assertRefusal, mutationArbitrary } from '../../test-support/sample-batch.js';
import { type RefusalCode, RefusalError } from '../errors.js';
import { canonicalJson } from '../format/canonical.js';
import { policyDigestHex } from './digest.js';
import {
  BTC_DENIED,
  BTC_PAID,
  type Change,
  DAI,
  ETH_DENIED,
  ETH_PAID,
  samplePolicy,
  samplePolicyWire,
  USDC,
  wireWith,
} from './fixtures.js';
import { POLICY_LIMITS, parsePolicy, readPolicy } from './parse.js';

test('the sample policy parses to typed values', () => {
  const p = samplePolicy();
  assert.equal(p.format, 'airlock.policy/v1');
  assert.equal(p.version, 7);
  assert.deepEqual(p.effectiveFrom, new Date('2025-01-30T00:00:00Z'));
  assert.deepEqual(p.approvals, { default: 2, operators: 4 });
  assert.deepEqual(p.tiers, [
    { aboveUsdMicros: 10_000_000_000n, aboveUsdText: '10000', approvals: 3 },
    { aboveUsdMicros: 1_000_000_000_000n, aboveUsdText: '1000000', approvals: 4 },
  ]);
  assert.equal(p.newDestinationExtraApprovals, 1);
  assert.deepEqual(p.priceTable.asOf, new Date('2025-01-31T06:00:00Z'));
  assert.equal(p.priceTable.maxAgeHours, 24);
  assert.deepEqual(p.priceTable.prices.get('bitcoin/native'), { units: 50_000n, scale: 0 });
  assert.deepEqual(p.priceTable.prices.get(`ethereum/${USDC}`), { units: 1n, scale: 0 });
  assert.equal(p.priceTable.prices.has(`ethereum/${DAI}`), false);
  assert.deepEqual([...p.chains], ['bitcoin', 'ethereum']);
  assert.deepEqual([...p.tokenAllowlist], [USDC, DAI]);
  assert.deepEqual(p.limits.get('bitcoin/native'), {
    perWithdrawal: 2_500_000_000n,
    perRolling24h: 5_000_000_000n,
  });
  assert.equal(p.perBatchTotals.get('ethereum/native'), 800n * 10n ** 18n);
  assert.deepEqual([...p.destinations.get('bitcoin')!.deny], [BTC_DENIED]);
  assert.equal(p.destinations.get('bitcoin')!.allow, undefined);
  assert.deepEqual([...p.destinations.get('ethereum')!.deny], [ETH_DENIED.toLowerCase()]);
  assert.equal(p.feeCaps.get('bitcoin'), 500_000n);
  assert.equal(p.maxBatchAgeMinutes, 60);
  assert.deepEqual(p.wire, samplePolicyWire());
  assert.ok(Object.isFrozen(p) && Object.isFrozen(p.wire) && Object.isFrozen(p.tiers[0]));
  assert.ok(Object.isFrozen((p.wire.priceTable as Record<string, unknown>).prices));
});

test('the parser keeps its own copy: changing the input afterwards changes nothing', () => {
  const wire = samplePolicyWire();
  const p = parsePolicy(wire);
  const digest = policyDigestHex(p);
  (wire.approvals as Record<string, number>).default = 1;
  (wire.priceTable as { prices: Record<string, string> }).prices['bitcoin/native'] = '1';
  assert.equal(p.approvals.default, 2);
  assert.equal(policyDigestHex(p), digest);
  assert.equal((p.wire.approvals as Record<string, number>).default, 2);
});

test('addresses are stored in canonical form: Ethereum lower case, bech32 lower case; testnet accepted', () => {
  const p = samplePolicy(
    [['destinations', 'ethereum', 'allow'], [ETH_PAID.toUpperCase().replace('0X', '0x')]],
    [
      ['destinations', 'bitcoin', 'allow'],
      [BTC_PAID.toUpperCase(), 'tb1q6chvjkdu84edy8hj6t9k65sxkechza8zjgzcmt'],
    ],
  );
  assert.deepEqual([...p.destinations.get('ethereum')!.allow!], [ETH_PAID.toLowerCase()]);
  assert.deepEqual(
    [...p.destinations.get('bitcoin')!.allow!],
    [BTC_PAID, 'tb1q6chvjkdu84edy8hj6t9k65sxkechza8zjgzcmt'],
  );
});

test('prices and USD thresholds take decimal strings with fractions', () => {
  const p = samplePolicy(
    [['priceTable', 'prices', `ethereum/${USDC}`], '0.999812345678901234'],
    [['tiers', 0, 'aboveUsd'], '9999.999999'],
  );
  assert.deepEqual(p.priceTable.prices.get(`ethereum/${USDC}`), { units: 999812345678901234n, scale: 18 });
  assert.equal(p.tiers[0]!.aboveUsdMicros, 9_999_999_999n);
});

test('readPolicy: bytes and text read alike, strict I-JSON, size limit first', () => {
  const text = JSON.stringify(samplePolicyWire());
  assert.deepEqual(readPolicy(new TextEncoder().encode(text)).wire, readPolicy(text).wire);
  assertRefusal(
    () => readPolicy(`{"format":"airlock.policy/v1",${text.slice(1)}`),
    'MALFORMED_JSON',
    'format',
  );
  assertRefusal(() => readPolicy('{"format": '), 'MALFORMED_JSON');
  assertRefusal(() => readPolicy(' '.repeat(POLICY_LIMITS.maxPolicyBytes + 1)), 'LIMIT_EXCEEDED');
});

test('values that are not JSON data are refused', () => {
  assertRefusal(() => parsePolicy(wireWith([['version'], 7n])), 'SCHEMA_INVALID', 'version');
  assertRefusal(() => parsePolicy({ ...samplePolicyWire(), version: () => 7 }), 'SCHEMA_INVALID', '');
  assertRefusal(() => parsePolicy([]), 'SCHEMA_INVALID', '');
  assertRefusal(() => parsePolicy(null), 'SCHEMA_INVALID', '');
  assertRefusal(
    () => parsePolicy(wireWith([['effectiveFrom'], new Date('2025-01-30T00:00:00Z')])),
    'SCHEMA_INVALID',
    'effectiveFrom',
  );
});

const TOO_MANY_TIERS = Array.from({ length: POLICY_LIMITS.maxTiers + 1 }, (_, i) => ({
  aboveUsd: `${i + 1}`,
  approvals: 3,
}));

/** [what, changes, code, field]: each change breaks exactly one rule. */
const REFUSALS: readonly [string, Change[], RefusalCode, string][] = [
  ['format missing', [[['format'], undefined]], 'SCHEMA_INVALID', 'format'],
  ['format of another version', [[['format'], 'airlock.policy/v2']], 'UNSUPPORTED_VERSION', 'format'],
  ['format of a batch', [[['format'], 'airlock.batch/v1']], 'UNSUPPORTED_VERSION', 'format'],
  ['unknown member', [[['comment'], 'hello']], 'SCHEMA_INVALID', 'comment'],
  ['version missing', [[['version'], undefined]], 'SCHEMA_INVALID', 'version'],
  ['version 0', [[['version'], 0]], 'SCHEMA_INVALID', 'version'],
  ['version fractional', [[['version'], 7.5]], 'SCHEMA_INVALID', 'version'],
  ['version as string', [[['version'], '7']], 'SCHEMA_INVALID', 'version'],
  ['version beyond 2^53', [[['version'], 2 ** 53]], 'SCHEMA_INVALID', 'version'],
  ['effectiveFrom without time', [[['effectiveFrom'], '2025-01-30']], 'SCHEMA_INVALID', 'effectiveFrom'],
  ['approvals missing', [[['approvals'], undefined]], 'SCHEMA_INVALID', 'approvals'],
  ['default above operators', [[['approvals', 'default'], 5]], 'SCHEMA_INVALID', 'approvals.default'],
  ['default 0', [[['approvals', 'default'], 0]], 'SCHEMA_INVALID', 'approvals.default'],
  ['operators 0', [[['approvals', 'operators'], 0]], 'SCHEMA_INVALID', 'approvals.operators'],
  ['operators above the limit', [[['approvals', 'operators'], 65]], 'SCHEMA_INVALID', 'approvals.operators'],
  ['approvals with an extra member', [[['approvals', 'max'], 9]], 'SCHEMA_INVALID', 'approvals.max'],
  ['tier not above the default', [[['tiers', 0, 'approvals'], 2]], 'SCHEMA_INVALID', 'tiers[0].approvals'],
  ['tier not above the previous', [[['tiers', 1, 'approvals'], 3]], 'SCHEMA_INVALID', 'tiers[1].approvals'],
  ['tier above operators', [[['tiers', 1, 'approvals'], 5]], 'SCHEMA_INVALID', 'tiers[1].approvals'],
  [
    'tier thresholds not rising',
    [[['tiers', 1, 'aboveUsd'], '10000']],
    'SCHEMA_INVALID',
    'tiers[1].aboveUsd',
  ],
  ['tier threshold as number', [[['tiers', 0, 'aboveUsd'], 10000]], 'SCHEMA_INVALID', 'tiers[0].aboveUsd'],
  [
    'tier threshold below the micro-USD',
    [[['tiers', 0, 'aboveUsd'], '10000.0000001']],
    'SCHEMA_INVALID',
    'tiers[0].aboveUsd',
  ],
  ['tier threshold negative', [[['tiers', 0, 'aboveUsd'], '-1']], 'SCHEMA_INVALID', 'tiers[0].aboveUsd'],
  [
    'tier threshold with exponent',
    [[['tiers', 0, 'aboveUsd'], '1e4']],
    'SCHEMA_INVALID',
    'tiers[0].aboveUsd',
  ],
  [
    'tier threshold with leading zero',
    [[['tiers', 0, 'aboveUsd'], '010000']],
    'SCHEMA_INVALID',
    'tiers[0].aboveUsd',
  ],
  ['tier with extra member', [[['tiers', 0, 'flag'], true]], 'SCHEMA_INVALID', 'tiers[0].flag'],
  ['too many tiers', [[['tiers'], TOO_MANY_TIERS]], 'LIMIT_EXCEEDED', 'tiers'],
  [
    'extra approvals above operators',
    [[['newDestinationExtraApprovals'], 5]],
    'SCHEMA_INVALID',
    'newDestinationExtraApprovals',
  ],
  [
    'extra approvals negative',
    [[['newDestinationExtraApprovals'], -1]],
    'SCHEMA_INVALID',
    'newDestinationExtraApprovals',
  ],
  ['price table missing', [[['priceTable'], undefined]], 'SCHEMA_INVALID', 'priceTable'],
  ['price table without asOf', [[['priceTable', 'asOf'], undefined]], 'SCHEMA_INVALID', 'priceTable.asOf'],
  ['price table age 0', [[['priceTable', 'maxAgeHours'], 0]], 'SCHEMA_INVALID', 'priceTable.maxAgeHours'],
  [
    'price table age above 30 days',
    [[['priceTable', 'maxAgeHours'], 721]],
    'SCHEMA_INVALID',
    'priceTable.maxAgeHours',
  ],
  [
    'price as a JSON number',
    [[['priceTable', 'prices', 'bitcoin/native'], 50000]],
    'SCHEMA_INVALID',
    'priceTable.prices["bitcoin/native"]',
  ],
  [
    'price zero',
    [[['priceTable', 'prices', 'bitcoin/native'], '0.000']],
    'SCHEMA_INVALID',
    'priceTable.prices["bitcoin/native"]',
  ],
  [
    'price with exponent',
    [[['priceTable', 'prices', 'bitcoin/native'], '5e4']],
    'SCHEMA_INVALID',
    'priceTable.prices["bitcoin/native"]',
  ],
  [
    'price with 19 fraction digits',
    [[['priceTable', 'prices', 'bitcoin/native'], `1.${'1'.repeat(19)}`]],
    'SCHEMA_INVALID',
    'priceTable.prices["bitcoin/native"]',
  ],
  [
    'price with a space',
    [[['priceTable', 'prices', 'bitcoin/native'], ' 50000']],
    'SCHEMA_INVALID',
    'priceTable.prices["bitcoin/native"]',
  ],
  [
    'price key with upper-case contract',
    [[['priceTable', 'prices', `ethereum/${USDC.toUpperCase().replace('0X', '0x')}`], '1']],
    'SCHEMA_INVALID',
    `priceTable.prices["ethereum/${USDC.toUpperCase().replace('0X', '0x')}"]`,
  ],
  [
    'price key of a token on bitcoin',
    [[['priceTable', 'prices', `bitcoin/${USDC}`], '1']],
    'SCHEMA_INVALID',
    `priceTable.prices["bitcoin/${USDC}"]`,
  ],
  [
    'price key of an unknown chain',
    [[['priceTable', 'prices', 'solana/native'], '1']],
    'SCHEMA_INVALID',
    'priceTable.prices["solana/native"]',
  ],
  ['chains as a string', [[['chains'], 'bitcoin']], 'SCHEMA_INVALID', 'chains'],
  ['chain twice', [[['chains'], ['bitcoin', 'bitcoin']]], 'SCHEMA_INVALID', 'chains[1]'],
  ['unknown chain', [[['chains', 1], 'dogecoin']], 'SCHEMA_INVALID', 'chains[1]'],
  [
    'token in upper case',
    [[['tokenAllowlist', 0], USDC.toUpperCase().replace('0X', '0x')]],
    'SCHEMA_INVALID',
    'tokenAllowlist[0]',
  ],
  ['token twice', [[['tokenAllowlist', 1], USDC]], 'SCHEMA_INVALID', 'tokenAllowlist[1]'],
  ['tokens without ethereum', [[['chains'], ['bitcoin']]], 'SCHEMA_INVALID', 'tokenAllowlist'],
  [
    'limits of an allowed token missing',
    [[['limits', `ethereum/${USDC}`], undefined]],
    'SCHEMA_INVALID',
    `limits["ethereum/${USDC}"]`,
  ],
  [
    'limits of a native asset missing',
    [[['limits', 'bitcoin/native'], undefined]],
    'SCHEMA_INVALID',
    'limits["bitcoin/native"]',
  ],
  [
    'limit with a fraction',
    [[['limits', 'bitcoin/native', 'perWithdrawal'], '1.5']],
    'SCHEMA_INVALID',
    'limits["bitcoin/native"].perWithdrawal',
  ],
  [
    'limit with a leading zero',
    [[['limits', 'bitcoin/native', 'perWithdrawal'], '0100']],
    'SCHEMA_INVALID',
    'limits["bitcoin/native"].perWithdrawal',
  ],
  [
    'limit as a number',
    [[['limits', 'bitcoin/native', 'perRolling24h'], 5]],
    'SCHEMA_INVALID',
    'limits["bitcoin/native"].perRolling24h',
  ],
  [
    'limit beyond uint256',
    [[['limits', 'bitcoin/native', 'perRolling24h'], (1n << 256n).toString()]],
    'SCHEMA_INVALID',
    'limits["bitcoin/native"].perRolling24h',
  ],
  [
    'rolling limit missing',
    [[['limits', 'bitcoin/native', 'perRolling24h'], undefined]],
    'SCHEMA_INVALID',
    'limits["bitcoin/native"].perRolling24h',
  ],
  [
    'limits with an extra member',
    [[['limits', 'bitcoin/native', 'perDay'], '1']],
    'SCHEMA_INVALID',
    'limits["bitcoin/native"].perDay',
  ],
  [
    'per-batch total of an allowed token missing',
    [[['perBatchTotals', `ethereum/${DAI}`], undefined]],
    'SCHEMA_INVALID',
    `perBatchTotals["ethereum/${DAI}"]`,
  ],
  [
    'fee cap of an allowed chain missing',
    [[['feeCaps', 'ethereum'], undefined]],
    'SCHEMA_INVALID',
    'feeCaps.ethereum',
  ],
  ['fee cap of an unknown chain', [[['feeCaps', 'dogecoin'], '1']], 'SCHEMA_INVALID', 'feeCaps.dogecoin'],
  [
    'destinations of an unknown chain',
    [[['destinations', 'dogecoin'], { deny: [] }]],
    'SCHEMA_INVALID',
    'destinations.dogecoin',
  ],
  [
    'deny list missing',
    [[['destinations', 'ethereum', 'deny'], undefined]],
    'SCHEMA_INVALID',
    'destinations.ethereum.deny',
  ],
  [
    'Bitcoin address with a bad checksum',
    [[['destinations', 'bitcoin', 'deny', 0], 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5']],
    'SCHEMA_INVALID',
    'destinations.bitcoin.deny[0]',
  ],
  [
    'Bitcoin address in mixed case',
    [[['destinations', 'bitcoin', 'deny', 0], 'bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4']],
    'SCHEMA_INVALID',
    'destinations.bitcoin.deny[0]',
  ],
  [
    'regtest address',
    [[['destinations', 'bitcoin', 'deny', 0], 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080']],
    'SCHEMA_INVALID',
    'destinations.bitcoin.deny[0]',
  ],
  [
    'Ethereum address in a Bitcoin list',
    [[['destinations', 'bitcoin', 'deny', 0], ETH_PAID]],
    'SCHEMA_INVALID',
    'destinations.bitcoin.deny[0]',
  ],
  [
    'Ethereum address with a wrong EIP-55 checksum',
    [[['destinations', 'ethereum', 'deny', 0], '0x8ba1f109551bd432803012645Ac136ddd64DBA72']],
    'SCHEMA_INVALID',
    'destinations.ethereum.deny[0]',
  ],
  [
    'the same address twice in one list',
    [
      [
        ['destinations', 'bitcoin', 'deny'],
        [BTC_DENIED, BTC_PAID, BTC_PAID.toUpperCase()],
      ],
    ],
    'SCHEMA_INVALID',
    'destinations.bitcoin.deny[2]',
  ],
  [
    'an address both allowed and denied',
    [
      [
        ['destinations', 'ethereum', 'allow'],
        [ETH_PAID, ETH_DENIED],
      ],
    ],
    'SCHEMA_INVALID',
    'destinations.ethereum.allow[1]',
  ],
  [
    'a list over the limit',
    [[['destinations', 'bitcoin', 'deny'], Array(POLICY_LIMITS.maxListEntries + 1).fill(BTC_DENIED)]],
    'LIMIT_EXCEEDED',
    'destinations.bitcoin.deny',
  ],
  ['batch age 0', [[['maxBatchAgeMinutes'], 0]], 'SCHEMA_INVALID', 'maxBatchAgeMinutes'],
  ['batch age above a week', [[['maxBatchAgeMinutes'], 10_081]], 'SCHEMA_INVALID', 'maxBatchAgeMinutes'],
];

for (const [what, changes, code, field] of REFUSALS) {
  test(`refused: ${what} (${code} at ${field})`, () => {
    const e = assertRefusal(() => parsePolicy(wireWith(...changes)), code, field);
    assert.ok(
      e.expected !== undefined && e.found !== undefined,
      `expected and found are named: ${e.message}`,
    );
  });
}

test('a refusal says what was expected and what was found', () => {
  const e = assertRefusal(
    () => parsePolicy(wireWith([['tiers', 1, 'aboveUsd'], '10000'])),
    'SCHEMA_INVALID',
    'tiers[1].aboveUsd',
  );
  assert.equal(
    e.message,
    `tiers[1].aboveUsd must be above the previous tier's 10000 USD (tiers rise) (expected more than 10000 USD, found "10000")`,
  );
  assert.equal(e.expected, 'more than 10000 USD');
  assert.equal(e.found, '"10000"');
  const l = assertRefusal(
    () => parsePolicy(wireWith([['limits', `ethereum/${USDC}`], undefined])),
    'SCHEMA_INVALID',
    `limits["ethereum/${USDC}"]`,
  );
  assert.match(
    l.message,
    /^limits has no entry for ethereum\/0xa0b8\S+, which the policy allows \(expected an entry for every allowed asset \(bitcoin\/native, ethereum\/native, /,
  );
});

test('limits, totals and fee caps may also cover assets the policy does not allow yet', () => {
  const p = samplePolicy([['chains'], ['bitcoin']], [['tokenAllowlist'], []]);
  assert.deepEqual([...p.chains], ['bitcoin']);
  assert.equal(p.limits.has('ethereum/native'), true);
});

test('property: any mutation of the sample is either refused with a RefusalError or parses to its own digest', () => {
  const sample = samplePolicyWire();
  const sampleText = canonicalJson(sample);
  fc.assert(
    fc.property(mutationArbitrary(sample), (m) => {
      const mutatedWire = applyMutation(sample, m);
      let policy: ReturnType<typeof parsePolicy>;
      try {
        policy = parsePolicy(mutatedWire);
      } catch (e) {
        if (e instanceof RefusalError) return;
        throw e;
      }
      // What parsed is exactly what was given, and the digest sees any change.
      assert.deepEqual(policy.wire, mutatedWire);
      assert.equal(
        canonicalJson(policy.wire) === sampleText,
        policyDigestHex(policy) === policyDigestHex(samplePolicy()),
      );
    }),
    { numRuns: 400 },
  );
});
