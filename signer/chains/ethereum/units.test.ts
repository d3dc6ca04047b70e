/** Exact ether denominations for display (units.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatGwei, formatUnits } from './units.js';

test('formatGwei: whole, fractional and sub-gwei values, exact', () => {
  assert.equal(formatGwei(30_000_000_000n), '30 gwei');
  assert.equal(formatGwei(1_500_000_001n), '1.500000001 gwei');
  assert.equal(formatGwei(1n), '0.000000001 gwei');
  assert.equal(formatGwei(0n), '0 gwei');
  assert.equal(formatGwei((1n << 256n) - 1n).length > 70, true);
});

test('formatUnits: decimals 0, 6 and 18; negative amounts and decimals refused', () => {
  assert.equal(formatUnits(123n, 0), '123');
  assert.equal(formatUnits(2_500_000n, 6), '2.5');
  assert.equal(formatUnits(10n ** 18n, 18), '1');
  assert.throws(() => formatUnits(-1n, 18), RangeError);
  assert.throws(() => formatUnits(1n, -1), RangeError);
});
