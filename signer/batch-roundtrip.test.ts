/**
 * The whole withdrawal path on real keys: online build → appliance inspectBatch → signBatch with the
 * HSM backend over SoftHSM2 → online verifyResultForBatch. Signed transactions are also checked with
 * independent code (scure-btc-signer's BIP-143 preimage, micro-eth-signer's sender recovery), then the
 * result is tampered with and each change must be refused.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { base64 } from '@scure/base';
import { OutScript, SigHash, Transaction } from '@scure/btc-signer';
import { Transaction as EthTransaction } from 'micro-eth-signer';
import {
  ADDRESSES,
  type BatchFixture,
  BTC_KEY,
  type BuiltBatch,
  buildBatch,
  createBatchFixture,
  draft,
  FOREIGN_PUBLIC_KEY,
  fakeTxid,
  INSPECT_AT,
  manyIntents,
  resign,
} from '../test-support/batch-fixture.js';
import { approvedForTests } from '../test-support/quorum.js';
import type { SignatureScheme } from './chains/adapter.js';
import { hash160 } from './chains/bitcoin/encoding.js';
import { type BitcoinState, buildWithdrawalPsbt } from './chains/bitcoin/index.js';
import { addressOfPublicKey, type EthereumState, toChecksumAddress } from './chains/ethereum/index.js';
import { type RefusalCode, RefusalError } from './errors.js';
import { digestOf, type ResultWire } from './format/index.js';
import type { HsmSigningBackend } from './hsm-backend.js';
import { type InspectedBatch, inspectBatch } from './inspect.js';
import { type BroadcastTx, verifyResultForBatch } from './online/verify.js';
import { type SignedBatch, type SigningBackend, signBatch } from './sign-batch.js';

let fx: BatchFixture;
let backend: HsmSigningBackend;

before(async () => {
  fx = await createBatchFixture();
  backend = fx.openBackend();
});
after(async () => {
  await backend?.close();
  fx?.cleanup();
});

const SIGNED_AT = new Date(INSPECT_AT.getTime() + 60_000);

interface RoundTrip {
  readonly inspected: InspectedBatch;
  readonly signed: SignedBatch;
  readonly broadcast: BroadcastTx[];
}

async function roundTrip(batchText: string): Promise<RoundTrip> {
  const inspected = inspectBatch(batchText, fx.trust, INSPECT_AT);
  const signed = await signBatch(approvedForTests(inspected), backend, SIGNED_AT);
  const broadcast = verifyResultForBatch(signed.json, batchText, fx.applianceKeys, fx.ctx);
  return { inspected, signed, broadcast };
}

const HALF_N = secp256k1.Point.Fn.ORDER >> 1n;

/** DER + SIGHASH_ALL byte, low-S, verifying over `digest` with `publicKey` (noble, independent of Airlock). */
function checkDerSignature(sig: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): void {
  assert.equal(sig[sig.length - 1], SigHash.ALL, 'sighash byte is SIGHASH_ALL');
  const parsed = secp256k1.Signature.fromBytes(sig.subarray(0, -1), 'der');
  assert.ok(parsed.s <= HALF_N, 'low-S');
  assert.ok(secp256k1.verify(parsed.toBytes('compact'), digest, publicKey, { prehash: false }));
}

/** The BIP-143 digest of input `i` of the batch's PSBT, computed by scure-btc-signer. */
function scureSighash(psbtBase64: string, i: number, scriptCode: Uint8Array): Uint8Array {
  const tx = Transaction.fromPSBT(base64.decode(psbtBase64));
  return tx.preimageWitnessV0(i, scriptCode, SigHash.ALL, tx.getInput(i).witnessUtxo!.amount);
}

