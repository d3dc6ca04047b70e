/**
 * Contract calldata Airlock understands: exactly one shape, the ERC-20 `transfer(address,uint256)`
 * call (https://eips.ethereum.org/EIPS/eip-20), ABI-encoded as the 4-byte selector 0xa9059cbb, a
 * 32-byte word holding the 20-byte recipient (upper 12 bytes zero), and a 32-byte amount: 68 bytes.
 *
 * Everything else is refused (`CALLDATA_REFUSED`). For the refusal to be useful to an operator the
 * selector is named when it is a well-known one: allowances (approve, permit...), proxies and
 * delegatecall wrappers (Safe, multiSend, DSProxy, upgradeTo...), batching (multicall...). Selectors
 * are computed from the signatures (keccak256, first 4 bytes), so the table cannot hold a typo'd one.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { type RefusalDetails, refuse } from '../../errors.js';
import { uintToBytes } from './fields.js';
import { fromHex, showBytes, toHex } from './hex.js';

export const ERC20_TRANSFER_SIGNATURE = 'transfer(address,uint256)';
/** 0xa9059cbb, as 8 lower-case hex digits. */
export const ERC20_TRANSFER_SELECTOR: string = selectorOf(ERC20_TRANSFER_SIGNATURE);
export const ERC20_TRANSFER_LENGTH = 4 + 32 + 32;

/** Well-known function signatures, with why signing them is dangerous when it is not obvious. */
const KNOWN_SIGNATURES: readonly (readonly [signature: string, note: string])[] = [
  [ERC20_TRANSFER_SIGNATURE, 'ERC-20 transfer'],
  ['approve(address,uint256)', 'ERC-20 allowance: lets the spender take the tokens later'],
  ['increaseAllowance(address,uint256)', 'ERC-20 allowance increase'],
  ['decreaseAllowance(address,uint256)', 'ERC-20 allowance decrease'],
  ['transferFrom(address,address,uint256)', 'ERC-20/721 transfer from another holder'],
  ['permit(address,address,uint256,uint256,uint8,bytes32,bytes32)', 'EIP-2612 permit (allowance)'],
  ['permit(address,address,uint256,uint256,bool,uint8,bytes32,bytes32)', 'DAI-style permit (allowance)'],
  ['approveAndCall(address,uint256,bytes)', 'allowance plus a call'],
  ['transferAndCall(address,uint256,bytes)', 'ERC-677 transfer plus a call'],
  ['send(address,uint256,bytes)', 'ERC-777 send with hooks'],
  ['setApprovalForAll(address,bool)', 'ERC-721/1155 operator approval over all tokens'],
  ['safeTransferFrom(address,address,uint256)', 'ERC-721 transfer'],
  ['safeTransferFrom(address,address,uint256,bytes)', 'ERC-721 transfer with data'],
  ['safeTransferFrom(address,address,uint256,uint256,bytes)', 'ERC-1155 transfer'],
  ['safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)', 'ERC-1155 batch transfer'],
  ['multicall(bytes[])', 'batch of arbitrary calls'],
  ['multicall(uint256,bytes[])', 'batch of arbitrary calls (with deadline)'],
  ['multicall(bytes32,bytes[])', 'batch of arbitrary calls (with block check)'],
  ['aggregate((address,bytes)[])', 'Multicall batch of arbitrary calls'],
  ['aggregate3((address,bool,bytes)[])', 'Multicall3 batch of arbitrary calls'],
  ['execute(bytes,bytes[],uint256)', 'Uniswap Universal Router commands'],
  [
    'execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)',
    'Safe multisig transaction (may delegatecall)',
  ],
  ['execTransactionFromModule(address,uint256,bytes,uint8)', 'Safe module transaction (may delegatecall)'],
  ['multiSend(bytes)', 'Safe MultiSend batch (delegatecall)'],
  ['execute(address,bytes)', 'DSProxy execute (delegatecall into arbitrary code)'],
  ['upgradeTo(address)', 'proxy upgrade: replaces the contract code'],
  ['upgradeToAndCall(address,bytes)', 'proxy upgrade plus a delegatecall'],
  ['changeAdmin(address)', 'proxy admin change'],
  ['transferOwnership(address)', 'contract ownership transfer'],
  ['renounceOwnership()', 'contract ownership renounced'],
  ['setOwner(address)', 'contract owner change'],
  ['delegate(address)', 'governance vote delegation'],
  ['deposit()', 'WETH-style deposit'],
  ['withdraw(uint256)', 'WETH-style withdrawal'],
  ['burn(uint256)', 'token burn'],
];

