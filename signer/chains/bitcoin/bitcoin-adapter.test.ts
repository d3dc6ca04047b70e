/**
 * The Bitcoin adapter end to end: PSBT built online → decode → signatures (a test stand-in for the
 * HSM) → assemble, for each accepted input shape; the result is checked against @scure/btc-signer
 * signing the same PSBT with the same key (RFC 6979 / zero aux_rand, so byte-identical). Then one
 * test per refusal.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { base64 } from '@scure/base';
import { p2tr, RawTx, SigHash, TEST_NETWORK, Transaction } from '@scure/btc-signer';
import { type RefusalCode, RefusalError } from '../../errors.js';
import type { Decoded, ProducedSignature } from '../adapter.js';
import { bitcoinAdapter } from './adapter.js';
import { addressOfScript } from './address.js';
import { buildWithdrawalPsbt } from './build.js';
import type { BitcoinState } from './decode.js';
import { ecdsaSign, fakeTxid, privateKey, publicKey, signAll, taprootSign, testContext } from './fixtures.js';
import { BITCOIN_TESTNET } from './network.js';
import { PSBT_PARSE_OPTIONS } from './psbt.js';
import {
  multisigScript,
  p2pkhScript,
  p2trKeyPathScript,
  p2wpkhScript,
  p2wshScript,
  taprootOutputKey,
} from './scripts.js';
import { bip143Sighash } from './sighash.js';
import { verifySchnorr } from './signatures.js';

const ctx = testContext('testnet');
const HOT = publicKey('hot-1');
/** A testnet P2WSH address of nobody here (the BIP-173 example). */
const DEST = 'tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7';
const address = (script: Uint8Array) => addressOfScript(script, BITCOIN_TESTNET)!.address;
const MS_KEYS = [HOT, publicKey('cosigner-a'), publicKey('cosigner-b')];

function decode(rawTx: string, keyLabel = 'hot-1'): Decoded<BitcoinState> {
  return bitcoinAdapter.decode({ withdrawalId: 'w-1', rawTx, keyLabel }, ctx);
}

function refusal(fn: () => unknown, code: RefusalCode): RefusalError {
  try {
    fn();
  } catch (e) {
    assert.ok(
      e instanceof RefusalError,
      `expected RefusalError ${code}, got ${e instanceof Error ? e.stack : e}`,
    );
    assert.equal(e.code, code, e.message);
    assert.equal(e.withdrawalId, 'w-1');
    assert.match(e.message, /^withdrawal w-1: /);
    return e;
  }
  return assert.fail(`expected refusal ${code}`);
}

/** A hand-built PSBT (for shapes the online builder never makes). */
function psbt(build: (tx: Transaction) => void): string {
  const tx = new Transaction({
    allowUnknownOutputs: true,
    allowUnknownInputs: true,
    allowLegacyWitnessUtxo: true,
  });
  build(tx);
  return base64.encode(tx.toPSBT(0));
}

function p2wpkhInput(n: number, amount: bigint, pub = HOT) {
  return { txid: fakeTxid(n), index: n, witnessUtxo: { script: p2wpkhScript(pub), amount } };
}

/** The reference: @scure/btc-signer signs and finalizes the same PSBT with the same key. */
function scureSigned(rawTx: string, label = 'hot-1'): Transaction {
  const tx = Transaction.fromPSBT(base64.decode(rawTx), PSBT_PARSE_OPTIONS);
  tx.sign(privateKey(label), undefined, new Uint8Array(32));
  return tx;
}

function checkVsizeEstimate(decoded: Decoded<BitcoinState>, rawHex: string): void {
  const actual = Transaction.fromRaw(hexToBytes(rawHex), {
    allowUnknownOutputs: true,
    disableScriptCheck: true,
  }).vsize;
  const estimate = Number(/estimated (\d+) vB/.exec(decoded.view.details['fee rate'] ?? '')?.[1]);
  const ecdsa = decoded.signing.filter((r) => r.scheme === 'ecdsa-secp256k1').length;
  assert.ok(
    estimate >= actual && estimate - actual <= Math.ceil(ecdsa / 4) + 1,
    `estimate ${estimate}, actual ${actual}`,
  );
}

