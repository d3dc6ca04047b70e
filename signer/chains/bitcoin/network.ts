/**
 * Bitcoin network parameters for the two networks Airlock knows: address prefixes only.
 *
 * Specs: BIP-173 (bech32 human-readable part), base58check version bytes of Bitcoin Core's
 * chainparams. 'testnet' covers testnet3, testnet4 and signet, which share these prefixes.
 * Invariants: frozen tables; regtest ('bcrt') is deliberately absent.
 */

import { missingCaseError } from '../../errors.js';
import type { Network } from '../adapter.js';

export interface BitcoinNetworkParams {
  /** Name shown in refusals. */
  readonly name: string;
  /** bech32 / bech32m human-readable part. */
  readonly hrp: string;
  /** base58check version byte of P2PKH addresses. */
  readonly p2pkhVersion: number;
  /** base58check version byte of P2SH addresses. */
  readonly p2shVersion: number;
}

export const BITCOIN_MAINNET: BitcoinNetworkParams = Object.freeze({
  name: 'bitcoin mainnet',
  hrp: 'bc',
  p2pkhVersion: 0x00,
  p2shVersion: 0x05,
});

export const BITCOIN_TESTNET: BitcoinNetworkParams = Object.freeze({
  name: 'bitcoin testnet',
  hrp: 'tb',
  p2pkhVersion: 0x6f,
  p2shVersion: 0xc4,
});

/** Prefixes of networks Airlock does not sign for, to name them in refusals. */
export const OTHER_BECH32_HRPS: Readonly<Record<string, string>> = Object.freeze({ bcrt: 'bitcoin regtest' });

export function networkParams(network: Network): BitcoinNetworkParams {
  switch (network) {
    case 'mainnet':
      return BITCOIN_MAINNET;
    case 'testnet':
      return BITCOIN_TESTNET;
    default:
      throw missingCaseError(network);
  }
}

export function allNetworkParams(): readonly BitcoinNetworkParams[] {
  return [BITCOIN_MAINNET, BITCOIN_TESTNET];
}
