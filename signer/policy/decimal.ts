/**
 * Exact fixed-point decimals for prices and USD values: bigint only, never a float.
 *
 * A decimal is `units / 10^scale` (`"65000.5"` is 650005 / 10^1). USD values are kept in micro-USD
 * (`USD_SCALE` = 6 fraction digits). A withdrawal's value is
 *
 *   usdMicros = ceil(amount * price.units * 10^6 / 10^(decimals + price.scale))
 *
 * rounded **up**, and USD thresholds may have at most 6 fraction digits. Rounding up to a grid that
 * contains every threshold keeps `value > threshold` exact: if the exact value is above a threshold
 * T (a multiple of 10^-6), so is its ceiling; if it is at or below T, its ceiling is at most T. So a
 * withdrawal worth 10,000.0000001 USD counts as 10,000.000001 USD, which is above 10,000, and one
 * worth exactly 10,000 USD is not.
 */

/** A non-negative decimal: `units / 10^scale`. */
export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

/** Fraction digits of USD values and thresholds: values are counted in micro-USD. */
export const USD_SCALE = 6;

const DECIMAL_TEXT = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

/**
 * Read decimal text such as `"65000"` or `"0.9998"` (digits, optional fraction, no sign, exponent or
 * leading zeros); undefined when `text` is not such a decimal or has more digits than allowed.
 */
export function parseDecimal(
  text: string,
  bounds: { readonly maxIntegerDigits: number; readonly maxFractionDigits: number },
): Decimal | undefined {
  const m = DECIMAL_TEXT.exec(text);
  if (m === null) return undefined;
  const whole = m[1]!;
  const fraction = m[2] ?? '';
  if (whole.length > bounds.maxIntegerDigits || fraction.length > bounds.maxFractionDigits) return undefined;
  return { units: BigInt(whole + fraction), scale: fraction.length };
}

/** `units / 10^scale` as decimal text without trailing fractional zeros: (1500n, 3) → "1.5". */
export function formatFixed(units: bigint, scale: number): string {
  if (units < 0n) throw new RangeError(`"units" expected a non-negative integer, got ${units}`);
  if (!Number.isSafeInteger(scale) || scale < 0) throw new RangeError(`"scale" expected >= 0, got ${scale}`);
  const base = 10n ** BigInt(scale);
  const fraction = (units % base).toString().padStart(scale, '0').replace(/0+$/, '');
  return fraction === '' ? `${units / base}` : `${units / base}.${fraction}`;
}

/** A decimal moved to micro-USD; RangeError when it has more than 6 fraction digits. */
export function toUsdMicros(d: Decimal): bigint {
  if (d.scale > USD_SCALE) throw new RangeError(`"d" expected at most ${USD_SCALE} fraction digits`);
  return d.units * 10n ** BigInt(USD_SCALE - d.scale);
}

/**
 * USD value in micro-USD of `amount` base units of an asset with `decimals` decimals, at `price`
 * USD per whole unit, rounded up (see the file comment for why up).
 */
export function usdValueMicros(amount: bigint, decimals: number, price: Decimal): bigint {
  if (amount < 0n) throw new RangeError(`"amount" expected a non-negative integer, got ${amount}`);
  if (!Number.isSafeInteger(decimals) || decimals < 0)
    throw new RangeError(`"decimals" expected >= 0, got ${decimals}`);
  const numerator = amount * price.units * 10n ** BigInt(USD_SCALE);
  const denominator = 10n ** BigInt(decimals + price.scale);
  const q = numerator / denominator;
  return numerator % denominator === 0n ? q : q + 1n;
}

/** micro-USD as decimal USD text: 10000000001n → "10000.000001". */
export function formatUsd(micros: bigint): string {
  return formatFixed(micros, USD_SCALE);
}
