/**
 * The Ethereum chain adapter (`ChainAdapter`, ../adapter.ts): EIP-1559 transactions signed by one
 * enrolled secp256k1 key.
 *
 * Deny by default. `decode` accepts exactly two shapes and refuses everything else:
 * - native transfer: empty calldata, value > 0; destination `to`, amount `value` (wei);
 * - ERC-20 transfer: `to` an allowlisted token contract, value 0, calldata `transfer(recipient, amount)`
 *   (calldata.ts); destination the recipient, amount in token units.
 * Limits from the appliance's policy: chainId must match, gasLimit and maxFeePerGas under their caps.
 * The digest signed is keccak256 of the re-encoding of what was decoded (byte-identical to the input,
 * checked), so Airlock signs only what it decoded itself.
 *
 * `assemble` refuses a signature that is not one low-S ECDSA signature recovering to the enrolled
 * key's address, and re-verifies the transaction it built (verify.ts) before returning it.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { verifySecp256k1LowS } from '../../../hsm/ecdsa.js';
import { type RefusalDetails, refuse } from '../../errors.js';
import type {
  AdapterContext,
  ChainAdapter,
  Decoded,
  DecodedAsset,
  DecodeInput,
  EnrolledKey,
  ProducedSignature,
  SignedTx,
} from '../adapter.js';
import { addressOfPublicKey, parseAddressText, toChecksumAddress } from './address.js';
import {
  calldataSelector,
  decodeErc20Transfer,
  describeSelector,
  ERC20_TRANSFER_SELECTOR,
} from './calldata.js';
import { hexToBytesStrict, toHex } from './hex.js';
import {
  decodeSignedType2,
  decodeUnsignedType2,
  encodeSignedType2,
  encodeUnsignedType2,
  type Type2Tx,
} from './type2.js';
import { formatGwei } from './units.js';
import { SECP256K1_HALF_N, SECP256K1_N } from './verify.js';

/** Adapter-private state carried from `decode` to `assemble`. */
export interface EthereumState {
  readonly tx: Type2Tx;
  /** Lower-case `0x` address of the signing key. */
  readonly from: string;
  /** keccak256(0x02 || rlp([9 fields])). */
  readonly digest: Uint8Array;
  /** The enrolled signing key (33-byte compressed). */
  readonly publicKey: Uint8Array;
}

/** Lower-case zero address: paying it burns the funds. */
const ZERO_ADDRESS = `0x${'0'.repeat(40)}`;

export const ETHER: DecodedAsset = Object.freeze({ kind: 'native', symbol: 'ETH', decimals: 18 });

function signingKey(
  label: string,
  ctx: AdapterContext,
  details: RefusalDetails,
): { key: EnrolledKey; from: string } {
  const key = ctx.keys.get(label);
  if (key === undefined) {
    refuse('UNKNOWN_KEY', `key "${label}" is not enrolled on this appliance`, {
      ...details,
      field: 'keyLabel',
      expected: 'the label of an enrolled secp256k1 key',
      found: label,
    });
  }
  if (key.curve !== 'secp256k1') {
    refuse('UNKNOWN_KEY', `key "${label}" is a ${key.curve} key; Ethereum signs with secp256k1`, {
      ...details,
      field: 'keyLabel',
      expected: 'secp256k1',
      found: key.curve,
    });
  }
  let from: string | undefined;
  if (key.publicKey.length === 33) {
    try {
      from = addressOfPublicKey(key.publicKey);
    } catch {
      from = undefined;
    }
  }
  if (from === undefined) {
    refuse('UNKNOWN_KEY', `enrolled key "${label}" does not hold a valid compressed secp256k1 public key`, {
      ...details,
      field: 'keyLabel',
      expected: '33-byte compressed secp256k1 point',
      found: `${key.publicKey.length} bytes, 0x${toHex(key.publicKey.subarray(0, 33))}`,
    });
  }
  return { key, from };
}

function checkLimits(tx: Type2Tx, ctx: AdapterContext, details: RefusalDetails): void {
  const limits = ctx.ethereum;
  if (tx.chainId !== limits.chainId) {
    refuse('WRONG_CHAIN_ID', 'transaction is for another Ethereum chain', {
      ...details,
      field: 'chainId',
      expected: `${limits.chainId}`,
      found: `${tx.chainId}`,
    });
  }
  if (tx.gasLimit > limits.maxGasLimit) {
    refuse('GAS_LIMIT_ABOVE_CAP', 'gasLimit is above the appliance cap', {
      ...details,
      field: 'gasLimit',
      expected: `<= ${limits.maxGasLimit}`,
      found: `${tx.gasLimit}`,
    });
  }
  if (tx.maxFeePerGas > limits.maxFeePerGas) {
    refuse('MAX_FEE_ABOVE_CAP', 'maxFeePerGas is above the appliance cap', {
      ...details,
      field: 'maxFeePerGas',
      expected: `<= ${limits.maxFeePerGas} wei (${formatGwei(limits.maxFeePerGas)})`,
      found: `${tx.maxFeePerGas} wei (${formatGwei(tx.maxFeePerGas)})`,
    });
  }
}

