/**
 * BIP-143 digests (witness v0) proven three ways: Bitcoin Core's BIP-174 signer vectors
 * (rpc_psbt.json `signer`, the P2SH-P2WSH multisig input whose scriptCode is its witnessScript),
 * a published fully signed P2WPKH transaction (scure-btc-signer README), and a differential
 * property test against @scure/btc-signer's own BIP-143 implementation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { base64 } from '@scure/base';
import { TEST_NETWORK, Transaction, WIF } from '@scure/btc-signer';
import fc from 'fast-check';
import { readVector } from '../../../test-support/paths.js';
import { equalBytes } from './encoding.js';
import { PSBT_PARSE_OPTIONS, unsignedView } from './psbt.js';
import { p2pkhScript, parseMultisig } from './scripts.js';
import { bip143Sighash } from './sighash.js';
import { ecdsaWitnessSignature } from './signatures.js';
import { serializeSignedTx, serializeUnsignedTx, txidOf, type UnsignedTx } from './transaction.js';

interface SignerCase {
  readonly privkeys: string[];
  readonly psbt: string;
  readonly result: string;
}
const rpc = readVector<{ signer: SignerCase[] }>('bip174/rpc_psbt.json');

function sign(digest: Uint8Array, priv: Uint8Array): Uint8Array {
  return ecdsaWitnessSignature(secp256k1.sign(digest, priv, { prehash: false, lowS: true }), 0x01);
}

test('BIP-143 via rpc_psbt.json signer cases 0 and 1: P2SH-P2WSH multisig partial signatures match Core', () => {
  // Cases 0 and 1 each sign input 1 (P2SH-P2WSH 2-of-2, BIP-143 with the witnessScript as
  // scriptCode). Input 0 is legacy P2SH (no BIP-143). Cases 2-5 are byte for byte BIP-174's
  // failSignerChecks (result = input, nothing signed); bip174-psbt.test.ts asserts they are refused.
  let compared = 0;
  for (const n of [0, 1]) {
    const c = rpc.signer[n]!;
    const tx = Transaction.fromPSBT(base64.decode(c.psbt), PSBT_PARSE_OPTIONS);
    const result = Transaction.fromPSBT(base64.decode(c.result), PSBT_PARSE_OPTIONS);
    const view = unsignedView(tx);
    const input = tx.getInput(1);
    const ws = input.witnessScript;
    const utxo = input.witnessUtxo;
    assert.ok(ws !== undefined && utxo !== undefined, `case ${n}: input 1 is a witness input`);
    assert.equal(input.sighashType, 1);
    const multisig = parseMultisig(ws);
    assert.ok(multisig !== undefined);
    const digest = bip143Sighash(view, 1, ws, utxo.amount);
    const expected = result.getInput(1).partialSig ?? [];
    assert.equal(expected.length, 1, `case ${n}: Core added one signature to input 1`);
    for (const wif of c.privkeys) {
      const priv = WIF(TEST_NETWORK).decode(wif);
      const pub = secp256k1.getPublicKey(priv, true);
      if (!multisig.pubkeys.some((k) => equalBytes(k, pub))) continue;
      const ours = sign(digest, priv);
      const theirs = expected.find(([k]) => equalBytes(k, pub));
      assert.ok(theirs !== undefined, `case ${n}: Core signed with ${bytesToHex(pub)}`);
      assert.equal(bytesToHex(ours), bytesToHex(theirs[1]), `case ${n}`);
      compared++;
    }
  }
  assert.equal(compared, 2);
});

test('BIP-143 P2WPKH: a published signed transaction is reproduced byte for byte (scure-btc-signer README)', () => {
  // README "Basic transaction sign": three P2WPKH inputs of key 0x01..01, RFC 6979 signatures.
  const unsignedHex =
    '01000000033edaa6c4e0740ae334dbb5857dd8c6faf6ea5196760652ad7033ed9031c261c00000000000ffffffff0d9ae8a4191b3ba5a2b856c21af0f7a4feb97957ae80725ef38a933c906519a20000000000ffffffffc7a4a37d38c2b0de3d3b3e8d8e8a331977c12532fc2a4632df27a89c311ee2fa0000000000ffffffff030a000000000000001976a91406afd46bcdfd22ef94ac122aa11f241244a37ecc88ac320000000000000017a914a860f76561c85551594c18eecceffaee8c4822d7875d00000000000000160014e8df018c7e326cc253faac7e46cdc51e68542c4200000000';
  const signedHex =
    '010000000001033edaa6c4e0740ae334dbb5857dd8c6faf6ea5196760652ad7033ed9031c261c00000000000ffffffff0d9ae8a4191b3ba5a2b856c21af0f7a4feb97957ae80725ef38a933c906519a20000000000ffffffffc7a4a37d38c2b0de3d3b3e8d8e8a331977c12532fc2a4632df27a89c311ee2fa0000000000ffffffff030a000000000000001976a91406afd46bcdfd22ef94ac122aa11f241244a37ecc88ac320000000000000017a914a860f76561c85551594c18eecceffaee8c4822d7875d00000000000000160014e8df018c7e326cc253faac7e46cdc51e68542c4202483045022100d04801283249fc9a80f71d8fe8d9f6dc0e84afc0e59df2733f04ff659e095a8802206ce71c598d8f75b7cb2102b252b7bd04c6228c0826da0ed27104f8cca829869d0121031b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f02473044022026ef492099b86572a965b28d11a40bf9b1e9fe5a2aeab22cbca1b354988910e30220416508f564e67932cb1c38bef7a3c3f0a95470fc81c6cb359a9268a49f6449850121031b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f0247304402202cf37bbcf2c098e48ffc204d0ab688465b43642546d2e0414f5b8e4bdfae9420022006ccfb2415c7a941b6d5c07651fd80b9656bdea5fe793530cf2c604920c72d100121031b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f00000000';
  const priv = new Uint8Array(32).fill(1);
  const pub = secp256k1.getPublicKey(priv, true);
  const view = unsignedView(Transaction.fromRaw(hexToBytes(unsignedHex), { allowUnknownOutputs: true }));
  assert.equal(bytesToHex(serializeUnsignedTx(view)), unsignedHex);
  const amounts = [550n, 600n, 600n];
  const witnesses = amounts.map((amount, i) => [
    sign(bip143Sighash(view, i, p2pkhScript(pub), amount), priv),
    pub,
  ]);
  assert.equal(bytesToHex(serializeSignedTx(view, witnesses)), signedHex);
  assert.equal(txidOf(view), 'e4db0a196f378a6648deb221a2771fde577892479a2d52abbe8cf3d31d2f140f');
});

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const arbTx: fc.Arbitrary<UnsignedTx> = fc.record({
  version: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  lockTime: fc.nat({ max: 0xffffffff }),
  inputs: fc.array(
    fc.record({
      prevout: fc.record({ txid: bytes(32, 32).map(bytesToHex), vout: fc.nat({ max: 0xffffffff }) }),
      sequence: fc.nat({ max: 0xffffffff }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  outputs: fc.array(
    fc.record({ script: bytes(0, 60), amount: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }) }),
    {
      minLength: 1,
      maxLength: 4,
    },
  ),
});

test('BIP-143 digests equal @scure/btc-signer preimageWitnessV0 on random transactions', () => {
  fc.assert(
    fc.property(
      arbTx,
      fc.nat(),
      bytes(0, 80),
      fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
      (view, pick, scriptCode, amount) => {
        const index = pick % view.inputs.length;
        const scure = Transaction.fromRaw(serializeUnsignedTx(view), {
          allowUnknownOutputs: true,
          allowUnknownVersion: true,
          disableScriptCheck: true,
        });
        const theirs = scure.preimageWitnessV0(index, scriptCode, 0x01, amount);
        assert.equal(bytesToHex(bip143Sighash(view, index, scriptCode, amount)), bytesToHex(theirs));
      },
    ),
    { numRuns: 200 },
  );
});

test('BIP-143: only SIGHASH_ALL is computed; other types and bad indexes are RangeErrors', () => {
  const view: UnsignedTx = {
    version: 2,
    lockTime: 0,
    inputs: [{ prevout: { txid: '00'.repeat(32), vout: 0 }, sequence: 0xffffffff }],
    outputs: [{ script: Uint8Array.of(0x51), amount: 1n }],
  };
  for (const t of [0x00, 0x02, 0x03, 0x81, 0x82, 0x83])
    assert.throws(() => bip143Sighash(view, 0, new Uint8Array(0), 1n, t), RangeError);
  assert.throws(() => bip143Sighash(view, 1, new Uint8Array(0), 1n), RangeError);
  assert.throws(() => bip143Sighash(view, -1, new Uint8Array(0), 1n), RangeError);
});
