/**
 * Ether denominations for display (1 gwei = 10^9 wei, 1 ether = 10^18 wei). Exact: bigint
 * arithmetic, no rounding, trailing fractional zeros dropped.
 */

/** `amount` base units as a decimal with `decimals` fractional digits: formatUnits(1500n, 3) = "1.5". */
export function formatUnits(amount: bigint, decimals: number): string {
  if (amount < 0n) throw new RangeError(`"amount" expected a non-negative integer, got ${amount}`);
  if (!Number.isSafeInteger(decimals) || decimals < 0)
    throw new RangeError(`"decimals" expected >= 0, got ${decimals}`);
  const base = 10n ** BigInt(decimals);
  const whole = amount / base;
  const fraction = (amount % base).toString().padStart(decimals, '0').replace(/0+$/, '');
  return fraction === '' ? `${whole}` : `${whole}.${fraction}`;
}

/** Wei per gas as gwei text: 30000000000n → "30 gwei", 1500000001n → "1.500000001 gwei". */
export function formatGwei(wei: bigint): string {
  return `${formatUnits(wei, 9)} gwei`;
}
