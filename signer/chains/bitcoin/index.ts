/** Bitcoin adapter (PSBT in, signed transaction out) and the online PSBT builder. Re-exports only. */

export { bitcoinAdapter, canonicalBitcoinDestination } from './adapter.js';
export { type AddressDecodeResult, type AddressKind, addressOfScript, decodeAddress } from './address.js';
export { assembleBitcoin } from './assemble.js';
export {
  type BuildInputType,
  type BuildUtxo,
  type BuildWithdrawalParams,
  buildWithdrawalPsbt,
} from './build.js';
export { type BitcoinState, BTC_ASSET, decodeBitcoin } from './decode.js';
export type { OwnedInput, OwnedInputKind } from './inputs.js';
export { BITCOIN_MAINNET, BITCOIN_TESTNET, type BitcoinNetworkParams, networkParams } from './network.js';
export { bip143Sighash, bip341Sighash, bip341SigMsg, SIGHASH_ALL, SIGHASH_DEFAULT } from './sighash.js';
export {
  type OutPoint,
  type TxInputView,
  type TxOutputView,
  txidOf,
  type UnsignedTx,
} from './transaction.js';
export { checkWitness } from './witness.js';