interface Movement {
  readonly asset: DecodedAsset;
  /** Lower-case `0x` address. */
  readonly destination: string;
  readonly amount: bigint;
}

function classify(tx: Type2Tx, ctx: AdapterContext, details: RefusalDetails): Movement {
  if (tx.data.length === 0) {
    if (tx.value === 0n) {
      refuse('UNSUPPORTED_TX_TYPE', 'transaction moves nothing: no calldata and a value of 0 wei', {
        ...details,
        field: 'value',
        expected: '> 0 wei, or ERC-20 transfer calldata',
        found: '0',
      });
    }
    const tokenAt = ctx.ethereum.tokens.get(tx.to);
    if (tokenAt !== undefined) {
      // Ether sent to a token contract is lost (or triggers its fallback): never a withdrawal.
      refuse('UNEXPECTED_OUTPUT', `sends ether to the ${tokenAt.symbol} token contract itself`, {
        ...details,
        field: 'to',
        expected: 'a recipient that is not an allowlisted token contract',
        found: toChecksumAddress(tx.to),
      });
    }
    if (tx.to === ZERO_ADDRESS) {
      refuse('UNEXPECTED_OUTPUT', 'sends ether to the zero address (burns it)', {
        ...details,
        field: 'to',
        expected: 'a non-zero recipient',
        found: toChecksumAddress(tx.to),
      });
    }
    return { asset: ETHER, destination: tx.to, amount: tx.value };
  }
  const token = ctx.ethereum.tokens.get(tx.to);
  const selector = calldataSelector(tx.data);
  if (selector !== ERC20_TRANSFER_SELECTOR) {
    const target = `${toChecksumAddress(tx.to)}${token === undefined ? '' : ` (${token.symbol})`}`;
    refuse(
      'CALLDATA_REFUSED',
      selector === undefined
        ? `calldata to ${target} is shorter than a function selector`
        : `calldata to ${target} calls ${describeSelector(selector)}; only ERC-20 transfer is signed`,
      {
        ...details,
        field: 'data',
        expected: `0x${ERC20_TRANSFER_SELECTOR} transfer(address,uint256)`,
        found: selector === undefined ? `${tx.data.length} bytes` : `0x${selector}`,
      },
    );
  }
  if (token === undefined || token.contract !== tx.to) {
    refuse('TOKEN_NOT_ALLOWLISTED', 'ERC-20 transfer on a contract that is not allowlisted', {
      ...details,
      field: 'to',
      expected: 'an allowlisted ERC-20 contract',
      found: toChecksumAddress(tx.to),
    });
  }
  if (tx.value !== 0n) {
    refuse(
      'VALUE_WITH_TOKEN_TRANSFER',
      `ERC-20 ${token.symbol} transfer also sends ether to the token contract`,
      {
        ...details,
        field: 'value',
        expected: '0',
        found: `${tx.value} wei`,
      },
    );
  }
  const transfer = decodeErc20Transfer(tx.data, details);
  if (transfer.recipient === ZERO_ADDRESS) {
    refuse('UNEXPECTED_OUTPUT', `transfers ${token.symbol} to the zero address (burns it)`, {
      ...details,
      field: 'data',
      expected: 'a non-zero recipient',
      found: toChecksumAddress(transfer.recipient),
    });
  }
  return {
    asset: Object.freeze({
      kind: 'token',
      contract: token.contract,
      symbol: token.symbol,
      decimals: token.decimals,
    }),
    destination: transfer.recipient,
    amount: transfer.amount,
  };
}

function decode(input: DecodeInput, ctx: AdapterContext): Decoded<EthereumState> {
  const { withdrawalId } = input;
  const details: RefusalDetails = { withdrawalId };
  const { key, from } = signingKey(input.keyLabel, ctx, details);
  const raw = hexToBytesStrict(input.rawTx, { ...details, field: 'rawTx' });
  const tx = decodeUnsignedType2(raw, withdrawalId);
  checkLimits(tx, ctx, details);
  const movement = classify(tx, ctx, details);

  const unsigned = encodeUnsignedType2(tx);
  // type2.ts guarantees this; checked because the digest must be of what was received and decoded.
  if (toHex(unsigned) !== toHex(raw)) {
    refuse('MALFORMED_TX', 'transaction does not re-encode to the bytes received', {
      ...details,
      field: 'rawTx',
      expected: toHex(unsigned),
      found: toHex(raw),
    });
  }
  const digest = keccak_256(unsigned);
  const state: EthereumState = Object.freeze({ tx, from, digest, publicKey: key.publicKey });
  return {
    view: Object.freeze({
      withdrawalId,
      chain: 'ethereum',
      asset: movement.asset,
      destination: toChecksumAddress(movement.destination),
      amount: movement.amount,
      fee: tx.gasLimit * tx.maxFeePerGas,
      nonce: tx.nonce,
      change: Object.freeze([]),
      replayKeys: Object.freeze([`eth-nonce:${tx.chainId}:${from}:${tx.nonce}`, `eth-tx:${toHex(digest)}`]),
      details: Object.freeze({
        chainId: `${tx.chainId}`,
        gasLimit: `${tx.gasLimit}`,
        maxFeePerGas: formatGwei(tx.maxFeePerGas),
        maxPriorityFeePerGas: formatGwei(tx.maxPriorityFeePerGas),
        from: toChecksumAddress(from),
      }),
    }),
    signing: Object.freeze([
      // Copies: a caller writing into the request must not change what assemble checks against.
      Object.freeze({
        keyLabel: key.label,
        scheme: 'ecdsa-secp256k1',
        digest: digest.slice(),
        publicKey: key.publicKey.slice(),
      }),
    ]),
    state,
  };
}

