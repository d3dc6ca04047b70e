/**
 * What a batch's `network` means on each chain. One table, so a batch can never be Bitcoin testnet
 * and Ethereum mainnet at once.
 */
import type { Network } from './chains/adapter.js';

export interface NetworkParams {
  readonly bitcoin: 'mainnet' | 'testnet';
  /** EIP-155 chain id. */
  readonly ethereumChainId: bigint;
  readonly ethereumName: string;
}

export const NETWORKS: Readonly<Record<Network, NetworkParams>> = Object.freeze({
  mainnet: { bitcoin: 'mainnet', ethereumChainId: 1n, ethereumName: 'Ethereum mainnet' },
  testnet: { bitcoin: 'testnet', ethereumChainId: 11155111n, ethereumName: 'Sepolia' },
});