/** Every withdrawal signed, in batch order, and each signed transaction is the batch's, signed by the enrolled key. */
function checkSigned({ inspected, signed, broadcast }: RoundTrip): Record<string, number> {
  const kinds: Record<string, number> = {};
  const count = (kind: string) => {
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  };
  assert.deepEqual(
    broadcast.map((b) => b.id),
    inspected.withdrawals.map((w) => w.declared.id),
  );
  assert.equal(signed.result.batchId, inspected.batch.batchId);
  assert.equal(signed.result.batchDigest, bytesToHex(inspected.batch.digest));
  const ethAddress = toChecksumAddress(addressOfPublicKey(fx.ethKey.publicKey));
  inspected.withdrawals.forEach(({ declared, decoded }, n) => {
    const out = broadcast[n]!;
    const signedTx = signed.withdrawals[n]!.signedTx;
    if (declared.chain === 'bitcoin') {
      const state = decoded.state as BitcoinState;
      assert.equal(out.txid, state.txid, `${declared.id}: txid is the unsigned transaction's`);
      const multisig = state.inputs.some((i) => i.kind === 'p2wsh-multisig');
      if (!multisig) {
        count('p2wpkh');
        assert.equal(signedTx.format, 'raw', `${declared.id}: P2WPKH comes out complete`);
        assert.equal(out.format, 'raw');
        const tx = Transaction.fromRaw(hexToBytes(out.payload));
        assert.equal(tx.id, state.txid);
        const scriptCode = OutScript.encode({ type: 'pkh', hash: hash160(fx.btcKey.publicKey) });
        for (let i = 0; i < tx.inputsLength; i++) {
          const [sig, pubkey] = tx.getInput(i).finalScriptWitness!;
          assert.deepEqual(pubkey, fx.btcKey.publicKey);
          checkDerSignature(sig!, scureSighash(declared.rawTx, i, scriptCode), fx.btcKey.publicKey);
        }
      } else {
        count('p2wsh');
        assert.equal(signedTx.format, 'psbt', `${declared.id}: 2-of-3 comes out as a PSBT for the cosigners`);
        assert.equal(out.format, 'psbt');
        const psbt = Transaction.fromPSBT(base64.decode(out.payload));
        assert.equal(psbt.id, state.txid);
        for (let i = 0; i < psbt.inputsLength; i++) {
          const input = psbt.getInput(i);
          assert.equal(input.finalScriptWitness, undefined, 'not finalized: one signature of two');
          const ours = (input.partialSig ?? []).filter(
            ([pk]) => bytesToHex(pk) === bytesToHex(fx.btcKey.publicKey),
          );
          assert.equal(ours.length, 1, `${declared.id} inputs[${i}] carries Airlock's partial signature`);
          assert.equal(input.partialSig!.length, 1);
          checkDerSignature(
            ours[0]![1],
            scureSighash(declared.rawTx, i, input.witnessScript!),
            fx.btcKey.publicKey,
          );
        }
      }
    } else {
      count(declared.asset.kind === 'native' ? 'eth' : 'erc20');
      assert.equal(out.format, 'raw');
      const tx = EthTransaction.fromHex(`0x${out.payload}`);
      assert.equal(tx.sender, ethAddress, `${declared.id}: recovers to the enrolled key's address`);
      assert.equal(tx.hash, `0x${out.txid}`);
      assert.equal(tx.toHex({ includeSignature: false }), `0x${declared.rawTx.replace(/^0x/, '')}`);
      // What the HSM signed is the digest of exactly that unsigned payload.
      assert.deepEqual(
        keccak_256(tx.toBytes({ includeSignature: false })),
        (decoded.state as EthereumState).digest,
      );
    }
  });
  return kinds;
}

let mixedOnce: Promise<{ readonly built: BuiltBatch; readonly trip: RoundTrip }> | undefined;

/** The sample batch, signed once and shared by the tests below (each test awaits it, none depends on another's run). */
function mixed(): Promise<{ readonly built: BuiltBatch; readonly trip: RoundTrip }> {
  mixedOnce ??= buildBatch(fx).then(async (built) => ({ built, trip: await roundTrip(built.json) }));
  return mixedOnce;
}

test('mixed batch (P2WPKH, P2WSH 2-of-3, ETH, ERC-20): signed on SoftHSM2 and verified by the online node', async () => {
  const { trip: mixedTrip } = await mixed();
  assert.deepEqual(checkSigned(mixedTrip), { p2wpkh: 1, p2wsh: 1, eth: 1, erc20: 1 });
  assert.deepEqual(
    mixedTrip.broadcast.map((b) => [b.id, b.format]),
    [
      ['wd-btc-0001', 'raw'],
      ['wd-btc-0002', 'psbt'],
      ['wd-eth-0001', 'raw'],
      ['wd-usdc-0001', 'raw'],
    ],
  );
});

test('60-withdrawal batch: every transaction signed and verified', async () => {
  const built = await buildBatch(fx, manyIntents(60));
  const trip = await roundTrip(built.json);
  assert.equal(trip.broadcast.length, 60);
  assert.deepEqual(checkSigned(trip), { p2wpkh: 15, p2wsh: 15, eth: 15, erc20: 15 });
  assert.equal(new Set(trip.broadcast.map((b) => b.txid)).size, 60);
});

// --- a tampered result -----------------------------------------------------------------------------