function canonicalDestination(address: string, _ctx: AdapterContext, withdrawalId: string): string {
  const parsed = parseAddressText(address);
  if (!parsed.ok) {
    refuse('MISMATCH_DESTINATION', `declared destination ${parsed.reason}`, {
      withdrawalId,
      field: 'destination',
      expected: parsed.expected,
      found: address,
    });
  }
  return toChecksumAddress(parsed.address);
}

function bigintTo32(n: bigint): string {
  return n.toString(16).padStart(64, '0');
}

function assemble(decoded: Decoded<EthereumState>, signatures: readonly ProducedSignature[]): SignedTx {
  const { withdrawalId } = decoded.view;
  const details: RefusalDetails = { withdrawalId };
  const sig = signatures[0];
  if (signatures.length !== 1 || sig === undefined) {
    refuse('SIGNATURE_VERIFY_FAILED', 'an Ethereum transaction takes exactly one signature', {
      ...details,
      field: 'signatures',
      expected: '1',
      found: `${signatures.length}`,
    });
  }
  if (sig.scheme !== 'ecdsa-secp256k1') {
    refuse('SIGNATURE_VERIFY_FAILED', 'Ethereum needs an ECDSA secp256k1 signature', {
      ...details,
      field: 'signatures[0].scheme',
      expected: 'ecdsa-secp256k1',
      found: sig.scheme,
    });
  }
  const rs = sig.r >= 0n && sig.s >= 0n ? `${bigintTo32(sig.r)}${bigintTo32(sig.s)}` : '';
  if (toHex(sig.compact) !== rs) {
    refuse('SIGNATURE_VERIFY_FAILED', 'signature compact form disagrees with its r and s', {
      ...details,
      field: 'signatures[0].compact',
      expected: rs,
      found: toHex(sig.compact),
    });
  }
  const { tx, from, digest, publicKey } = decoded.state;
  if (sig.r <= 0n || sig.r >= SECP256K1_N) {
    refuse('SIGNATURE_VERIFY_FAILED', 'signature r is out of range', {
      ...details,
      field: 'r',
      expected: '1..n-1',
      found: `${sig.r}`,
    });
  }
  if (sig.s <= 0n || sig.s > SECP256K1_HALF_N) {
    refuse('SIGNATURE_VERIFY_FAILED', 'signature s is not low-S (EIP-2)', {
      ...details,
      field: 's',
      expected: '1..n/2',
      found: `${sig.s}`,
    });
  }
  // Recovery with yParity gives the enrolled key exactly when the signature verifies against it and
  // R's y parity is yParity: one equation, with the key's cached table (hsm/ecdsa.ts).
  const recovery = verifySecp256k1LowS(sig.compact, digest, publicKey);
  if (recovery === undefined || recovery !== sig.recovery) {
    refuse(
      'SIGNATURE_VERIFY_FAILED',
      recovery === undefined
        ? 'signature does not verify against the enrolled key (wrong key, digest or high-S)'
        : 'signature does not recover to the enrolled key (wrong recovery id)',
      {
        ...details,
        field: 'signatures[0]',
        expected:
          recovery === undefined ? `a signature by ${toChecksumAddress(from)}` : `yParity ${recovery}`,
        found: recovery === undefined ? 'none that verifies' : `yParity ${sig.recovery}`,
      },
    );
  }
  const signed = encodeSignedType2({ ...tx, yParity: sig.recovery, r: sig.r, s: sig.s });
  // Structural re-read of what was built: the same fields and signature come back out.
  const reread = decodeSignedType2(signed, withdrawalId);
  if (
    toHex(encodeUnsignedType2(reread)) !== toHex(encodeUnsignedType2(tx)) ||
    reread.r !== sig.r ||
    reread.s !== sig.s ||
    reread.yParity !== sig.recovery
  ) {
    refuse('SIGNATURE_VERIFY_FAILED', 'assembled transaction does not read back as the signed payload', {
      ...details,
      field: 'signedTx',
    });
  }
  return { format: 'raw', hex: toHex(signed), txid: toHex(keccak_256(signed)) };
}

/** The Ethereum adapter. Pure: no I/O, no clock, never sees a private key. */
export const ethereumAdapter: ChainAdapter<EthereumState> = Object.freeze({
  chain: 'ethereum',
  decode,
  canonicalDestination,
  assemble,
});
