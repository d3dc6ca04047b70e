/**
 * EIP-55 checksummed addresses and key → address derivation (address.ts): the EIP's own examples,
 * the checksummed addresses in ethers' test cases, micro-eth-signer as an independent implementation,
 * and the rule that mixed case must be the exact checksum.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import fc from 'fast-check';
import { addr } from 'micro-eth-signer';
import { readVector } from '../../../test-support/paths.js';
import { addressOfPublicKey, parseAddressText, toChecksumAddress } from './address.js';
import { TEST_ADDRESS, TEST_KEY, TEST_PRIVATE_KEY } from './fixtures.js';
import { fromHex, toHex } from './hex.js';

/** The examples listed in EIP-55 ("Test Cases"): all caps, all lower, and mixed. */
const EIP55_EXAMPLES = [
  '0x52908400098527886E0F7030069857D2E4169EE7',
  '0x8617E340B3D01FA5F11F306F4090FD50E238070D',
  '0xde709f2102306220921060314715629080e2fb77',
  '0x27b1fdb04752bbc536007a920d24acb045561c26',
  '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
  '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
  '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
  '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb',
];

test('EIP-55 examples: checksumming the lower-case form gives the example', () => {
  for (const example of EIP55_EXAMPLES) {
    assert.equal(toChecksumAddress(example.toLowerCase()), example);
    assert.equal(toChecksumAddress(`0x${example.slice(2).toUpperCase()}`), example);
    const parsed = parseAddressText(example);
    assert.ok(parsed.ok);
    assert.equal(parsed.address, example.toLowerCase());
  }
});

interface EthersCase {
  readonly transaction: {
    readonly to?: string;
    readonly accessList?: readonly { readonly address: string }[];
  };
}

test('ethers test cases: every checksummed `to` and access-list address matches', () => {
  const cases = readVector<EthersCase[]>('ethereum/ethers_transactions_trimmed.json');
  const addresses = cases.flatMap((c) => [
    ...(c.transaction.to === undefined ? [] : [c.transaction.to]),
    ...(c.transaction.accessList ?? []).map((e) => e.address),
  ]);
  const mixed = addresses.filter(
    (a) => a.slice(2) !== a.slice(2).toLowerCase() && a.slice(2) !== a.slice(2).toUpperCase(),
  );
  assert.ok(mixed.length > 100, `found ${mixed.length} mixed-case addresses`);
  for (const a of addresses) {
    assert.equal(toChecksumAddress(a.toLowerCase()), a);
    assert.ok(parseAddressText(a).ok, a);
  }
});

test('address of the web3.js documentation key, from compressed and uncompressed public keys', () => {
  assert.equal(toChecksumAddress(addressOfPublicKey(TEST_KEY.publicKey)), TEST_ADDRESS);
  assert.equal(
    toChecksumAddress(addressOfPublicKey(secp256k1.getPublicKey(TEST_PRIVATE_KEY, false))),
    TEST_ADDRESS,
  );
  assert.equal(addr.fromPrivateKey(TEST_PRIVATE_KEY), TEST_ADDRESS);
});

test('addressOfPublicKey refuses bytes that are not a curve point', () => {
  assert.throws(() => addressOfPublicKey(fromHex(`02${'ff'.repeat(32)}`)));
  assert.throws(() => addressOfPublicKey(new Uint8Array(32)));
});

test('property: checksums and key addresses agree with micro-eth-signer', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (bytes) => {
      const lower = `0x${toHex(bytes)}`;
      assert.equal(toChecksumAddress(lower), addr.addChecksum(lower));
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (sk) => {
      fc.pre(secp256k1.utils.isValidSecretKey(sk));
      const ours = toChecksumAddress(addressOfPublicKey(secp256k1.getPublicKey(sk, true)));
      assert.equal(ours, addr.fromPrivateKey(sk));
    }),
    { numRuns: 100 },
  );
});

test('property: flipping the case of any one letter of a checksummed address is refused as a wrong checksum', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.nat(), (bytes, pick) => {
      const good = toChecksumAddress(`0x${toHex(bytes)}`);
      const letters = [...good.slice(2)].flatMap((ch, i) => (/[a-fA-F]/.test(ch) ? [i + 2] : []));
      fc.pre(letters.length > 0);
      const at = letters[pick % letters.length]!;
      const ch = good[at]!;
      const flipped = `${good.slice(0, at)}${ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase()}${good.slice(at + 1)}`;
      const body = flipped.slice(2);
      // Flipping can make the whole address one case, which carries no checksum and stays valid.
      fc.pre(body !== body.toLowerCase() && body !== body.toUpperCase());
      const parsed = parseAddressText(flipped);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.reason, /checksum/);
    }),
    { numRuns: 500 },
  );
});

test('parseAddressText refuses text that is not 0x and 40 hex digits', () => {
  for (const text of [
    '',
    '0x',
    '5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
    '0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
    `0x${'g'.repeat(40)}`,
    `0x${'a'.repeat(41)}`,
    `0x${'a'.repeat(39)}`,
    `0x${'a'.repeat(40)}\n`,
  ]) {
    const parsed = parseAddressText(text);
    assert.equal(parsed.ok, false, JSON.stringify(text));
  }
});