test('P2WPKH withdrawal with change: decoded view, BIP-143 requests, raw transaction identical to scure', () => {
  const rawTx = buildWithdrawalPsbt({
    network: 'testnet',
    utxos: [
      { txid: fakeTxid(1), vout: 0, amount: 60_000n },
      { txid: fakeTxid(2), vout: 3, amount: 50_000n, script: p2wpkhScript(HOT) },
    ],
    signingPublicKey: HOT,
    inputType: 'p2wpkh',
    destination: DEST.toUpperCase(),
    amount: 70_000n,
    leave: { fee: 1_234n },
  });
  const d = decode(rawTx);
  const { view } = d;
  assert.equal(view.withdrawalId, 'w-1');
  assert.equal(view.chain, 'bitcoin');
  assert.deepEqual(view.asset, { kind: 'native', symbol: 'BTC', decimals: 8 });
  assert.equal(view.destination, DEST);
  assert.equal(view.amount, 70_000n);
  assert.equal(view.fee, 1_234n);
  assert.equal(view.nonce, undefined);
  assert.deepEqual(view.change, [{ destination: address(p2wpkhScript(HOT)), amount: 38_766n }]);
  assert.deepEqual(view.replayKeys, [`btc-outpoint:${fakeTxid(1)}:0`, `btc-outpoint:${fakeTxid(2)}:3`]);
  assert.equal(view.details.inputs, '2');
  assert.equal(view.details['input types'], '2 × p2wpkh');
  assert.equal(view.details.locktime, '0 (none)');
  assert.equal(view.details.result, 'a complete signed transaction');
  assert.match(view.details['fee rate'] ?? '', /^≈ \d+\.\d sat\/vB \(estimated \d+ vB\)$/);
  assert.equal(bitcoinAdapter.canonicalDestination(DEST, ctx, 'w-1'), view.destination);

  assert.equal(d.signing.length, 2);
  d.signing.forEach((r, i) => {
    assert.equal(r.scheme, 'ecdsa-secp256k1');
    assert.equal(r.keyLabel, 'hot-1');
    assert.equal(r.inputIndex, i);
    assert.deepEqual(r.publicKey, HOT);
    assert.equal(r.digest.length, 32);
  });
  // The digest is BIP-143 with scriptCode = P2PKH(key), over the transaction's own view.
  assert.deepEqual(d.signing[1]!.digest, bip143Sighash(d.state.unsigned, 1, p2pkhScript(HOT), 50_000n));

  const signed = bitcoinAdapter.assemble(d, signAll(d));
  assert.equal(signed.format, 'raw');
  assert.ok(signed.format === 'raw');
  assert.equal(signed.txid, view.details.txid);
  const reference = scureSigned(rawTx);
  reference.finalize();
  assert.equal(signed.hex, reference.hex);
  assert.equal(signed.txid, reference.id);
  checkVsizeEstimate(d, signed.hex);
});

test('P2WSH 2-of-3 (Airlock first): Airlock adds one partial signature and returns a PSBT a cosigner completes', () => {
  const rawTx = buildWithdrawalPsbt({
    network: 'testnet',
    utxos: [{ txid: fakeTxid(3), vout: 1, amount: 100_000n }],
    signingPublicKey: HOT,
    inputType: 'p2wsh-multisig',
    multisig: { m: 2, pubkeys: MS_KEYS, sort: true },
    destination: DEST,
    amount: 40_000n,
    leave: { fee: 2_000n },
  });
  const d = decode(rawTx);
  const ms = p2wshScript(
    multisigScript(
      2,
      [...MS_KEYS].sort((a, b) => bytesToHex(a).localeCompare(bytesToHex(b))),
    ),
  );
  assert.deepEqual(d.view.change, [{ destination: address(ms), amount: 58_000n }]);
  assert.equal(d.view.details['input types'], '1 × p2wsh 2-of-3 multisig');
  assert.equal(d.view.details.result, 'a PSBT still needing 1 cosigner signature(s)');
  assert.equal(d.signing[0]!.scheme, 'ecdsa-secp256k1');

  const signed = bitcoinAdapter.assemble(d, signAll(d));
  assert.equal(signed.format, 'psbt');
  assert.ok(signed.format === 'psbt');
  assert.equal(signed.txid, d.view.details.txid);
  const out = Transaction.fromPSBT(base64.decode(signed.psbtBase64), PSBT_PARSE_OPTIONS);
  assert.equal(out.id, signed.txid);
  const partial = out.getInput(0).partialSig ?? [];
  assert.equal(partial.length, 1);
  assert.deepEqual(partial[0]![0], HOT);
  // Airlock's own output is not signable again by Airlock: it already carries the key's signature.
  refusal(() => decode(signed.psbtBase64), 'MALFORMED_TX');
  // A cosigner completes it; the network transaction has the decoded txid.
  out.sign(privateKey('cosigner-b'));
  out.finalize();
  assert.equal(out.id, signed.txid);
  const tx = RawTx.decode(out.extract());
  assert.equal(tx.witnesses?.[0]?.length, 4);
});

