/**
 * The Ethereum adapter against the ChainAdapter contract: the two accepted shapes (native and ERC-20
 * transfer) decode to the right view, sign and assemble into a transaction that verifies; and every
 * refusal code the adapter raises, each naming the withdrawal and the field.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import type { RefusalCode, RefusalError } from '../../errors.js';
import type { EcdsaSignature, ProducedSignature } from '../adapter.js';
import { ETHER, ethereumAdapter } from './adapter.js';
import { erc20TransferData } from './build.js';
import { selectorOf } from './calldata.js';
import {
  assertRefused,
  DAI,
  GWEI,
  RECIPIENT,
  signDigest,
  TEST_ADDRESS,
  TEST_KEY,
  testContext,
  USDC,
  USDT_CONTRACT,
  unsignedHex,
} from './fixtures.js';
import { fromHex, toHex } from './hex.js';
import { decodeRlp, encodeRlp, type RlpItem } from './rlp.js';
import { verifySignedType2 } from './verify.js';

const W = 'w-42';
const ctx = testContext();

function decode(rawTx: string, keyLabel = TEST_KEY.label, context = ctx) {
  return ethereumAdapter.decode({ withdrawalId: W, rawTx, keyLabel }, context);
}

/** The refusal names the withdrawal, the field, and what was expected and found. */
function refusedDecode(
  rawTx: string,
  code: RefusalCode,
  field: string,
  keyLabel?: string,
  context = ctx,
): RefusalError {
  const e = assertRefused(() => decode(rawTx, keyLabel, context), code, field);
  assert.equal(e.withdrawalId, W);
  assert.ok(e.message.startsWith(`withdrawal ${W}: `), e.message);
  assert.ok(e.expected !== undefined && e.expected.length > 0, 'refusal states what was expected');
  assert.ok(e.found !== undefined && e.found.length > 0, 'refusal states what was found');
  return e;
}

/** Replace item `index` of the unsigned payload's RLP list (for shapes the builder will not make). */
function withItem(hex: string, index: number, item: RlpItem): string {
  const items = decodeRlp(fromHex(hex).subarray(1), {}) as RlpItem[];
  const copy = [...items];
  copy[index] = item;
  return `02${toHex(encodeRlp(copy))}`;
}

/** An RLP list around already-encoded items (hex), with a minimal header. */
function rawList(encodedItems: readonly string[]): string {
  const body = encodedItems.join('');
  const len = body.length / 2;
  if (len < 56) return `${(0xc0 + len).toString(16)}${body}`;
  const lenHex = len.toString(16).padStart(len > 0xff ? 4 : 2, '0');
  return `${(0xf7 + lenHex.length / 2).toString(16)}${lenHex}${body}`;
}

const usdcTransfer = (amount: bigint, recipient = RECIPIENT) =>
  unsignedHex({
    to: USDC.contract,
    value: 0n,
    data: erc20TransferData(recipient, amount),
    gasLimit: 65_000n,
  });

test('native transfer decodes to destination, amount, fee, nonce, replay keys and one signing request', () => {
  const rawTx = unsignedHex();
  const d = decode(rawTx);
  assert.equal(d.view.withdrawalId, W);
  assert.equal(d.view.chain, 'ethereum');
  assert.deepEqual(d.view.asset, ETHER);
  assert.equal(d.view.destination, RECIPIENT);
  assert.equal(d.view.amount, 1_250_000_000_000_000_000n);
  assert.equal(d.view.fee, 21_000n * 40n * GWEI);
  assert.equal(d.view.nonce, 7n);
  assert.deepEqual(d.view.change, []);
  const digest = keccak_256(fromHex(rawTx));
  assert.deepEqual(d.view.replayKeys, [
    `eth-nonce:1:${TEST_ADDRESS.toLowerCase()}:7`,
    `eth-tx:${toHex(digest)}`,
  ]);
  assert.deepEqual(d.view.details, {
    chainId: '1',
    gasLimit: '21000',
    maxFeePerGas: '40 gwei',
    maxPriorityFeePerGas: '2 gwei',
    from: TEST_ADDRESS,
  });
  assert.equal(d.signing.length, 1);
  assert.equal(d.signing[0]!.keyLabel, TEST_KEY.label);
  assert.equal(d.signing[0]!.scheme, 'ecdsa-secp256k1');
  assert.deepEqual(d.signing[0]!.digest, digest);
  assert.deepEqual(d.signing[0]!.publicKey, TEST_KEY.publicKey);
});

