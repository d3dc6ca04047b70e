/**
 * BIP-174 / BIP-370 conformance of the PSBT parsing step and of decode's refusals, driven by the
 * BIP's own test vectors (bip174_test_vectors.json) and Bitcoin Core's rpc_psbt.json.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readVector } from '../../../test-support/paths.js';
import { type RefusalCode, RefusalError } from '../../errors.js';
import { bitcoinAdapter } from './adapter.js';
import { testContext } from './fixtures.js';
import { parsePsbt } from './psbt.js';

interface BipVector {
  readonly description: string;
  readonly hex: string;
  readonly base64: string;
}
interface BipVectors {
  readonly invalid: BipVector[];
  readonly valid: BipVector[];
  readonly failSignerChecks: BipVector[];
  readonly roles: {
    readonly creator: { readonly result: string };
    readonly updater: { readonly result: string };
    readonly signer: { readonly result: string }[];
    readonly combiner: { readonly result: string };
  };
}
interface RpcVectors {
  readonly invalid: string[];
  readonly invalid_with_msg: [string, string][];
  readonly valid: string[];
}

const bip = readVector<BipVectors>('bip174/bip174_test_vectors.json');
const rpc = readVector<RpcVectors>('bip174/rpc_psbt.json');
const ctx = testContext('testnet');

function refusalOf(rawTx: string): RefusalError {
  try {
    bitcoinAdapter.decode({ withdrawalId: 'w-vec', rawTx, keyLabel: 'hot-1' }, ctx);
  } catch (e) {
    assert.ok(
      e instanceof RefusalError,
      `expected a RefusalError, got ${e instanceof Error ? e.stack : String(e)}`,
    );
    assert.equal(e.withdrawalId, 'w-vec');
    return e;
  }
  return assert.fail('decode accepted a PSBT that spends no coins of the signing key');
}

test('BIP-174 invalid vectors: every one is refused MALFORMED_TX', () => {
  assert.equal(bip.invalid.length, 20);
  for (const v of bip.invalid) {
    const e = refusalOf(v.base64);
    assert.equal(e.code, 'MALFORMED_TX', v.description);
    assert.equal(e.field, 'rawTx', v.description);
  }
});

test('Bitcoin Core rpc_psbt.json invalid and invalid_with_msg: every one is refused MALFORMED_TX', () => {
  assert.equal(rpc.invalid.length, 60);
  for (const [i, psbt] of rpc.invalid.entries())
    assert.equal(refusalOf(psbt).code, 'MALFORMED_TX', `invalid[${i}]`);
  for (const [psbt, msg] of rpc.invalid_with_msg) assert.equal(refusalOf(psbt).code, 'MALFORMED_TX', msg);
});

test('BIP-174 valid vectors parse, and decode refuses them for the reason the BIP describes', () => {
  // None spends the test key's coins; the expected code follows from each vector's description.
  const expected: readonly RefusalCode[] = [
    'MISSING_WITNESS_UTXO', // one P2PKH input (nonWitnessUtxo only)
    'MISSING_WITNESS_UTXO', // P2PKH input, already finalized, no UTXO record
    'MISSING_WITNESS_UTXO', // P2PKH input (nonWitnessUtxo only)
    'MISSING_WITNESS_UTXO', // P2PKH input (nonWitnessUtxo only) then P2SH-P2WPKH
    'UNSUPPORTED_INPUT_TYPE', // P2SH-P2WSH: witnessUtxo present, but P2SH-wrapped
    'FOREIGN_INPUT', // P2WSH 2-of-2 of other keys
    'MISSING_WITNESS_UTXO', // unknown types only
    'FOREIGN_INPUT', // P2WPKH of another key
    'MALFORMED_TX', // 0 inputs, 0 outputs
    'MALFORMED_TX', // 0 inputs
  ];
  assert.equal(bip.valid.length, expected.length);
  bip.valid.forEach((v, i) => {
    assert.doesNotThrow(() => parsePsbt(v.base64, 'w-vec'), v.description);
    assert.equal(refusalOf(v.base64).code, expected[i], v.description);
  });
});

test('Bitcoin Core rpc_psbt.json valid (v0 and v2): parse, then refused as not ours with a specific code', () => {
  assert.equal(rpc.valid.length, 34);
  const allowed = new Set<RefusalCode>([
    'MISSING_WITNESS_UTXO',
    'UNSUPPORTED_INPUT_TYPE',
    'FOREIGN_INPUT',
    'MALFORMED_TX',
  ]);
  let v2 = 0;
  for (const [i, psbt] of rpc.valid.entries()) {
    const parsed = parsePsbt(psbt, 'w-vec');
    if (parsed.psbtVersion === 2) v2++;
    const e = refusalOf(psbt);
    assert.ok(allowed.has(e.code), `valid[${i}]: ${e.code} ${e.message}`);
    // MALFORMED_TX only for the vector that spends nothing (index 5 has 0 inputs).
    if (e.code === 'MALFORMED_TX') assert.equal(parsed.unsigned.inputs.length, 0, `valid[${i}]`);
  }
  assert.equal(v2, 14, 'the last 14 vectors are PSBTv2 (BIP-370)');
  // Deterministic spot checks: taproot key path of another key; taproot with a script tree.
  assert.equal(refusalOf(rpc.valid[14]!).code, 'FOREIGN_INPUT');
  assert.equal(refusalOf(rpc.valid[17]!).code, 'UNSUPPORTED_INPUT_TYPE');
});

test('BIP-174 signer checks: a signer must not sign these; the script mismatches are MALFORMED_TX', () => {
  const [witnessForLegacy, ...mismatches] = bip.failSignerChecks;
  assert.ok(witnessForLegacy !== undefined && mismatches.length === 3);
  // "A Witness UTXO is provided for a non-witness input": a legacy P2PKH input.
  assert.equal(refusalOf(witnessForLegacy.base64).code, 'UNSUPPORTED_INPUT_TYPE');
  for (const v of mismatches) assert.equal(refusalOf(v.base64).code, 'MALFORMED_TX', v.description);
});

test('BIP-174 role PSBTs (creator, updater, signer, combiner) parse', () => {
  const { creator, updater, signer, combiner } = bip.roles;
  for (const psbt of [creator.result, updater.result, ...signer.map((s) => s.result), combiner.result])
    assert.doesNotThrow(() => parsePsbt(psbt, 'w-vec'));
});

test('the parsing step refuses text that is not base64 and inputs that are not strings, as MALFORMED_TX', () => {
  for (const bad of ['', 'cHNidP8', 'not base64!', ' cHNidP8BAAoCAAAAAAAAAAAAAA==']) {
    assert.throws(
      () => parsePsbt(bad, 'w-1'),
      (e: unknown) => e instanceof RefusalError && e.code === 'MALFORMED_TX' && e.withdrawalId === 'w-1',
      JSON.stringify(bad),
    );
  }
  assert.throws(
    () => parsePsbt(42 as unknown as string, 'w-1'),
    (e: unknown) => e instanceof RefusalError && e.code === 'MALFORMED_TX',
  );
});