test('P2WSH 2-of-3 (cosigner first): a valid cosigner signature is kept and Airlock finalizes to a raw transaction', () => {
  const rawTx = buildWithdrawalPsbt({
    network: 'testnet',
    utxos: [{ txid: fakeTxid(4), vout: 0, amount: 100_000n }],
    signingPublicKey: HOT,
    inputType: 'p2wsh-multisig',
    multisig: { m: 2, pubkeys: MS_KEYS },
    destination: DEST,
    amount: 40_000n,
    leave: { fee: 2_000n },
  });
  const cosigned = Transaction.fromPSBT(base64.decode(rawTx), PSBT_PARSE_OPTIONS);
  cosigned.sign(privateKey('cosigner-a'));
  const cosignedB64 = base64.encode(cosigned.toPSBT(0));
  const d = decode(cosignedB64);
  assert.equal(d.view.details.result, 'a complete signed transaction');
  const signed = bitcoinAdapter.assemble(d, signAll(d));
  assert.ok(signed.format === 'raw');
  const reference = scureSigned(cosignedB64);
  reference.finalize();
  assert.equal(signed.hex, reference.hex);
  checkVsizeEstimate(d, signed.hex);
});

test('P2WSH 1-of-1 multisig finalizes to a raw transaction', () => {
  const rawTx = buildWithdrawalPsbt({
    network: 'testnet',
    utxos: [{ txid: fakeTxid(5), vout: 2, amount: 25_000n }],
    signingPublicKey: HOT,
    inputType: 'p2wsh-multisig',
    multisig: { m: 1, pubkeys: [HOT] },
    destination: DEST,
    amount: 24_000n,
    leave: { change: 0n },
  });
  const d = decode(rawTx);
  assert.equal(d.view.fee, 1_000n);
  assert.deepEqual(d.view.change, []);
  const signed = bitcoinAdapter.assemble(d, signAll(d));
  assert.ok(signed.format === 'raw');
  const reference = scureSigned(rawTx);
  reference.finalize();
  assert.equal(signed.hex, reference.hex);
  checkVsizeEstimate(d, signed.hex);
});

test('P2TR key path: BIP-340 request with the enrolled key; the tweaked-key signature gives a raw tx that verifies', () => {
  const rawTx = buildWithdrawalPsbt({
    network: 'testnet',
    utxos: [
      { txid: fakeTxid(6), vout: 0, amount: 30_000n },
      { txid: fakeTxid(7), vout: 1, amount: 30_000n, script: p2trKeyPathScript(HOT) },
    ],
    signingPublicKey: HOT,
    inputType: 'p2tr',
    destination: DEST,
    amount: 50_000n,
    leave: { fee: 600n },
  });
  const d = decode(rawTx);
  assert.equal(d.view.details['input types'], '2 × p2tr key path');
  assert.deepEqual(d.view.change, [{ destination: address(p2trKeyPathScript(HOT)), amount: 9_400n }]);
  for (const r of d.signing) {
    assert.equal(r.scheme, 'bip340-secp256k1');
    assert.deepEqual(r.publicKey, HOT);
  }
  const signed = bitcoinAdapter.assemble(d, signAll(d));
  assert.ok(signed.format === 'raw');
  const tx = RawTx.decode(hexToBytes(signed.hex));
  tx.witnesses?.forEach((w, i) => {
    assert.equal(w.length, 1);
    assert.equal(w[0]!.length, 64, 'SIGHASH_DEFAULT: no hash-type byte');
    assert.ok(verifySchnorr(w[0]!, d.signing[i]!.digest, taprootOutputKey(HOT)));
  });
  const reference = scureSigned(rawTx);
  reference.finalize();
  assert.equal(signed.hex, reference.hex);
  checkVsizeEstimate(d, signed.hex);
});