test('rawTx is accepted with or without 0x, with the same result', () => {
  const rawTx = unsignedHex();
  assert.deepEqual(decode(`0x${rawTx}`).view, decode(rawTx).view);
});

test('native transfer: signature assembles into a raw type-2 transaction from the enrolled key', () => {
  const d = decode(unsignedHex());
  const signed = ethereumAdapter.assemble(d, [signDigest(d.signing[0]!.digest)]);
  assert.equal(signed.format, 'raw');
  if (signed.format !== 'raw') return;
  assert.match(signed.hex, /^02[0-9a-f]+$/);
  assert.match(signed.txid, /^[0-9a-f]{64}$/);
  assert.equal(signed.txid, toHex(keccak_256(fromHex(signed.hex))));
  const v = verifySignedType2(signed.hex);
  assert.equal(v.from, TEST_ADDRESS);
  assert.equal(v.hash, signed.txid);
  assert.equal(v.to, RECIPIENT.toLowerCase());
  assert.equal(v.value, d.view.amount);
  assert.equal(v.nonce, 7n);
});

test('ERC-20 transfer decodes to the calldata recipient and amount, asset from the allowlist', () => {
  const d = decode(usdcTransfer(2_500_000n));
  assert.deepEqual(d.view.asset, { kind: 'token', contract: USDC.contract, symbol: 'USDC', decimals: 6 });
  assert.equal(d.view.destination, RECIPIENT);
  assert.equal(d.view.amount, 2_500_000n);
  assert.equal(d.view.fee, 65_000n * 40n * GWEI);
  const signed = ethereumAdapter.assemble(d, [signDigest(d.signing[0]!.digest)]);
  assert.equal(signed.format, 'raw');
  if (signed.format !== 'raw') return;
  const v = verifySignedType2(signed.hex);
  assert.equal(v.from, TEST_ADDRESS);
  assert.equal(v.to, USDC.contract);
  assert.equal(v.value, 0n);
});

test('ERC-20 transfer of a second allowlisted token takes its symbol and decimals', () => {
  const raw = unsignedHex({ to: DAI.contract, value: 0n, data: erc20TransferData(RECIPIENT, 10n ** 18n) });
  const d = decode(raw);
  assert.deepEqual(d.view.asset, { kind: 'token', contract: DAI.contract, symbol: 'DAI', decimals: 18 });
});

test('WRONG_CHAIN_ID: a transaction for another chain is refused with expected and found', () => {
  const e = refusedDecode(unsignedHex({ chainId: 5n }), 'WRONG_CHAIN_ID', 'chainId');
  assert.equal(e.expected, '1');
  assert.equal(e.found, '5');
});

test('GAS_LIMIT_ABOVE_CAP: gasLimit above the cap is refused, at the cap accepted', () => {
  const e = refusedDecode(unsignedHex({ gasLimit: 200_001n }), 'GAS_LIMIT_ABOVE_CAP', 'gasLimit');
  assert.equal(e.found, '200001');
  assert.equal(decode(unsignedHex({ gasLimit: 200_000n })).view.fee, 200_000n * 40n * GWEI);
});

test('MAX_FEE_ABOVE_CAP: maxFeePerGas above the cap is refused, at the cap accepted', () => {
  const e = refusedDecode(
    unsignedHex({ maxFeePerGas: 500n * GWEI + 1n }),
    'MAX_FEE_ABOVE_CAP',
    'maxFeePerGas',
  );
  assert.match(e.message, /500\.000000001 gwei/);
  assert.equal(decode(unsignedHex({ maxFeePerGas: 500n * GWEI })).view.details.maxFeePerGas, '500 gwei');
});

