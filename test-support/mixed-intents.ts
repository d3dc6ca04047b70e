/**
 * A large mixed batch of withdrawal intents for benchmarks and tests of the batch pipeline: half
 * Bitcoin P2WPKH (key `btc-1`, one made-up UTXO each), a quarter ETH and a quarter USDC (key `eth-1`,
 * consecutive nonces), to one Bitcoin and one Ethereum destination.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { Intents, WithdrawalIntent } from '../signer/online/intents.js';

export const MIXED_USDC = {
  contract: '0x1c7d4b196cb0c7b01d743fbc6116a902379c7238',
  symbol: 'USDC',
  decimals: 6,
};
export const MIXED_BTC_DEST = 'tb1q6chvjkdu84edy8hj6t9k65sxkechza8zjgzcmt';
export const MIXED_ETH_DEST = '0x8ba1f109551bD432803012645Ac136ddd64DBA72';

export function mixedIntents(count: number, batchId: string, validForMinutes: number): Intents {
  const withdrawals: WithdrawalIntent[] = [];
  for (let i = 0; i < count; i++) {
    const id = `wd-${String(i).padStart(6, '0')}`;
    if (i % 2 === 0) {
      const txid = Buffer.from(sha256(new TextEncoder().encode(`utxo-${i}`))).toString('hex');
      withdrawals.push({
        id,
        chain: 'bitcoin',
        asset: 'native',
        destination: MIXED_BTC_DEST,
        amount: 100_000n + BigInt(i),
        feeCap: 5_000n,
        keyLabel: 'btc-1',
        bitcoin: { inputType: 'p2wpkh', fee: 1_500n, utxos: [{ txid, vout: i % 4, amount: 1_000_000n }] },
      });
    } else {
      const token = i % 4 === 1;
      withdrawals.push({
        id,
        chain: 'ethereum',
        asset: token ? MIXED_USDC.contract : 'native',
        destination: MIXED_ETH_DEST,
        amount: token ? 1_000_000n + BigInt(i) : 10n ** 16n + BigInt(i),
        feeCap: 65_000n * 40_000_000_000n,
        keyLabel: 'eth-1',
        ethereum: {
          nonce: BigInt(i),
          gasLimit: token ? 65_000n : 21_000n,
          maxFeePerGas: 40_000_000_000n,
          maxPriorityFeePerGas: 1_500_000_000n,
        },
      });
    }
  }
  return { batchId, network: 'testnet', validForMinutes, withdrawals };
}
