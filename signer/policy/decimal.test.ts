/**
 * Fixed-point decimals (decimal.ts): strict decimal text, exact formatting, and USD values rounded
 * up to the micro-USD, proved against exact rational arithmetic with fast-check.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatFixed, formatUsd, parseDecimal, toUsdMicros, USD_SCALE, usdValueMicros } from './decimal.js';

const WIDE = { maxIntegerDigits: 30, maxFractionDigits: 30 };

test('decimal text: digits with an optional fraction, nothing else', () => {
  assert.deepEqual(parseDecimal('65000', WIDE), { units: 65000n, scale: 0 });
  assert.deepEqual(parseDecimal('0.9998', WIDE), { units: 9998n, scale: 4 });
  assert.deepEqual(parseDecimal('1.50', WIDE), { units: 150n, scale: 2 });
  for (const bad of ['', '.5', '5.', '-1', '+1', '01', '1e3', '1,5', ' 1', '1 ', '0x10', 'NaN', '١']) {
    assert.equal(parseDecimal(bad, WIDE), undefined, JSON.stringify(bad));
  }
  assert.equal(parseDecimal('1.234', { maxIntegerDigits: 5, maxFractionDigits: 2 }), undefined);
  assert.equal(parseDecimal('123456', { maxIntegerDigits: 5, maxFractionDigits: 2 }), undefined);
});

test('formatting drops trailing fractional zeros and nothing else', () => {
  assert.equal(formatFixed(1500n, 3), '1.5');
  assert.equal(formatFixed(1n, 8), '0.00000001');
  assert.equal(formatFixed(100n, 0), '100');
  assert.equal(formatUsd(10_000_000_001n), '10000.000001');
  assert.throws(() => formatFixed(-1n, 2), RangeError);
  assert.equal(toUsdMicros({ units: 15n, scale: 1 }), 1_500_000n);
  assert.throws(() => toUsdMicros({ units: 1n, scale: USD_SCALE + 1 }), RangeError);
});

test('USD value: exact when it falls on the micro-USD, else rounded up', () => {
  // 0.2 BTC at 50,000 USD is exactly 10,000 USD.
  assert.equal(usdValueMicros(20_000_000n, 8, { units: 50_000n, scale: 0 }), 10_000_000_000n);
  // 1 wei at 2,500 USD is 2.5e-15 USD: rounded up to one micro-USD, never to zero.
  assert.equal(usdValueMicros(1n, 18, { units: 2500n, scale: 0 }), 1n);
  assert.equal(usdValueMicros(0n, 18, { units: 2500n, scale: 0 }), 0n);
  // 1 USDC at 0.9998 USD.
  assert.equal(usdValueMicros(1_000_000n, 6, { units: 9998n, scale: 4 }), 999_800n);
  assert.throws(() => usdValueMicros(-1n, 8, { units: 1n, scale: 0 }), RangeError);
});

const decimalArb = fc.record({
  units: fc.bigInt({ min: 1n, max: 10n ** 30n }),
  scale: fc.integer({ min: 0, max: 18 }),
});

test('property: usdValueMicros is the ceiling of the exact value', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 1n << 200n }),
      fc.integer({ min: 0, max: 30 }),
      decimalArb,
      (amount, decimals, price) => {
        const v = usdValueMicros(amount, decimals, price);
        // exact = amount * price.units / 10^(decimals + price.scale) USD; v - 1 < exact * 10^6 <= v
        const scaled = amount * price.units * 10n ** BigInt(USD_SCALE);
        const den = 10n ** BigInt(decimals + price.scale);
        assert.ok(v * den >= scaled, 'not below the exact value');
        assert.ok(v === 0n || (v - 1n) * den < scaled, 'less than one micro-USD above it');
      },
    ),
    { numRuns: 500 },
  );
});

test('property: comparing rounded-up values with a threshold of at most 6 decimals is exact', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 10n ** 30n }),
      fc.integer({ min: 0, max: 24 }),
      decimalArb,
      fc.bigInt({ min: 0n, max: 10n ** 18n }),
      (amount, decimals, price, thresholdMicros) => {
        const above = usdValueMicros(amount, decimals, price) > thresholdMicros;
        const exactAbove =
          amount * price.units * 10n ** BigInt(USD_SCALE) >
          thresholdMicros * 10n ** BigInt(decimals + price.scale);
        assert.equal(above, exactAbove);
      },
    ),
    { numRuns: 500 },
  );
});

test('property: decimal text round-trips through parse and format', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 10n ** 40n }), fc.integer({ min: 0, max: 20 }), (units, scale) => {
      const text = formatFixed(units, scale);
      const d = parseDecimal(text, { maxIntegerDigits: 60, maxFractionDigits: 20 });
      assert.ok(d !== undefined, text);
      assert.equal(d.units * 10n ** BigInt(scale - d.scale), units);
    }),
    { numRuns: 500 },
  );
});