test('UNKNOWN_KEY: a label not enrolled, an ed25519 key, and an invalid public key are refused', () => {
  const e = refusedDecode(unsignedHex(), 'UNKNOWN_KEY', 'keyLabel', 'no-such-key');
  assert.equal(e.found, 'no-such-key');
  refusedDecode(unsignedHex(), 'UNKNOWN_KEY', 'keyLabel', 'ed-1');
  const broken = testContext();
  (broken.keys as Map<string, typeof TEST_KEY>).set('broken', {
    label: 'broken',
    curve: 'secp256k1',
    // x = 2^256 - 1 is above the field prime: no such point.
    publicKey: fromHex(`02${'ff'.repeat(32)}`),
  });
  refusedDecode(unsignedHex(), 'UNKNOWN_KEY', 'keyLabel', 'broken', broken);
  const uncompressed = testContext();
  (uncompressed.keys as Map<string, typeof TEST_KEY>).set('long', {
    label: 'long',
    curve: 'secp256k1',
    publicKey: secp256k1.Point.fromBytes(TEST_KEY.publicKey).toBytes(false),
  });
  refusedDecode(unsignedHex(), 'UNKNOWN_KEY', 'keyLabel', 'long', uncompressed);
});

test('CALLDATA_REFUSED: approve calldata to an allowlisted token is refused, naming the selector', () => {
  const approve = fromHex(`095ea7b3${'00'.repeat(12)}${RECIPIENT.slice(2).toLowerCase()}${'ff'.repeat(32)}`);
  const e = refusedDecode(
    unsignedHex({ to: USDC.contract, value: 0n, data: approve }),
    'CALLDATA_REFUSED',
    'data',
  );
  assert.equal(e.found, '0x095ea7b3');
  assert.match(e.message, /approve\(address,uint256\)/);
  assert.match(e.message, /USDC/);
});

test('CALLDATA_REFUSED names every well-known dangerous selector', () => {
  const named: readonly (readonly [string, string])[] = [
    ['095ea7b3', 'approve'],
    ['23b872dd', 'transferFrom'],
    ['39509351', 'increaseAllowance'],
    ['a22cb465', 'setApprovalForAll'],
    ['ac9650d8', 'multicall'],
    ['5ae401dc', 'multicall'],
    ['6a761202', 'execTransaction'],
    ['d505accf', 'permit'],
    ['3659cfe6', 'upgradeTo'],
    ['4f1ef286', 'upgradeToAndCall'],
    ['8d80ff0a', 'multiSend'],
    ['1cff79cd', 'execute'],
  ];
  for (const [selector, name] of named) {
    const data = fromHex(`${selector}${'00'.repeat(64)}`);
    const e = refusedDecode(unsignedHex({ to: USDC.contract, value: 0n, data }), 'CALLDATA_REFUSED', 'data');
    assert.equal(e.found, `0x${selector}`);
    assert.ok(e.message.includes(` ${name}(`), `${selector}: ${e.message}`);
  }
});

test('CALLDATA_REFUSED: unknown selectors, calldata shorter than a selector, calls to non-token contracts', () => {
  const unknown = refusedDecode(
    unsignedHex({ to: USDC.contract, value: 0n, data: fromHex('deadbeef') }),
    'CALLDATA_REFUSED',
    'data',
  );
  assert.match(unknown.message, /0xdeadbeef \(unknown function\)/);
  refusedDecode(
    unsignedHex({ to: USDC.contract, value: 0n, data: fromHex('a9059c') }),
    'CALLDATA_REFUSED',
    'data',
  );
  // Calldata with value to an ordinary address: a contract call, not a native transfer.
  refusedDecode(unsignedHex({ data: fromHex('00') }), 'CALLDATA_REFUSED', 'data');
  const approveToOther = fromHex(`${selectorOf('approve(address,uint256)')}${'00'.repeat(64)}`);
  refusedDecode(
    unsignedHex({ to: USDT_CONTRACT, value: 0n, data: approveToOther }),
    'CALLDATA_REFUSED',
    'data',
  );
});