type Draft = {
  -readonly [K in keyof ResultWire]: K extends 'withdrawals'
    ? {
        id: string;
        chain: string;
        signedTx: { format: string; hex?: string; psbtBase64?: string; txid: string };
      }[]
    : ResultWire[K];
};

/** The appliance key (on the token) re-signs a changed result: only the online node's own checks can refuse it. */
async function resignResult(result: Draft): Promise<string> {
  const { signature: _old, ...body } = result;
  const value = bytesToHex(await backend.signAppliance(digestOf(body)));
  return JSON.stringify({ ...body, signature: { alg: 'ed25519', value } });
}

async function resultDraft(): Promise<Draft> {
  return JSON.parse((await mixed()).trip.signed.json) as Draft;
}

async function assertVerifyRefuses(
  resultText: string,
  expected: { code: RefusalCode; withdrawalId: string | undefined; field: string | undefined },
): Promise<void> {
  const batchText = (await mixed()).built.json;
  let thrown: unknown;
  try {
    verifyResultForBatch(resultText, batchText, fx.applianceKeys, fx.ctx);
  } catch (err) {
    thrown = err;
  }
  if (thrown === undefined) assert.fail('the tampered result was accepted');
  if (!(thrown instanceof RefusalError)) throw thrown;
  assert.deepEqual(
    { code: thrown.code, withdrawalId: thrown.withdrawalId, field: thrown.field },
    expected,
    thrown.message,
  );
}

/** Flip the low bit of the byte `byteOffset` bytes into the first occurrence of `needle` in `hex`. */
function flipInside(hex: string, needle: Uint8Array, byteOffset: number): string {
  const at = hex.indexOf(bytesToHex(needle));
  assert.ok(at >= 0 && at % 2 === 0, 'the bytes to flip are in the transaction');
  const i = at + 2 * byteOffset;
  const flipped = (Number.parseInt(hex.slice(i, i + 2), 16) ^ 0x01).toString(16).padStart(2, '0');
  return `${hex.slice(0, i)}${flipped}${hex.slice(i + 2)}`;
}