test('P2TR key path with an even-Y enrolled key too (treasury-2; hot-1 is odd-Y): both parities sign', () => {
  const T2 = publicKey('treasury-2');
  assert.equal(T2[0], 0x02);
  assert.equal(HOT[0], 0x03);
  const rawTx = buildWithdrawalPsbt({
    network: 'testnet',
    utxos: [{ txid: fakeTxid(10), vout: 0, amount: 30_000n }],
    signingPublicKey: T2,
    inputType: 'p2tr',
    destination: DEST,
    amount: 20_000n,
    leave: { fee: 500n },
  });
  const d = decode(rawTx, 'treasury-2');
  const signed = bitcoinAdapter.assemble(d, signAll(d, 'treasury-2'));
  assert.ok(signed.format === 'raw');
  const reference = scureSigned(rawTx, 'treasury-2');
  reference.finalize();
  assert.equal(signed.hex, reference.hex);
});

test('PSBT v2 (BIP-370) input: decoded like v0; a cosigner PSBT comes back as v2', () => {
  const v0 = buildWithdrawalPsbt({
    network: 'testnet',
    utxos: [{ txid: fakeTxid(11), vout: 0, amount: 100_000n }],
    signingPublicKey: HOT,
    inputType: 'p2wsh-multisig',
    multisig: { m: 2, pubkeys: MS_KEYS },
    destination: DEST,
    amount: 40_000n,
    leave: { fee: 2_000n },
  });
  const v2 = base64.encode(Transaction.fromPSBT(base64.decode(v0), PSBT_PARSE_OPTIONS).toPSBT(2));
  const d0 = decode(v0);
  const d2 = decode(v2);
  assert.equal(d2.view.details['psbt version'], '2');
  assert.equal(d2.view.details.txid, d0.view.details.txid);
  assert.deepEqual(d2.signing, d0.signing);
  const signed = bitcoinAdapter.assemble(d2, signAll(d2));
  assert.ok(signed.format === 'psbt');
  const out = Transaction.fromPSBT(base64.decode(signed.psbtBase64), PSBT_PARSE_OPTIONS);
  assert.equal(out.opts.PSBTVersion, 2);
  assert.equal(out.id, d0.view.details.txid);
});

test('P2TR key path with sighashType SIGHASH_ALL: 65-byte signature with the type byte', () => {
  const rawTx = psbt((tx) => {
    tx.addInput({
      txid: fakeTxid(8),
      index: 0,
      witnessUtxo: { script: p2trKeyPathScript(HOT), amount: 10_000n },
      sighashType: SigHash.ALL,
    });
    tx.addOutputAddress(DEST, 9_000n, TEST_NETWORK);
  });
  const d = decode(rawTx);
  const signed = bitcoinAdapter.assemble(d, signAll(d));
  assert.ok(signed.format === 'raw');
  const w = RawTx.decode(hexToBytes(signed.hex)).witnesses?.[0];
  assert.equal(w?.[0]?.length, 65);
  assert.equal(w?.[0]?.[64], 0x01);
});