test('CALLDATA_REFUSED: transfer calldata of the wrong length, with a dirty address word, or of zero tokens', () => {
  const good = erc20TransferData(RECIPIENT, 5n);
  const long = new Uint8Array(69);
  long.set(good);
  refusedDecode(unsignedHex({ to: USDC.contract, value: 0n, data: long }), 'CALLDATA_REFUSED', 'data');
  refusedDecode(
    unsignedHex({ to: USDC.contract, value: 0n, data: good.subarray(0, 67) }),
    'CALLDATA_REFUSED',
    'data',
  );
  const dirty = good.slice();
  dirty[4] = 1;
  const e = refusedDecode(
    unsignedHex({ to: USDC.contract, value: 0n, data: dirty }),
    'CALLDATA_REFUSED',
    'data.recipient',
  );
  assert.match(e.found!, /^0x01/);
  const zero = good.slice();
  zero[67] = 0;
  refusedDecode(unsignedHex({ to: USDC.contract, value: 0n, data: zero }), 'CALLDATA_REFUSED', 'data.amount');
});

test('TOKEN_NOT_ALLOWLISTED: an ERC-20 transfer on a contract outside the allowlist names the contract', () => {
  const raw = unsignedHex({ to: USDT_CONTRACT, value: 0n, data: erc20TransferData(RECIPIENT, 1n) });
  const e = refusedDecode(raw, 'TOKEN_NOT_ALLOWLISTED', 'to');
  assert.equal(e.found, '0xdAC17F958D2ee523a2206206994597C13D831ec7');
  assert.match(e.message, /found 0xdAC17F958D2ee523a2206206994597C13D831ec7/);
});

test('VALUE_WITH_TOKEN_TRANSFER: ether sent along with an ERC-20 transfer is refused', () => {
  const raw = unsignedHex({ to: USDC.contract, value: 1n, data: erc20TransferData(RECIPIENT, 1n) });
  const e = refusedDecode(raw, 'VALUE_WITH_TOKEN_TRANSFER', 'value');
  assert.equal(e.found, '1 wei');
});

test('UNSUPPORTED_TX_TYPE: contract creation (empty to) is refused', () => {
  refusedDecode(withItem(unsignedHex(), 5, new Uint8Array(0)), 'UNSUPPORTED_TX_TYPE', 'to');
});

test('UNSUPPORTED_TX_TYPE: a non-empty access list is refused', () => {
  const entry: RlpItem = [fromHex(USDC.contract), [new Uint8Array(32)]];
  refusedDecode(withItem(unsignedHex(), 8, [entry]), 'UNSUPPORTED_TX_TYPE', 'accessList');
});

test('UNSUPPORTED_TX_TYPE: legacy, EIP-2930, blob and unknown types are refused on the type byte', () => {
  const body = unsignedHex().slice(2);
  for (const prefix of ['', '00', '01', '03', '04', '7f']) {
    refusedDecode(`${prefix}${body}`, 'UNSUPPORTED_TX_TYPE', 'type');
  }
});

test('UNSUPPORTED_TX_TYPE: no calldata and zero value moves nothing and is refused', () => {
  refusedDecode(unsignedHex({ value: 0n }), 'UNSUPPORTED_TX_TYPE', 'value');
});

