/** Ethereum (EIP-1559) support: the chain adapter, the signed-transaction verifier and the online builders. */

export { ETHER, type EthereumState, ethereumAdapter } from './adapter.js';
export { addressOfPublicKey, type ParsedAddress, parseAddressText, toChecksumAddress } from './address.js';
export { buildUnsignedType2, erc20TransferData, type Type2Params } from './build.js';
export {
  decodeErc20Transfer,
  describeSelector,
  ERC20_TRANSFER_SELECTOR,
  type Erc20Transfer,
  encodeErc20Transfer,
  selectorOf,
} from './calldata.js';
export {
  decodeSignedType2,
  decodeUnsignedType2,
  encodeSignedType2,
  encodeUnsignedType2,
  type SignedType2Tx,
  type Type2Tx,
} from './type2.js';
export { formatGwei, formatUnits } from './units.js';
export { recoverSigner, type2SigningDigest, type VerifiedType2, verifySignedType2 } from './verify.js';
