/**
 * Addresses (BIP-173 bech32, BIP-350 bech32m, base58check) as the cross-check sees them through
 * `canonicalDestination`. Valid and invalid addresses are the BIPs' own test-vector examples
 * (bitcoin/bips bip-0173.mediawiki and bip-0350.mediawiki, "Test vectors"); each valid one is checked
 * against its known scriptPubKey. Plus round-trip and differential property tests.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesToHex, concatBytes } from '@noble/hashes/utils.js';
import { bech32m } from '@scure/base';
import { Address, NETWORK, OutScript, TEST_NETWORK } from '@scure/btc-signer';
import fc from 'fast-check';
import { RefusalError } from '../../errors.js';
import { bitcoinAdapter } from './adapter.js';
import { addressOfScript, decodeAddress } from './address.js';
import { testContext } from './fixtures.js';
import { BITCOIN_MAINNET, BITCOIN_TESTNET } from './network.js';
import { isXOnlyPubkey } from './scripts.js';

const mainnet = testContext('mainnet');
const testnet = testContext('testnet');

function refusal(address: string, ctx = mainnet): RefusalError {
  try {
    bitcoinAdapter.canonicalDestination(address, ctx, 'w-addr');
  } catch (e) {
    assert.ok(e instanceof RefusalError, String(e));
    return e;
  }
  return assert.fail(`accepted ${address}`);
}

test('BIP-173 / BIP-350 valid addresses: canonical lower case and the expected scriptPubKey', () => {
  const cases: [string, typeof mainnet, string, string][] = [
    [
      'BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4',
      mainnet,
      'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4',
      '0014751e76e8199196d454941c45d1b3a323f1433bd6',
    ],
    [
      'tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7',
      testnet,
      'tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7',
      '00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262',
    ],
    [
      'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0',
      mainnet,
      'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0',
      '512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798',
    ],
    [
      'tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c',
      testnet,
      'tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c',
      '5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433',
    ],
    [
      '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2',
      mainnet,
      '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2',
      '76a91477bff20c60e522dfaa3350c39b030a5d004e839a88ac',
    ],
    [
      '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy',
      mainnet,
      '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy',
      'a914b472a266d0bd89c13706a4132ccfb16f7c3b9fcb87',
    ],
  ];
  for (const [text, ctx, canonical, script] of cases) {
    assert.equal(bitcoinAdapter.canonicalDestination(text, ctx, 'w-addr'), canonical);
    const decoded = decodeAddress(text, ctx.network === 'mainnet' ? BITCOIN_MAINNET : BITCOIN_TESTNET);
    assert.ok(decoded.ok);
    assert.equal(bytesToHex(decoded.script), script);
  }
});

test('BIP-350 invalid addresses and addresses with no spending rules today are MISMATCH_DESTINATION', () => {
  const invalid = [
    'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut', // v1 with a bech32 checksum
    'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh', // v0 with a bech32m checksum
    'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5', // one character changed: checksum
    'Bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', // mixed case
    'bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs', // witness v2: valid encoding, anyone-can-spend today
    'BC1SW50QGDZ25J', // witness v16
    'bc1pfeessrawgf', // P2A anchor (v1, 2 bytes): anyone can spend
    'bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y', // v1, 40 bytes
    '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3', // base58 checksum
    '',
    ' bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4',
    'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4 ',
  ];
  for (const a of invalid) {
    const e = refusal(a);
    assert.equal(e.code, 'MISMATCH_DESTINATION', a);
    assert.equal(e.withdrawalId, 'w-addr');
    assert.equal(e.field, 'destination');
    assert.equal(e.found, a);
    assert.match(
      e.message,
      /^withdrawal w-addr: the declared destination is not a valid bitcoin mainnet address: /,
    );
  }
});

test("canonicalDestination refuses another network's address and says which network it is", () => {
  const cases: [string, typeof mainnet, RegExp][] = [
    [
      'tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7',
      mainnet,
      /bitcoin testnet address, not bitcoin mainnet/,
    ],
    ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', testnet, /bitcoin mainnet address, not bitcoin testnet/],
    ['1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2', testnet, /bitcoin mainnet address, not bitcoin testnet/],
    ['2MzQwSSnBHWHqSAqtTVQ6v47XtaisrJa1Vc', mainnet, /bitcoin testnet address, not bitcoin mainnet/],
    ['bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', testnet, /regtest/],
  ];
  for (const [a, ctx, why] of cases) {
    const e = refusal(a, ctx);
    assert.equal(e.code, 'MISMATCH_DESTINATION');
    assert.match(e.message, why);
  }
});

const arbScript = fc.oneof(
  fc.uint8Array({ minLength: 20, maxLength: 20 }).map((h) => concatBytes(Uint8Array.of(0x00, 20), h)),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((h) => concatBytes(Uint8Array.of(0x00, 32), h)),
  fc
    .uint8Array({ minLength: 32, maxLength: 32 })
    .filter(isXOnlyPubkey)
    .map((h) => concatBytes(Uint8Array.of(0x51, 32), h)),
  fc
    .uint8Array({ minLength: 20, maxLength: 20 })
    .map((h) => concatBytes(Uint8Array.of(0x76, 0xa9, 20), h, Uint8Array.of(0x88, 0xac))),
  fc
    .uint8Array({ minLength: 20, maxLength: 20 })
    .map((h) => concatBytes(Uint8Array.of(0xa9, 20), h, Uint8Array.of(0x87))),
);

test('address round trip: decode(addressOfScript(s)) = s, and the text agrees with @scure/btc-signer', () => {
  fc.assert(
    fc.property(arbScript, fc.boolean(), (script, main) => {
      const net = main ? BITCOIN_MAINNET : BITCOIN_TESTNET;
      const a = addressOfScript(script, net);
      assert.ok(a !== undefined);
      assert.equal(a.address, Address(main ? NETWORK : TEST_NETWORK).encode(OutScript.decode(script)));
      const back = decodeAddress(a.address, net);
      assert.ok(back.ok);
      assert.equal(bytesToHex(back.script), bytesToHex(script));
      assert.equal(back.address, a.address);
      assert.ok(!decodeAddress(a.address, main ? BITCOIN_TESTNET : BITCOIN_MAINNET).ok);
    }),
  );
});

test('BIP-341: a P2TR program that is not a valid x-only key has no address and is refused as a destination', () => {
  const notOnCurve = new Uint8Array(32).fill(0xff); // x >= field size: no point
  assert.ok(!isXOnlyPubkey(notOnCurve));
  const script = concatBytes(Uint8Array.of(0x51, 32), notOnCurve);
  assert.equal(addressOfScript(script, BITCOIN_MAINNET), undefined);
  const text = bech32m.encode('bc', [1, ...bech32m.toWords(notOnCurve)]);
  const e = refusal(text);
  assert.equal(e.code, 'MISMATCH_DESTINATION');
  assert.match(e.message, /never be spent/);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (x) => {
      const a = addressOfScript(concatBytes(Uint8Array.of(0x51, 32), x), BITCOIN_MAINNET);
      assert.equal(a !== undefined, isXOnlyPubkey(x));
    }),
  );
});

test('decodeAddress never throws and accepts only what @scure/btc-signer also decodes to the same script', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.stringMatching(/^(bc|tb)1[02-9ac-hj-np-z]{6,80}$/)), (text) => {
      const ours = decodeAddress(text, BITCOIN_MAINNET);
      if (!ours.ok) return;
      assert.equal(bytesToHex(OutScript.encode(Address(NETWORK).decode(text))), bytesToHex(ours.script));
    }),
  );
});