test('MALFORMED_TX: truncated, extended, non-minimal and non-hex encodings are refused', () => {
  const raw = unsignedHex();
  refusedDecode(raw.slice(0, -2), 'MALFORMED_TX', 'rawTx');
  refusedDecode(`${raw}00`, 'MALFORMED_TX', 'rawTx');
  // Long-form list length (0xf8 NN) for a payload under 56 bytes is not minimal.
  const items = decodeRlp(fromHex(raw).subarray(1), {}) as RlpItem[];
  const payload = fromHex(raw).subarray(2);
  assert.ok(payload.length < 56 && items.length === 9);
  refusedDecode(
    `02f8${payload.length.toString(16).padStart(2, '0')}${toHex(payload)}`,
    'MALFORMED_TX',
    'rawTx',
  );
  refusedDecode(`${raw.slice(0, -1)}`, 'MALFORMED_TX', 'rawTx');
  refusedDecode(`${raw}zz`, 'MALFORMED_TX', 'rawTx');
  refusedDecode('', 'MALFORMED_TX', 'rawTx');
  refusedDecode('02', 'MALFORMED_TX', 'rawTx');
  // A single byte below 0x80 wrapped as a one-byte string: nonce 7 as 0x81 0x07 instead of 0x07.
  const parts = items.map((item) => toHex(encodeRlp(item)));
  assert.equal(parts[1], '07');
  parts[1] = '8107';
  refusedDecode(`02${rawList(parts)}`, 'MALFORMED_TX', 'rawTx');
  parts[1] = '07';
  assert.equal(`02${rawList(parts)}`, raw, 'the hand-built list helper is faithful');
});

test('MALFORMED_TX: integers with leading zeros, oversize fields and wrong item counts are refused', () => {
  const raw = unsignedHex();
  refusedDecode(withItem(raw, 1, fromHex('0007')), 'MALFORMED_TX', 'nonce');
  refusedDecode(withItem(raw, 1, new Uint8Array(9).fill(1)), 'MALFORMED_TX', 'nonce');
  refusedDecode(withItem(raw, 6, new Uint8Array(33).fill(1)), 'MALFORMED_TX', 'value');
  refusedDecode(withItem(raw, 5, new Uint8Array(21).fill(1)), 'MALFORMED_TX', 'to');
  refusedDecode(withItem(raw, 4, [fromHex('5208')]), 'MALFORMED_TX', 'gasLimit');
  refusedDecode(withItem(raw, 8, new Uint8Array(0)), 'MALFORMED_TX', 'accessList');
  const items = decodeRlp(fromHex(raw).subarray(1), {}) as RlpItem[];
  refusedDecode(`02${toHex(encodeRlp(items.slice(0, 8)))}`, 'MALFORMED_TX', 'unsigned type-2 transaction');
  refusedDecode(
    `02${toHex(encodeRlp([...items, new Uint8Array(0)]))}`,
    'MALFORMED_TX',
    'unsigned type-2 transaction',
  );
  refusedDecode(`02${toHex(encodeRlp(fromHex('abcd')))}`, 'MALFORMED_TX', 'rawTx');
});

test('MALFORMED_TX: maxPriorityFeePerGas above maxFeePerGas is refused', () => {
  const raw = withItem(unsignedHex(), 2, fromHex((41n * GWEI).toString(16).padStart(10, '0')));
  refusedDecode(raw, 'MALFORMED_TX', 'maxPriorityFeePerGas');
});

test('a signed transaction is not accepted where the unsigned payload belongs', () => {
  const d = decode(unsignedHex());
  const signed = ethereumAdapter.assemble(d, [signDigest(d.signing[0]!.digest)]);
  assert.equal(signed.format, 'raw');
  if (signed.format === 'raw') refusedDecode(signed.hex, 'MALFORMED_TX', 'unsigned type-2 transaction');
});

test('canonicalDestination: lower, upper and checksummed text give the EIP-55 form', () => {
  for (const text of [RECIPIENT, RECIPIENT.toLowerCase(), `0x${RECIPIENT.slice(2).toUpperCase()}`]) {
    assert.equal(ethereumAdapter.canonicalDestination(text, ctx, W), RECIPIENT);
  }
});

test('canonicalDestination: a wrong EIP-55 checksum is MISMATCH_DESTINATION saying so', () => {
  const flipped = RECIPIENT.replace('aAeb', 'AAeb');
  const e = assertRefused(
    () => ethereumAdapter.canonicalDestination(flipped, ctx, W),
    'MISMATCH_DESTINATION',
    'destination',
  );
  assert.match(e.message, /checksum/);
  assert.equal(e.withdrawalId, W);
  assert.equal(e.found, flipped);
});