/** 4-byte selector of a canonical function signature, as 8 lower-case hex digits. */
export function selectorOf(signature: string): string {
  return toHex(keccak_256(new TextEncoder().encode(signature)).subarray(0, 4));
}

const KNOWN_SELECTORS: ReadonlyMap<string, { readonly signature: string; readonly note: string }> = new Map(
  KNOWN_SIGNATURES.map(([signature, note]) => [selectorOf(signature), { signature, note }]),
);

/** The name of a selector for people: `0x095ea7b3 approve(address,uint256) (ERC-20 allowance...)`. */
export function describeSelector(selector: string): string {
  const known = KNOWN_SELECTORS.get(selector);
  return known === undefined
    ? `0x${selector} (unknown function)`
    : `0x${selector} ${known.signature} (${known.note})`;
}

/** The selector of calldata (8 lower-case hex digits), or undefined when shorter than 4 bytes. */
export function calldataSelector(data: Uint8Array): string | undefined {
  return data.length < 4 ? undefined : toHex(data.subarray(0, 4));
}

export interface Erc20Transfer {
  /** Lower-case `0x` address. */
  readonly recipient: string;
  /** Token base units, > 0. */
  readonly amount: bigint;
}

/** Decode ERC-20 `transfer` calldata, refusing any other shape with `CALLDATA_REFUSED`. */
export function decodeErc20Transfer(data: Uint8Array, details: RefusalDetails): Erc20Transfer {
  const selector = calldataSelector(data);
  if (selector !== ERC20_TRANSFER_SELECTOR) {
    refuse(
      'CALLDATA_REFUSED',
      selector === undefined
        ? 'calldata is shorter than a function selector'
        : `calldata calls ${describeSelector(selector)}; only ERC-20 transfer is signed`,
      {
        ...details,
        field: 'data',
        expected: `0x${ERC20_TRANSFER_SELECTOR} ${ERC20_TRANSFER_SIGNATURE}`,
        found: selector === undefined ? showBytes(data) : `0x${selector}`,
      },
    );
  }
  if (data.length !== ERC20_TRANSFER_LENGTH) {
    refuse('CALLDATA_REFUSED', 'ERC-20 transfer calldata has the wrong length (extra or missing bytes)', {
      ...details,
      field: 'data',
      expected: `${ERC20_TRANSFER_LENGTH} bytes`,
      found: `${data.length} bytes`,
    });
  }
  const word = data.subarray(4, 36);
  if (word.subarray(0, 12).some((b) => b !== 0)) {
    refuse('CALLDATA_REFUSED', 'ERC-20 transfer recipient word is not a padded 20-byte address', {
      ...details,
      field: 'data.recipient',
      expected: '12 zero bytes then a 20-byte address',
      found: `0x${toHex(word)}`,
    });
  }
  const amount = BigInt(`0x${toHex(data.subarray(36, 68))}`);
  if (amount === 0n) {
    refuse('CALLDATA_REFUSED', 'ERC-20 transfer of zero tokens moves nothing', {
      ...details,
      field: 'data.amount',
      expected: '> 0',
      found: '0',
    });
  }
  return { recipient: `0x${toHex(word.subarray(12))}`, amount };
}

const TWO_256 = 1n << 256n;
const ADDRESS_LOWER = /^0x[0-9a-f]{40}$/;

/** ERC-20 `transfer(recipient, amount)` calldata; `recipient` is a lower-case `0x` address. */
export function encodeErc20Transfer(recipient: string, amount: bigint): Uint8Array {
  if (typeof recipient !== 'string' || !ADDRESS_LOWER.test(recipient)) {
    throw new TypeError(`"recipient" expected a lower-case 0x address, got ${JSON.stringify(recipient)}`);
  }
  if (typeof amount !== 'bigint') throw new TypeError(`"amount" expected bigint, got ${typeof amount}`);
  if (amount <= 0n || amount >= TWO_256)
    throw new RangeError(`"amount" expected 1 <= amount < 2^256, got ${amount}`);
  const out = new Uint8Array(ERC20_TRANSFER_LENGTH);
  out.set(fromHex(ERC20_TRANSFER_SELECTOR), 0);
  out.set(fromHex(recipient), 4 + 12);
  const a = uintToBytes(amount);
  out.set(a, ERC20_TRANSFER_LENGTH - a.length);
  return out;
}