test('result with a flipped byte in a signed transaction: refused (unsigned: result signature; re-signed: the transaction check)', async () => {
  const { trip: mixedTrip } = await mixed();
  const btcHex = mixedTrip.broadcast[0]!.payload;
  const tx = Transaction.fromRaw(hexToBytes(btcHex));
  const [sig] = tx.getInput(0).finalScriptWitness!;
  // A byte inside r of the witness signature: the txid stays, the signature breaks.
  const badSig = flipInside(btcHex, sig!, 8);
  // A byte of the payment output's script: another transaction (another txid) than the batch's.
  const destScript = tx.getOutput(0).script!;
  const badOutput = flipInside(btcHex, destScript, 10);

  const withHex = async (id: string, hex: string): Promise<Draft> => {
    const d = await resultDraft();
    d.withdrawals.find((w) => w.id === id)!.signedTx.hex = hex;
    return d;
  };
  await assertVerifyRefuses(JSON.stringify(await withHex('wd-btc-0001', badSig)), {
    code: 'RESULT_SIGNATURE_INVALID',
    withdrawalId: undefined,
    field: 'signature.value',
  });
  await assertVerifyRefuses(await resignResult(await withHex('wd-btc-0001', badSig)), {
    code: 'SIGNATURE_VERIFY_FAILED',
    withdrawalId: 'wd-btc-0001',
    field: 'inputs[0].witness',
  });

  // Witnesses the network would refuse while the txid stays: the online node must not call them
  // broadcastable. (1) a flipped byte of the P2WPKH witness key; (2) [sig, sig].
  const [wSig, wKey] = tx.getInput(0).finalScriptWitness!;
  await assertVerifyRefuses(await resignResult(await withHex('wd-btc-0001', flipInside(btcHex, wKey!, 5))), {
    code: 'SIGNATURE_VERIFY_FAILED',
    withdrawalId: 'wd-btc-0001',
    field: 'inputs[0].witness',
  });
  const twoSigs = Transaction.fromRaw(hexToBytes(btcHex), { allowUnknownOutputs: true });
  twoSigs.updateInput(0, { finalScriptWitness: [wSig!, wSig!] }, true);
  await assertVerifyRefuses(
    await resignResult(await withHex('wd-btc-0001', bytesToHex(twoSigs.toBytes(true, true)))),
    {
      code: 'SIGNATURE_VERIFY_FAILED',
      withdrawalId: 'wd-btc-0001',
      field: 'inputs[0].witness',
    },
  );
  await assertVerifyRefuses(await resignResult(await withHex('wd-btc-0001', badOutput)), {
    code: 'SIGNATURE_VERIFY_FAILED',
    withdrawalId: 'wd-btc-0001',
    field: 'txid',
  });

  // Ethereum: the last byte of s. The signature now recovers to another address.
  const ethHex = mixedTrip.broadcast[2]!.payload;
  const last = (Number.parseInt(ethHex.slice(-2), 16) ^ 0x01).toString(16).padStart(2, '0');
  await assertVerifyRefuses(
    await resignResult(await withHex('wd-eth-0001', `${ethHex.slice(0, -2)}${last}`)),
    {
      code: 'SIGNATURE_VERIFY_FAILED',
      withdrawalId: 'wd-eth-0001',
      field: 'from',
    },
  );

  // The multisig PSBT: Airlock's partial signature damaged.
  const d = await resultDraft();
  const ms = d.withdrawals.find((w) => w.id === 'wd-btc-0002')!.signedTx;
  const psbt = Transaction.fromPSBT(base64.decode(ms.psbtBase64!));
  const [pk, partial] = psbt.getInput(1).partialSig![0]!;
  const damaged = Uint8Array.from(partial);
  damaged[8]! ^= 0x01;
  // scure refuses to overwrite a key's signature: remove it, then add the damaged one.
  psbt.updateInput(1, { partialSig: undefined }, true);
  psbt.updateInput(1, { partialSig: [[pk, damaged]] }, true);
  assert.deepEqual(psbt.getInput(1).partialSig, [[pk, damaged]]);
  ms.psbtBase64 = base64.encode(psbt.toPSBT(0));
  await assertVerifyRefuses(await resignResult(d), {
    code: 'SIGNATURE_VERIFY_FAILED',
    withdrawalId: 'wd-btc-0002',
    field: 'inputs[1].partialSig',
  });

  // (3) The 2-of-3 passed off as a complete raw transaction with only Airlock's signature.
  const incomplete = Transaction.fromPSBT(base64.decode(mixedTrip.broadcast[1]!.payload));
  for (let i = 0; i < incomplete.inputsLength; i++) {
    const input = incomplete.getInput(i);
    const [, ourSig] = input.partialSig![0]!;
    incomplete.updateInput(
      i,
      { finalScriptWitness: [new Uint8Array(0), ourSig, input.witnessScript!] },
      true,
    );
  }
  const faked = await resultDraft();
  const fakedTx = faked.withdrawals.find((w) => w.id === 'wd-btc-0002')!;
  fakedTx.signedTx = {
    format: 'raw',
    hex: bytesToHex(incomplete.toBytes(true, true)),
    txid: fakedTx.signedTx.txid,
  };
  await assertVerifyRefuses(await resignResult(faked), {
    code: 'SIGNATURE_VERIFY_FAILED',
    withdrawalId: 'wd-btc-0002',
    field: 'inputs[0].witness',
  });
});

test('result with two withdrawals’ signed transactions swapped: refused', async () => {
  const swap = async (a: string, b: string): Promise<Draft> => {
    const d = await resultDraft();
    const wa = d.withdrawals.find((w) => w.id === a)!;
    const wb = d.withdrawals.find((w) => w.id === b)!;
    [wa.signedTx, wb.signedTx] = [wb.signedTx, wa.signedTx];
    return d;
  };
  await assertVerifyRefuses(JSON.stringify(await swap('wd-eth-0001', 'wd-usdc-0001')), {
    code: 'RESULT_SIGNATURE_INVALID',
    withdrawalId: undefined,
    field: 'signature.value',
  });
  // Same key, both valid signatures: but not the payload the batch holds for that withdrawal.
  await assertVerifyRefuses(await resignResult(await swap('wd-eth-0001', 'wd-usdc-0001')), {
    code: 'SIGNATURE_VERIFY_FAILED',
    withdrawalId: 'wd-eth-0001',
    field: 'signedTx',
  });
  await assertVerifyRefuses(await resignResult(await swap('wd-btc-0001', 'wd-btc-0002')), {
    code: 'SIGNATURE_VERIFY_FAILED',
    withdrawalId: 'wd-btc-0001',
    field: 'txid',
  });
  // Across chains: the result no longer answers each withdrawal with its chain.
  const crossed = await resultDraft();
  const [btc, eth] = [crossed.withdrawals[0]!, crossed.withdrawals[2]!];
  [btc.id, eth.id] = [eth.id, btc.id];
  await assertVerifyRefuses(await resignResult(crossed), {
    code: 'MANIFEST_MISMATCH',
    withdrawalId: 'wd-btc-0001',
    field: 'withdrawals',
  });
});