test('mixed P2WPKH + P2TR + P2WSH 2-of-3: single-key inputs are finalized, the multisig keeps a partial signature', () => {
  const ws = multisigScript(2, MS_KEYS);
  const rawTx = psbt((tx) => {
    tx.addInput(p2wpkhInput(1, 20_000n));
    tx.addInput({
      txid: fakeTxid(2),
      index: 1,
      witnessUtxo: { script: p2trKeyPathScript(HOT), amount: 20_000n },
    });
    tx.addInput({
      txid: fakeTxid(9),
      index: 0,
      witnessUtxo: { script: p2wshScript(ws), amount: 20_000n },
      witnessScript: ws,
    });
    tx.addOutput({ script: p2wpkhScript(publicKey('stranger')), amount: 59_000n });
  });
  const d = decode(rawTx);
  assert.equal(d.view.details['input types'], '1 × p2wpkh, 1 × p2tr key path, 1 × p2wsh 2-of-3 multisig');
  assert.deepEqual(
    d.signing.map((r) => r.scheme),
    ['ecdsa-secp256k1', 'bip340-secp256k1', 'ecdsa-secp256k1'],
  );
  const signed = bitcoinAdapter.assemble(d, signAll(d));
  assert.ok(signed.format === 'psbt');
  const out = Transaction.fromPSBT(base64.decode(signed.psbtBase64), PSBT_PARSE_OPTIONS);
  assert.equal(out.getInput(0).finalScriptWitness?.length, 2);
  assert.equal(out.getInput(1).finalScriptWitness?.length, 1);
  assert.equal(out.getInput(2).finalScriptWitness, undefined);
  out.sign(privateKey('cosigner-a'));
  out.finalizeIdx(2);
  assert.equal(out.id, signed.txid);
  assert.equal(RawTx.decode(out.extract()).witnesses?.[2]?.length, 4);
});

test('change to another enrolled key (P2WPKH of treasury-2) is change, not a payment', () => {
  const rawTx = psbt((tx) => {
    tx.addInput(p2wpkhInput(1, 50_000n));
    tx.addOutput({ script: p2wpkhScript(publicKey('treasury-2')), amount: 10_000n });
    tx.addOutput({ script: p2wpkhScript(publicKey('stranger')), amount: 39_000n });
  });
  const d = decode(rawTx);
  assert.equal(d.view.destination, address(p2wpkhScript(publicKey('stranger'))));
  assert.deepEqual(d.view.change, [
    { destination: address(p2wpkhScript(publicKey('treasury-2'))), amount: 10_000n },
  ]);
});

// Refusals, one per rule.

test('refused: unknown signing key, and a key that is not secp256k1 (UNKNOWN_KEY)', () => {
  const rawTx = psbt((tx) => {
    tx.addInput(p2wpkhInput(1, 50_000n));
    tx.addOutput({ script: p2wpkhScript(publicKey('stranger')), amount: 49_000n });
  });
  const e = refusal(() => decode(rawTx, 'no-such-key'), 'UNKNOWN_KEY');
  assert.equal(e.field, 'keyLabel');
  assert.equal(e.found, 'no-such-key');
  refusal(() => decode(rawTx, 'ed-1'), 'UNKNOWN_KEY');
});

test('refused: an input of another key (FOREIGN_INPUT names the input and its address)', () => {
  const stranger = p2wpkhScript(publicKey('stranger'));
  const rawTx = psbt((tx) => {
    tx.addInput(p2wpkhInput(1, 50_000n));
    tx.addInput(p2wpkhInput(2, 50_000n, publicKey('stranger')));
    tx.addOutput({ script: stranger, amount: 99_000n });
  });
  const e = refusal(() => decode(rawTx), 'FOREIGN_INPUT');
  assert.equal(e.field, 'inputs[1]');
  assert.equal(e.found, `${address(stranger)} (p2wpkh)`);
  assert.match(e.message, /inputs\[1\] spends tb1q/);
});

