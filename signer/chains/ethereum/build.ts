/**
 * Online-side builders (`airlock online build`): the unsigned EIP-1559 payload the appliance will
 * decode, and ERC-20 transfer calldata. Arguments are checked by name (TypeError for wrong types,
 * RangeError for out-of-range values) so the builder never produces a payload the appliance's strict
 * decoder refuses on structure; policy (caps, allowlist) stays the appliance's decision.
 */
import { parseAddressText } from './address.js';
import { encodeErc20Transfer } from './calldata.js';
import { toHex } from './hex.js';
import { decodeUnsignedType2, encodeUnsignedType2 } from './type2.js';

export interface Type2Params {
  readonly chainId: bigint;
  readonly nonce: bigint;
  /** Wei per gas. */
  readonly maxPriorityFeePerGas: bigint;
  /** Wei per gas. */
  readonly maxFeePerGas: bigint;
  readonly gasLimit: bigint;
  /** `0x` and 40 hex digits; mixed case must be a valid EIP-55 checksum. */
  readonly to: string;
  /** Wei. */
  readonly value: bigint;
  /** Calldata; empty for a native transfer. */
  readonly data?: Uint8Array;
}

const UINT64_MAX = (1n << 64n) - 1n;
const UINT256_MAX = (1n << 256n) - 1n;

function checkUint(name: string, value: unknown, max: bigint): bigint {
  if (typeof value !== 'bigint') throw new TypeError(`"${name}" expected bigint, got ${typeof value}`);
  if (value < 0n || value > max)
    throw new RangeError(`"${name}" expected 0 <= ${name} <= ${max}, got ${value}`);
  return value;
}

function checkAddress(name: string, value: unknown): string {
  if (typeof value !== 'string')
    throw new TypeError(`"${name}" expected an address string, got ${typeof value}`);
  const parsed = parseAddressText(value);
  if (!parsed.ok)
    throw new TypeError(`"${name}" ${parsed.reason} (expected ${parsed.expected}): ${JSON.stringify(value)}`);
  return parsed.address;
}

/** Unsigned `0x02 || rlp([...])` as lower-case hex without `0x`. */
export function buildUnsignedType2(params: Type2Params): string {
  const data = params.data ?? new Uint8Array(0);
  if (!(data instanceof Uint8Array)) throw new TypeError(`"data" expected Uint8Array, got ${typeof data}`);
  const tx = {
    chainId: checkUint('chainId', params.chainId, UINT256_MAX),
    nonce: checkUint('nonce', params.nonce, UINT64_MAX),
    maxPriorityFeePerGas: checkUint('maxPriorityFeePerGas', params.maxPriorityFeePerGas, UINT256_MAX),
    maxFeePerGas: checkUint('maxFeePerGas', params.maxFeePerGas, UINT256_MAX),
    gasLimit: checkUint('gasLimit', params.gasLimit, UINT64_MAX),
    to: checkAddress('to', params.to),
    value: checkUint('value', params.value, UINT256_MAX),
    data: data.slice(),
  };
  if (tx.maxPriorityFeePerGas > tx.maxFeePerGas) {
    throw new RangeError(
      `"maxPriorityFeePerGas" expected <= maxFeePerGas ${tx.maxFeePerGas}, got ${tx.maxPriorityFeePerGas}`,
    );
  }
  if (tx.gasLimit * tx.maxFeePerGas > UINT256_MAX) {
    throw new RangeError(
      `"gasLimit" * "maxFeePerGas" overflows 256 bits: ${tx.gasLimit} * ${tx.maxFeePerGas}`,
    );
  }
  const raw = encodeUnsignedType2(tx);
  // Round trip through the appliance's own decoder: a builder bug surfaces here, online, not there.
  decodeUnsignedType2(raw);
  return toHex(raw);
}

/** ERC-20 `transfer(recipient, amount)` calldata (68 bytes). */
export function erc20TransferData(recipient: string, amount: bigint): Uint8Array {
  return encodeErc20Transfer(checkAddress('recipient', recipient), amount);
}
