/** The chain adapters by chain: the only place that lists them. Re-exports only besides the table. */
import type { Chain, ChainAdapter } from './adapter.js';
import { bitcoinAdapter } from './bitcoin/index.js';
import { ethereumAdapter } from './ethereum/index.js';

export type * from './adapter.js';

export const ADAPTERS: Readonly<Record<Chain, ChainAdapter<unknown>>> = Object.freeze({
  bitcoin: bitcoinAdapter as ChainAdapter<unknown>,
  ethereum: ethereumAdapter as ChainAdapter<unknown>,
});