test('refused: a multisig without the signing key (FOREIGN_INPUT), a non-multisig witnessScript (UNSUPPORTED_INPUT_TYPE)', () => {
  const theirs = multisigScript(2, [publicKey('cosigner-a'), publicKey('cosigner-b')]);
  refusal(
    () =>
      decode(
        psbt((tx) => {
          tx.addInput({
            txid: fakeTxid(1),
            index: 0,
            witnessUtxo: { script: p2wshScript(theirs), amount: 9_000n },
            witnessScript: theirs,
          });
          tx.addOutput({ script: p2wpkhScript(publicKey('stranger')), amount: 8_000n });
        }),
      ),
    'FOREIGN_INPUT',
  );
  const p2pkInScript = Uint8Array.from([33, ...HOT, 0xac]);
  const e = refusal(
    () =>
      decode(
        psbt((tx) => {
          tx.addInput({
            txid: fakeTxid(1),
            index: 0,
            witnessUtxo: { script: p2wshScript(p2pkInScript), amount: 9_000n },
            witnessScript: p2pkInScript,
          });
          tx.addOutput({ script: p2wpkhScript(publicKey('stranger')), amount: 8_000n });
        }),
      ),
    'UNSUPPORTED_INPUT_TYPE',
  );
  assert.equal(e.field, 'inputs[0].witnessScript');
});

test('refused: an input without witnessUtxo, even with nonWitnessUtxo (MISSING_WITNESS_UTXO)', () => {
  const prev = new Transaction({ allowUnknownInputs: true });
  prev.addOutput({ script: p2wpkhScript(HOT), amount: 50_000n });
  prev.addInput({ txid: fakeTxid(20), index: 0, finalScriptSig: Uint8Array.of(0x51) });
  const prevRaw = prev.toBytes(true, false);
  const rawTx = psbt((tx) => {
    tx.addInput({ txid: prev.id, index: 0, nonWitnessUtxo: prevRaw });
    tx.addOutput({ script: p2wpkhScript(publicKey('stranger')), amount: 49_000n });
  });
  const e = refusal(() => decode(rawTx), 'MISSING_WITNESS_UTXO');
  assert.equal(e.field, 'inputs[0].witnessUtxo');
  assert.equal(e.found, 'only nonWitnessUtxo');
});

test('refused: a second external output (UNOWNED_CHANGE names the extra output and its address)', () => {
  const second = p2wpkhScript(publicKey('cosigner-a'));
  const rawTx = psbt((tx) => {
    tx.addInput(p2wpkhInput(1, 100_000n));
    tx.addOutput({ script: p2wpkhScript(publicKey('stranger')), amount: 40_000n });
    tx.addOutput({ script: p2wpkhScript(HOT), amount: 10_000n });
    tx.addOutput({ script: second, amount: 49_000n });
  });
  const e = refusal(() => decode(rawTx), 'UNOWNED_CHANGE');
  assert.equal(e.field, 'outputs[2]');
  assert.match(e.message, new RegExp(`outputs\\[2\\] pays 49000 sat to ${address(second)}`));
});

test('refused: taproot change of an enrolled key that is not an input script (UNOWNED_CHANGE)', () => {
  const rawTx = psbt((tx) => {
    tx.addInput(p2wpkhInput(1, 100_000n));
    tx.addOutput({ script: p2wpkhScript(publicKey('stranger')), amount: 40_000n });
    tx.addOutput({ script: p2trKeyPathScript(publicKey('treasury-2')), amount: 59_000n });
  });
  refusal(() => decode(rawTx), 'UNOWNED_CHANGE');
});

test('refused: an OP_RETURN output (UNEXPECTED_OUTPUT)', () => {
  const rawTx = psbt((tx) => {
    tx.addInput(p2wpkhInput(1, 100_000n));
    tx.addOutput({ script: p2wpkhScript(publicKey('stranger')), amount: 40_000n });
    tx.addOutput({ script: hexToBytes('6a0461697221'), amount: 0n });
  });
  const e = refusal(() => decode(rawTx), 'UNEXPECTED_OUTPUT');
  assert.equal(e.field, 'outputs[1].script');
  assert.equal(e.found, 'script 6a0461697221');
});

test('refused: no payment at all, only change (UNEXPECTED_OUTPUT)', () => {
  const rawTx = psbt((tx) => {
    tx.addInput(p2wpkhInput(1, 100_000n));
    tx.addOutput({ script: p2wpkhScript(HOT), amount: 99_000n });
  });
  refusal(() => decode(rawTx), 'UNEXPECTED_OUTPUT');
});