test('result naming another batch digest, or missing a withdrawal: refused', async () => {
  const d = await resultDraft();
  d.batchDigest = `${d.batchDigest.slice(0, -1)}${d.batchDigest.endsWith('0') ? '1' : '0'}`;
  await assertVerifyRefuses(JSON.stringify(d), {
    code: 'RESULT_SIGNATURE_INVALID',
    withdrawalId: undefined,
    field: 'signature.value',
  });
  await assertVerifyRefuses(await resignResult(d), {
    code: 'RESULT_SIGNATURE_INVALID',
    withdrawalId: undefined,
    field: 'batchDigest',
  });
  const short = await resultDraft();
  short.withdrawals.pop();
  await assertVerifyRefuses(await resignResult(short), {
    code: 'MANIFEST_MISMATCH',
    withdrawalId: undefined,
    field: 'withdrawals',
  });
});

/** The real HSM backend, with a record of every call that would make the token sign. */
function recording(real: SigningBackend): { spy: SigningBackend; calls: string[] } {
  const calls: string[] = [];
  const spy: SigningBackend = {
    applianceKeyId: real.applianceKeyId,
    supports: (scheme: SignatureScheme) => real.supports(scheme),
    publicKey: (label) => real.publicKey(label),
    signEcdsa: (label, publicKey, digests) => {
      calls.push(`signEcdsa ${label}`);
      return real.signEcdsa(label, publicKey, digests);
    },
    signAppliance: (digest) => {
      calls.push('signAppliance');
      return real.signAppliance(digest);
    },
  };
  return { spy, calls };
}

test('a batch with a P2TR input is refused by signBatch (HSM_MECHANISM_UNAVAILABLE) before the HSM signs anything', async () => {
  const taproot = buildWithdrawalPsbt({
    network: 'testnet',
    utxos: [{ txid: fakeTxid('taproot'), vout: 0, amount: 400_000n }],
    signingPublicKey: fx.btcKey.publicKey,
    inputType: 'p2tr',
    destination: ADDRESSES.btcOther,
    amount: 100_000n,
    leave: { fee: 1_000n },
  });
  const base = await buildBatch(fx);
  const d = draft(base.batch);
  // Last in the batch, so a pipeline that signed as it went would already have signed the others.
  d.withdrawals.push({
    id: 'wd-btc-taproot',
    chain: 'bitcoin',
    asset: 'native',
    destination: ADDRESSES.btcOther,
    amount: '100000',
    feeCap: '2000',
    keyLabel: BTC_KEY,
    rawTx: taproot,
  });
  const inspected = inspectBatch(resign(d, { recomputeManifest: true }), fx.trust, INSPECT_AT);
  const tr = inspected.withdrawals[4]!.decoded;
  assert.deepEqual(
    tr.signing.map((s) => s.scheme),
    ['bip340-secp256k1'],
  );

  const { spy, calls } = recording(backend);
  await assert.rejects(signBatch(approvedForTests(inspected), spy, SIGNED_AT), (err: unknown) => {
    assert.ok(err instanceof RefusalError, String(err));
    assert.deepEqual(
      { code: err.code, withdrawalId: err.withdrawalId, field: err.field },
      { code: 'HSM_MECHANISM_UNAVAILABLE', withdrawalId: 'wd-btc-taproot', field: 'inputs[0]' },
    );
    assert.match(err.message, /BIP-340/);
    return true;
  });
  assert.deepEqual(calls, [], 'nothing reached the HSM');
});

test("an enrolled key that is not the token's key under that label: refused by signBatch (UNKNOWN_KEY) before signing", async () => {
  // The registry says btc-treasury-1 is a key the token does not hold (a stale or forged enrolment).
  const keys = new Map(fx.ctx.keys);
  keys.set(BTC_KEY, { label: BTC_KEY, curve: 'secp256k1', publicKey: FOREIGN_PUBLIC_KEY });
  const ctx = { ...fx.ctx, keys };
  const built = await buildBatch({ ...fx, ctx });
  const inspected = inspectBatch(built.json, { ...fx.trust, ctx }, INSPECT_AT);
  const { spy, calls } = recording(backend);
  await assert.rejects(signBatch(approvedForTests(inspected), spy, SIGNED_AT), (err: unknown) => {
    assert.ok(err instanceof RefusalError, String(err));
    assert.deepEqual(
      { code: err.code, withdrawalId: err.withdrawalId, field: err.field },
      { code: 'UNKNOWN_KEY', withdrawalId: 'wd-btc-0001', field: 'keyLabel' },
    );
    return true;
  });
  assert.deepEqual(calls, [], 'nothing reached the HSM');
});