test('canonicalDestination: text that is not an address is MISMATCH_DESTINATION', () => {
  for (const text of [
    RECIPIENT.slice(2),
    `${RECIPIENT}0`,
    RECIPIENT.slice(0, -1),
    `0X${RECIPIENT.slice(2)}`,
    ` ${RECIPIENT}`,
    'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq',
    '',
  ]) {
    assertRefused(
      () => ethereumAdapter.canonicalDestination(text, ctx, W),
      'MISMATCH_DESTINATION',
      'destination',
    );
  }
});

const N = secp256k1.Point.Fn.ORDER;

function highS(sig: EcdsaSignature): EcdsaSignature {
  const s = N - sig.s;
  const compact = fromHex(`${sig.r.toString(16).padStart(64, '0')}${s.toString(16).padStart(64, '0')}`);
  return { ...sig, s, recovery: sig.recovery === 0 ? 1 : 0, compact };
}

test('assemble refuses a high-S signature even though it verifies', () => {
  const d = decode(unsignedHex());
  const sig = highS(signDigest(d.signing[0]!.digest));
  assert.ok(
    secp256k1.verify(sig.compact, d.signing[0]!.digest, TEST_KEY.publicKey, { prehash: false, lowS: false }),
  );
  assertRefused(() => ethereumAdapter.assemble(d, [sig]), 'SIGNATURE_VERIFY_FAILED', 's');
});

test('assemble refuses zero or two signatures, a wrong recovery id, another key, another scheme', () => {
  const d = decode(unsignedHex());
  const sig = signDigest(d.signing[0]!.digest);
  assertRefused(() => ethereumAdapter.assemble(d, []), 'SIGNATURE_VERIFY_FAILED', 'signatures');
  assertRefused(() => ethereumAdapter.assemble(d, [sig, sig]), 'SIGNATURE_VERIFY_FAILED', 'signatures');
  const flipped: EcdsaSignature = { ...sig, recovery: sig.recovery === 0 ? 1 : 0 };
  assertRefused(() => ethereumAdapter.assemble(d, [flipped]), 'SIGNATURE_VERIFY_FAILED', 'signatures[0]');
  const other = signDigest(d.signing[0]!.digest, new Uint8Array(32).fill(9));
  assertRefused(() => ethereumAdapter.assemble(d, [other]), 'SIGNATURE_VERIFY_FAILED', 'signatures[0]');
  const schnorr: ProducedSignature = { scheme: 'bip340-secp256k1', bytes: new Uint8Array(64) };
  assertRefused(
    () => ethereumAdapter.assemble(d, [schnorr]),
    'SIGNATURE_VERIFY_FAILED',
    'signatures[0].scheme',
  );
  const mismatched: EcdsaSignature = { ...sig, compact: new Uint8Array(64) };
  assertRefused(
    () => ethereumAdapter.assemble(d, [mismatched]),
    'SIGNATURE_VERIFY_FAILED',
    'signatures[0].compact',
  );
  const rZero: EcdsaSignature = {
    ...sig,
    r: 0n,
    compact: fromHex(`${'00'.repeat(32)}${sig.s.toString(16).padStart(64, '0')}`),
  };
  assertRefused(() => ethereumAdapter.assemble(d, [rZero]), 'SIGNATURE_VERIFY_FAILED', 'r');
});

test('UNEXPECTED_OUTPUT: ether sent to an allowlisted token contract or to the zero address is refused', () => {
  const toToken = refusedDecode(
    unsignedHex({ to: USDC.contract, value: 10n ** 18n }),
    'UNEXPECTED_OUTPUT',
    'to',
  );
  assert.match(toToken.message, /token contract/);
  const zero = `0x${'0'.repeat(40)}`;
  refusedDecode(unsignedHex({ to: zero, value: 1n }), 'UNEXPECTED_OUTPUT', 'to');
});

test('UNEXPECTED_OUTPUT: an ERC-20 transfer to the zero address (a burn) is refused', () => {
  const raw = unsignedHex({
    to: USDC.contract,
    value: 0n,
    data: erc20TransferData(`0x${'0'.repeat(40)}`, 5n),
  });
  refusedDecode(raw, 'UNEXPECTED_OUTPUT', 'data');
});