test('refused: payment to a P2TR output key that is not a curve point (UNEXPECTED_OUTPUT)', () => {
  const rawTx = psbt((tx) => {
    tx.addInput(p2wpkhInput(1, 100_000n));
    tx.addOutput({ script: Uint8Array.from([0x51, 32, ...new Uint8Array(32).fill(0xff)]), amount: 99_000n });
  });
  refusal(() => decode(rawTx), 'UNEXPECTED_OUTPUT');
});

test('refused: sighash types other than ALL (SIGHASH_NOT_ALL), on P2WPKH and on P2TR', () => {
  const cases: [number, boolean][] = [
    [SigHash.NONE, false],
    [SigHash.SINGLE, false],
    [SigHash.ALL_ANYONECANPAY, false],
    [SigHash.DEFAULT, false], // 0 is BIP-341 only
    [SigHash.NONE, true],
    [SigHash.ALL_ANYONECANPAY, true],
  ];
  for (const [sighashType, taproot] of cases) {
    const rawTx = psbt((tx) => {
      tx.addInput({
        txid: fakeTxid(1),
        index: 0,
        witnessUtxo: { script: taproot ? p2trKeyPathScript(HOT) : p2wpkhScript(HOT), amount: 10_000n },
        sighashType,
      });
      tx.addOutput({ script: p2wpkhScript(publicKey('stranger')), amount: 9_000n });
    });
    const e = refusal(() => decode(rawTx), 'SIGHASH_NOT_ALL');
    assert.equal(e.field, 'inputs[0].sighashType');
  }
});

test('refused: a legacy P2PKH input of the signing key (UNSUPPORTED_INPUT_TYPE)', () => {
  const rawTx = psbt((tx) => {
    tx.addInput({ txid: fakeTxid(1), index: 0, witnessUtxo: { script: p2pkhScript(HOT), amount: 10_000n } });
    tx.addOutput({ script: p2wpkhScript(publicKey('stranger')), amount: 9_000n });
  });
  const e = refusal(() => decode(rawTx), 'UNSUPPORTED_INPUT_TYPE');
  assert.match(e.message, /legacy/);
});

test('refused: a taproot input of the signing key with a script tree (UNSUPPORTED_INPUT_TYPE, or FOREIGN_INPUT without metadata)', () => {
  const leaf = Uint8Array.from([0x20, ...HOT.subarray(1), 0xac]);
  const tree = p2tr(HOT.subarray(1), { script: leaf }, TEST_NETWORK, true);
  const withTree = psbt((tx) => {
    tx.addInput({
      txid: fakeTxid(1),
      index: 0,
      witnessUtxo: { script: tree.script, amount: 10_000n },
      tapInternalKey: tree.tapInternalKey,
      tapMerkleRoot: tree.tapMerkleRoot,
      tapLeafScript: tree.tapLeafScript,
    });
    tx.addOutput({ script: p2wpkhScript(publicKey('stranger')), amount: 9_000n });
  });
  const e = refusal(() => decode(withTree), 'UNSUPPORTED_INPUT_TYPE');
  assert.match(e.message, /script tree/);
  // The same output without the tree metadata: its output key is not the BIP-86 key of the signer.
  const bare = psbt((tx) => {
    tx.addInput({ txid: fakeTxid(1), index: 0, witnessUtxo: { script: tree.script, amount: 10_000n } });
    tx.addOutput({ script: p2wpkhScript(publicKey('stranger')), amount: 9_000n });
  });
  refusal(() => decode(bare), 'FOREIGN_INPUT');
});

