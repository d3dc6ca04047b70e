/**
 * The Bitcoin chain adapter: PSBT (BIP-174 v0 / BIP-370 v2) in, signing digests out, signatures
 * in, a signed transaction or a cosigner PSBT out. Pure: no I/O, no clock.
 *
 * Accepted shapes (everything else refused): inputs P2WPKH, P2WSH bare multisig or P2TR key path
 * of the signing key, SIGHASH_ALL; exactly one payment output to an address of the network; all
 * other outputs change to enrolled keys. See decode.ts and assemble.ts.
 * Invariant: `canonicalDestination` and the decoded `destination` use the same encoder
 * (address.ts), so equal destinations compare equal as strings.
 */

import { refuse } from '../../errors.js';
import type { AdapterContext, ChainAdapter } from '../adapter.js';
import { decodeAddress } from './address.js';
import { assembleBitcoin } from './assemble.js';
import { type BitcoinState, decodeBitcoin } from './decode.js';
import { networkParams } from './network.js';

/** Canonical form of a declared Bitcoin address; refuses MISMATCH_DESTINATION when it is not one of ctx.network. */
export function canonicalBitcoinDestination(
  address: string,
  ctx: AdapterContext,
  withdrawalId: string,
): string {
  const net = networkParams(ctx.network);
  const decoded = decodeAddress(address, net);
  if (!decoded.ok)
    return refuse(
      'MISMATCH_DESTINATION',
      `the declared destination is not a valid ${net.name} address: ${decoded.reason}`,
      {
        withdrawalId,
        field: 'destination',
        expected: `a ${net.name} address`,
        found: String(address),
      },
    );
  return decoded.address;
}

export const bitcoinAdapter: ChainAdapter<BitcoinState> = Object.freeze({
  chain: 'bitcoin' as const,
  decode: decodeBitcoin,
  canonicalDestination: canonicalBitcoinDestination,
  assemble: assembleBitcoin,
});