test('refused: inputs already signed or finalized, or carrying fields Airlock does not accept (MALFORMED_TX)', () => {
  const mySig = ecdsaSign(new Uint8Array(32).fill(9), privateKey('hot-1'));
  const cases: [string, Record<string, unknown>][] = [
    [
      'partialSig',
      {
        partialSig: [
          [HOT, Uint8Array.from([...secp256k1.Signature.fromBytes(mySig.compact).toBytes('der'), 1])],
        ],
      },
    ],
    ['finalScriptWitness', { finalScriptWitness: [new Uint8Array(71), HOT] }],
    ['porCommitment', { porCommitment: Uint8Array.of(1, 2, 3) }],
    ['sha256', { sha256: [[new Uint8Array(32), new Uint8Array(1)]] }],
  ];
  for (const [name, extra] of cases) {
    const rawTx = psbt((tx) => {
      tx.addOutput({ script: p2wpkhScript(publicKey('stranger')), amount: 9_000n });
      tx.addInput({ ...p2wpkhInput(1, 10_000n), ...extra });
    });
    const e = refusal(() => decode(rawTx), 'MALFORMED_TX');
    assert.equal(e.field, `inputs[0].${name}`, e.message);
  }
});

test('refused: a cosigner partial signature that does not verify for this transaction (MALFORMED_TX)', () => {
  const ws = multisigScript(2, MS_KEYS);
  const badSig = ecdsaSign(new Uint8Array(32).fill(7), privateKey('cosigner-a'));
  const der = Uint8Array.from([...secp256k1.Signature.fromBytes(badSig.compact).toBytes('der'), 1]);
  const rawTx = psbt((tx) => {
    tx.addOutput({ script: p2wpkhScript(publicKey('stranger')), amount: 9_000n });
    tx.addInput({
      txid: fakeTxid(1),
      index: 0,
      witnessUtxo: { script: p2wshScript(ws), amount: 10_000n },
      witnessScript: ws,
      partialSig: [[publicKey('cosigner-a'), der]],
    });
  });
  const e = refusal(() => decode(rawTx), 'MALFORMED_TX');
  assert.equal(e.field, 'inputs[0].partialSig');
});

test('refused: outputs worth more than the inputs (MALFORMED_TX)', () => {
  const rawTx = psbt((tx) => {
    tx.addInput(p2wpkhInput(1, 10_000n));
    tx.addOutput({ script: p2wpkhScript(publicKey('stranger')), amount: 10_001n });
  });
  const e = refusal(() => decode(rawTx), 'MALFORMED_TX');
  assert.equal(e.field, 'fee');
});

test('refused: the same outpoint spent twice (MALFORMED_TX)', () => {
  const rawTx = psbt((tx) => {
    tx.addInput(p2wpkhInput(1, 10_000n));
    tx.addInput(p2wpkhInput(1, 10_000n));
    tx.addOutput({ script: p2wpkhScript(publicKey('stranger')), amount: 19_000n });
  });
  refusal(() => decode(rawTx), 'MALFORMED_TX');
});

test('assemble refuses signatures that do not fit the requests (SIGNATURE_VERIFY_FAILED)', () => {
  const rawTx = psbt((tx) => {
    tx.addInput(p2wpkhInput(1, 10_000n));
    tx.addOutput({ script: p2wpkhScript(publicKey('stranger')), amount: 9_000n });
  });
  const d = decode(rawTx);
  const good = signAll(d);
  const wrongDigest = ecdsaSign(new Uint8Array(32).fill(3), privateKey('hot-1'));
  const wrongKey = ecdsaSign(d.signing[0]!.digest, privateKey('stranger'));
  const g = good[0]! as Extract<ProducedSignature, { scheme: 'ecdsa-secp256k1' }>;
  const n = secp256k1.Point.CURVE().n;
  const highS = new Uint8Array(64);
  highS.set(g.compact.subarray(0, 32));
  highS.set(hexToBytes((n - g.s).toString(16).padStart(64, '0')), 32);
  const cases: ProducedSignature[][] = [
    [],
    [...good, ...good],
    [wrongDigest],
    [wrongKey],
    [{ ...g, s: n - g.s, compact: highS }],
    [{ scheme: 'bip340-secp256k1', bytes: taprootSign(d.signing[0]!.digest, privateKey('hot-1')) }],
  ];
  for (const sigs of cases) refusal(() => bitcoinAdapter.assemble(d, sigs), 'SIGNATURE_VERIFY_FAILED');
  assert.equal(bitcoinAdapter.assemble(d, good).format, 'raw');
});
