/**
 * Tampered withdrawal batches: one test per kind of difference between what a batch says (the words)
 * and what its raw transactions do (the bytes), or between the batch and the appliance's trust anchors.
 * Each tamper is minimal and re-signed with the coordinator key (a compromised online node signs
 * whatever it likes), so the refusal asserted is the one for that difference, never merely a broken
 * signature. Every refusal is checked for its code, withdrawal and field; any other error type fails.
 *
 * Batches are built with the online builder (signer/online/build.ts) for keys on a real SoftHSM2 token.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { base64 } from '@scure/base';
import { Script, SigHash, Transaction } from '@scure/btc-signer';
import {
  ADDRESSES,
  type BatchFixture,
  type BuiltBatch,
  bitcoinParams,
  buildBatch,
  COORDINATOR,
  createBatchFixture,
  draft,
  EXPIRES_AT,
  ethereumParams,
  ethIntent,
  FOREIGN_PUBLIC_KEY,
  GWEI,
  INSPECT_AT,
  intentOf,
  NOT_ALLOWLISTED_TOKEN,
  p2wpkhIntent,
  ROGUE_COORDINATOR,
  resign,
  sampleIntents,
  tamper,
  USDC,
  usdcIntent,
  withdrawal,
} from '../test-support/batch-fixture.js';
import { buildWithdrawalPsbt } from './chains/bitcoin/index.js';
import { p2wpkhScript } from './chains/bitcoin/scripts.js';
import { buildUnsignedType2, erc20TransferData, selectorOf } from './chains/ethereum/index.js';
import { ADAPTERS } from './chains/index.js';
import { crossCheck } from './crosscheck.js';
import { type RefusalCode, RefusalError } from './errors.js';
import { LIMITS } from './format/index.js';
import { type InspectedBatch, inspectBatch } from './inspect.js';

let fx: BatchFixture;
let built: BuiltBatch;

before(async () => {
  fx = await createBatchFixture();
  built = await buildBatch(fx);
});
after(() => fx?.cleanup());

const inspect = (text: string, now: Date = INSPECT_AT): InspectedBatch => inspectBatch(text, fx.trust, now);

interface Expected {
  readonly code: RefusalCode;
  readonly withdrawalId: string | undefined;
  readonly field: string | undefined;
}

/** Run `fn`; it must throw a RefusalError (any other error is rethrown and fails the test). */
function refusalOf(fn: () => unknown): RefusalError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RefusalError) return err;
    throw err;
  }
  return assert.fail('expected a RefusalError, but nothing was refused');
}

/** Inspecting `text` is refused with exactly this code, withdrawal and field, in words that name them. */
function assertRefused(text: string, expected: Expected, now: Date = INSPECT_AT): RefusalError {
  const err = refusalOf(() => inspect(text, now));
  assert.deepEqual(
    { code: err.code, withdrawalId: err.withdrawalId, field: err.field },
    expected,
    `refused for another reason: ${err.message}`,
  );
  if (expected.withdrawalId !== undefined) assert.match(err.message, new RegExp(expected.withdrawalId));
  return err;
}

/** Rebuild the PSBT of a bitcoin withdrawal through scure: parse, change, serialize (PSBT v0). */
function editPsbt(psbtBase64: string, change: (tx: Transaction) => void): string {
  const tx = Transaction.fromPSBT(base64.decode(psbtBase64), { allowUnknownOutputs: true });
  change(tx);
  return base64.encode(tx.toPSBT(0));
}

test('control: the built batch, and the same batch re-signed by resign(), inspect clean and show the words', () => {
  for (const text of [built.json, resign(built.batch), resign(built.batch, { recomputeManifest: true })]) {
    const inspected = inspect(text);
    assert.equal(inspected.withdrawals.length, 4);
    for (const { declared, decoded } of inspected.withdrawals) {
      const adapter = ADAPTERS[declared.chain];
      assert.equal(decoded.view.chain, declared.chain);
      assert.equal(
        decoded.view.destination,
        adapter.canonicalDestination(declared.destination, fx.ctx, declared.id),
      );
      assert.equal(decoded.view.amount, declared.amount);
      assert.equal(
        decoded.view.asset.kind === 'native' ? 'native' : decoded.view.asset.contract,
        declared.asset.kind === 'native' ? 'native' : declared.asset.contract,
      );
      assert.ok(decoded.view.fee <= declared.feeCap);
    }
  }
  // resign() really signs what it is given: the same body gives the same digest as the builder's batch.
  assert.equal(
    inspect(resign(built.batch)).batch.digest.toString(),
    inspect(built.json).batch.digest.toString(),
  );
});

test('destination differs (bitcoin payment output, ether `to`, ERC-20 recipient): MISMATCH_DESTINATION', () => {
  const btc = intentOf(built, 'wd-btc-0001');
  const otherBtc = buildWithdrawalPsbt({ ...bitcoinParams(fx, btc), destination: ADDRESSES.btcOther });
  assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-btc-0001').rawTx = otherBtc;
    }),
    { code: 'MISMATCH_DESTINATION', withdrawalId: 'wd-btc-0001', field: 'destination' },
  );

  const eth = intentOf(built, 'wd-eth-0001');
  const otherEth = buildUnsignedType2({ ...ethereumParams(eth), to: ADDRESSES.ethOther });
  assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-eth-0001').rawTx = otherEth;
    }),
    { code: 'MISMATCH_DESTINATION', withdrawalId: 'wd-eth-0001', field: 'destination' },
  );

  const usdc = intentOf(built, 'wd-usdc-0001');
  const otherRecipient = buildUnsignedType2({
    ...ethereumParams(usdc),
    data: erc20TransferData(ADDRESSES.ethOther.toLowerCase(), usdc.amount),
  });
  assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-usdc-0001').rawTx = otherRecipient;
    }),
    { code: 'MISMATCH_DESTINATION', withdrawalId: 'wd-usdc-0001', field: 'destination' },
  );

  // The words changed instead of the bytes: the same refusal.
  assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-eth-0001').destination = ADDRESSES.ethOther;
    }),
    { code: 'MISMATCH_DESTINATION', withdrawalId: 'wd-eth-0001', field: 'destination' },
  );
});

test('amount differs (bitcoin payment, ether value, ERC-20 amount): MISMATCH_AMOUNT', () => {
  const btc = intentOf(built, 'wd-btc-0002');
  // 1,000 sat more to the destination, the same fee: the change pays for it.
  const more = buildWithdrawalPsbt({ ...bitcoinParams(fx, btc), amount: btc.amount + 1_000n });
  const err = assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-btc-0002').rawTx = more;
    }),
    { code: 'MISMATCH_AMOUNT', withdrawalId: 'wd-btc-0002', field: 'amount' },
  );
  assert.equal(err.expected, String(btc.amount));
  assert.equal(err.found, String(btc.amount + 1_000n));

  const eth = intentOf(built, 'wd-eth-0001');
  assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-eth-0001').rawTx = buildUnsignedType2({
        ...ethereumParams(eth),
        value: eth.amount + 1n,
      });
    }),
    { code: 'MISMATCH_AMOUNT', withdrawalId: 'wd-eth-0001', field: 'amount' },
  );

  const usdc = intentOf(built, 'wd-usdc-0001');
  assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-usdc-0001').rawTx = buildUnsignedType2({
        ...ethereumParams(usdc),
        data: erc20TransferData(usdc.destination.toLowerCase(), usdc.amount * 10n),
      });
    }),
    { code: 'MISMATCH_AMOUNT', withdrawalId: 'wd-usdc-0001', field: 'amount' },
  );
});

test('asset differs (declared native, bytes an ERC-20 transfer; and the reverse): MISMATCH_ASSET', () => {
  const eth = intentOf(built, 'wd-eth-0001');
  // Same recipient and number, but of USDC units instead of wei.
  const asToken = buildUnsignedType2({
    ...ethereumParams(eth),
    to: USDC.contract,
    value: 0n,
    data: erc20TransferData(eth.destination.toLowerCase(), eth.amount),
  });
  const err = assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-eth-0001').rawTx = asToken;
    }),
    { code: 'MISMATCH_ASSET', withdrawalId: 'wd-eth-0001', field: 'asset' },
  );
  assert.equal(err.expected, 'native');
  assert.equal(err.found, `token ${USDC.contract}`);

  const usdc = intentOf(built, 'wd-usdc-0001');
  // Same recipient and number, but of wei instead of USDC units.
  const asEther = buildUnsignedType2({
    ...ethereumParams(usdc),
    to: usdc.destination,
    value: usdc.amount,
    data: new Uint8Array(0),
  });
  assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-usdc-0001').rawTx = asEther;
    }),
    { code: 'MISMATCH_ASSET', withdrawalId: 'wd-usdc-0001', field: 'asset' },
  );
});

test('chain differs: refused before any cross-check (schema or the declared chain’s adapter); MISMATCH_CHAIN guards the cross-check itself', async () => {
  // A bitcoin withdrawal relabelled ethereum: an ethereum withdrawal must declare its nonce...
  assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-btc-0001').chain = 'ethereum';
    }),
    { code: 'SCHEMA_INVALID', withdrawalId: 'wd-btc-0001', field: 'withdrawals[0].nonce' },
  );
  // ...and with one, its PSBT base64 is not the hex an ethereum rawTx is.
  assertRefused(
    tamper(built.batch, (d) => {
      const w = withdrawal(d, 'wd-btc-0001');
      w.chain = 'ethereum';
      w.nonce = '7';
    }),
    { code: 'SCHEMA_INVALID', withdrawalId: 'wd-btc-0001', field: 'withdrawals[0].rawTx' },
  );

  // An ethereum withdrawal relabelled bitcoin (nonce dropped): 0.25 ETH in wei is more satoshi than exist.
  assertRefused(
    tamper(built.batch, (d) => {
      const w = withdrawal(d, 'wd-eth-0001');
      w.chain = 'bitcoin';
      delete w.nonce;
    }),
    { code: 'SCHEMA_INVALID', withdrawalId: 'wd-eth-0001', field: 'withdrawals[2].amount' },
  );
  // A small ether payment whose hex also reads as base64 gets through the schema to the bitcoin
  // adapter, which does not take an EIP-1559 payload for a PSBT.
  const intents = sampleIntents();
  const small = await buildBatch(fx, {
    ...intents,
    withdrawals: intents.withdrawals.map((w) => (w.id === 'wd-eth-0001' ? { ...w, amount: 100_000n } : w)),
  });
  assert.doesNotThrow(() => inspect(small.json));
  const relabelled = tamper(
    small.batch,
    (d) => {
      const w = withdrawal(d, 'wd-eth-0001');
      assert.equal(w.rawTx.length % 4, 0, 'precondition: the hex is also well-formed base64');
      w.chain = 'bitcoin';
      delete w.nonce;
    },
    { recomputeManifest: true },
  );
  assertRefused(relabelled, { code: 'MALFORMED_TX', withdrawalId: 'wd-eth-0001', field: 'rawTx' });

  // The adapter is chosen by the declared chain, so a decoded view of another chain cannot come out of
  // inspectBatch; the cross-check still refuses one.
  const w = inspect(built.json).withdrawals[0]!;
  const err = refusalOf(() =>
    crossCheck(w.declared, { ...w.decoded.view, chain: 'ethereum' }, ADAPTERS.bitcoin, fx.ctx),
  );
  assert.deepEqual(
    { code: err.code, withdrawalId: err.withdrawalId, field: err.field },
    { code: 'MISMATCH_CHAIN', withdrawalId: 'wd-btc-0001', field: 'chain' },
  );
});

test('nonce differs (bytes, or the declared nonce): MISMATCH_NONCE', () => {
  const eth = intentOf(built, 'wd-eth-0001');
  const err = assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-eth-0001').rawTx = buildUnsignedType2({ ...ethereumParams(eth), nonce: 5n });
    }),
    { code: 'MISMATCH_NONCE', withdrawalId: 'wd-eth-0001', field: 'nonce' },
  );
  assert.equal(err.expected, '0');
  assert.equal(err.found, '5');
  assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-usdc-0001').nonce = '2';
    }),
    { code: 'MISMATCH_NONCE', withdrawalId: 'wd-usdc-0001', field: 'nonce' },
  );
});

test('ethereum fee above the declared cap (maxFeePerGas 41 gwei, still under the appliance cap): FEE_ABOVE_CAP', () => {
  const eth = intentOf(built, 'wd-eth-0001');
  // feeCap is exactly 21,000 gas × 40 gwei; one gwei more per gas is above it.
  const err = assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-eth-0001').rawTx = buildUnsignedType2({
        ...ethereumParams(eth),
        maxFeePerGas: 41n * GWEI,
      });
    }),
    { code: 'FEE_ABOVE_CAP', withdrawalId: 'wd-eth-0001', field: 'feeCap' },
  );
  assert.equal(err.found, String(21_000n * 41n * GWEI));
  // Lowering the declared cap instead: the same refusal.
  assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-usdc-0001').feeCap = String(65_000n * 40n * GWEI - 1n);
    }),
    { code: 'FEE_ABOVE_CAP', withdrawalId: 'wd-usdc-0001', field: 'feeCap' },
  );
});

test('ethereum transaction for another chain id (mainnet 1 in a testnet batch): WRONG_CHAIN_ID', () => {
  const usdc = intentOf(built, 'wd-usdc-0001');
  const err = assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-usdc-0001').rawTx = buildUnsignedType2({ ...ethereumParams(usdc), chainId: 1n });
    }),
    { code: 'WRONG_CHAIN_ID', withdrawalId: 'wd-usdc-0001', field: 'chainId' },
  );
  assert.equal(err.expected, '11155111');
  assert.equal(err.found, '1');
});

test('two withdrawals with the same id: DUPLICATE_WITHDRAWAL_ID', () => {
  const err = assertRefused(
    tamper(built.batch, (d) => {
      d.withdrawals[3]!.id = 'wd-eth-0001';
    }),
    { code: 'DUPLICATE_WITHDRAWAL_ID', withdrawalId: 'wd-eth-0001', field: 'withdrawals[3].id' },
  );
  assert.match(err.message, /withdrawals\[2\]/);
});

test('batch signature does not verify (a flipped byte, changed words, another key): BATCH_SIGNATURE_INVALID', () => {
  const expected: Expected = {
    code: 'BATCH_SIGNATURE_INVALID',
    withdrawalId: undefined,
    field: 'signature.value',
  };
  const value = built.batch.signature.value;
  // Flip the low bit of byte 20 of R || S (hex digits 40-41): still 128 lower-case hex digits.
  const byte = Number.parseInt(value.slice(40, 42), 16) ^ 0x01;
  const flipped = `${value.slice(0, 40)}${byte.toString(16).padStart(2, '0')}${value.slice(42)}`;
  assertRefused(JSON.stringify({ ...built.batch, signature: { alg: 'ed25519', value: flipped } }), expected);
  // Words changed after signing, not re-signed.
  const unsigned = JSON.parse(built.json);
  unsigned.withdrawals[0].amount = '150001';
  unsigned.manifest.totals[0].amount = String(BigInt(unsigned.manifest.totals[0].amount) + 1n);
  assertRefused(JSON.stringify(unsigned), expected);
  // Signed by a key that is not the one enrolled under coordinatorKeyId.
  assertRefused(resign(built.batch, { signer: ROGUE_COORDINATOR }), expected);
});

test('signed by a coordinator key the appliance never enrolled: UNKNOWN_COORDINATOR', () => {
  const err = assertRefused(
    tamper(
      built.batch,
      (d) => {
        d.coordinatorKeyId = ROGUE_COORDINATOR.keyId;
      },
      { signer: ROGUE_COORDINATOR },
    ),
    { code: 'UNKNOWN_COORDINATOR', withdrawalId: undefined, field: 'coordinatorKeyId' },
  );
  assert.equal(err.found, ROGUE_COORDINATOR.keyId);
  assert.match(String(err.expected), new RegExp(COORDINATOR.keyId));
});

test('inspected after expiresAt: BATCH_EXPIRED (and createdAt too far ahead: BATCH_NOT_YET_VALID)', () => {
  assert.doesNotThrow(() => inspect(built.json, EXPIRES_AT));
  const err = assertRefused(
    built.json,
    { code: 'BATCH_EXPIRED', withdrawalId: undefined, field: 'expiresAt' },
    new Date(EXPIRES_AT.getTime() + 1),
  );
  assert.equal(err.found, EXPIRES_AT.toISOString());
  // The appliance clock 5 min + 1 ms behind the coordinator's.
  assertRefused(
    built.json,
    { code: 'BATCH_NOT_YET_VALID', withdrawalId: undefined, field: 'createdAt' },
    new Date(Date.parse(built.batch.createdAt) - LIMITS.maxClockSkewMs - 1),
  );
});

test('PSBT spending a UTXO of a key that is not enrolled: FOREIGN_INPUT', () => {
  const btc = intentOf(built, 'wd-btc-0001');
  // The whole transaction spends someone else's coins, with the same words.
  const foreign = buildWithdrawalPsbt({ ...bitcoinParams(fx, btc), signingPublicKey: FOREIGN_PUBLIC_KEY });
  const err = assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-btc-0001').rawTx = foreign;
    }),
    { code: 'FOREIGN_INPUT', withdrawalId: 'wd-btc-0001', field: 'inputs[0]' },
  );
  assert.match(err.message, /not the signing key/);

  // One foreign input slipped in beside an own one.
  const mixed = editPsbt(withdrawal(draft(built.batch), 'wd-btc-0001').rawTx, (tx) => {
    tx.addInput({
      txid: '11'.repeat(32),
      index: 3,
      witnessUtxo: { script: p2wpkhScript(FOREIGN_PUBLIC_KEY), amount: 10_000n },
    });
  });
  assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-btc-0001').rawTx = mixed;
    }),
    { code: 'FOREIGN_INPUT', withdrawalId: 'wd-btc-0001', field: 'inputs[1]' },
  );

  // The declared key is enrolled, but the PSBT spends coins of another enrolled key's address.
  assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-btc-0001').keyLabel = 'eth-treasury-1';
    }),
    { code: 'FOREIGN_INPUT', withdrawalId: 'wd-btc-0001', field: 'inputs[0]' },
  );
});

test('change sent to an address no enrolled key owns: UNOWNED_CHANGE', () => {
  const original = withdrawal(draft(built.batch), 'wd-btc-0001').rawTx;
  const stolenChange = editPsbt(original, (tx) => {
    assert.equal(tx.outputsLength, 2, 'precondition: payment and change');
    tx.updateOutput(1, { script: p2wpkhScript(FOREIGN_PUBLIC_KEY) });
  });
  const err = assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-btc-0001').rawTx = stolenChange;
    }),
    { code: 'UNOWNED_CHANGE', withdrawalId: 'wd-btc-0001', field: 'outputs[1]' },
  );
  assert.match(err.message, /neither the payment/);
  // The multisig's change moved to a foreign address too.
  const msChange = editPsbt(withdrawal(draft(built.batch), 'wd-btc-0002').rawTx, (tx) => {
    tx.updateOutput(1, { script: p2wpkhScript(FOREIGN_PUBLIC_KEY) });
  });
  assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-btc-0002').rawTx = msChange;
    }),
    { code: 'UNOWNED_CHANGE', withdrawalId: 'wd-btc-0002', field: 'outputs[1]' },
  );
});

test('bitcoin fee above the declared cap (cap + 1 sat): FEE_ABOVE_CAP', () => {
  const btc = intentOf(built, 'wd-btc-0001');
  const greedy = buildWithdrawalPsbt({ ...bitcoinParams(fx, btc), leave: { fee: btc.feeCap + 1n } });
  const err = assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-btc-0001').rawTx = greedy;
    }),
    { code: 'FEE_ABOVE_CAP', withdrawalId: 'wd-btc-0001', field: 'feeCap' },
  );
  assert.equal(err.found, String(btc.feeCap + 1n));
  // Exactly at the cap is fine.
  const atCap = buildWithdrawalPsbt({ ...bitcoinParams(fx, btc), leave: { fee: btc.feeCap } });
  assert.doesNotThrow(() =>
    inspect(
      tamper(built.batch, (d) => {
        withdrawal(d, 'wd-btc-0001').rawTx = atCap;
      }),
    ),
  );
});

test('an input asking for another sighash than ALL: SIGHASH_NOT_ALL', () => {
  const none = editPsbt(withdrawal(draft(built.batch), 'wd-btc-0001').rawTx, (tx) => {
    tx.updateInput(0, { sighashType: SigHash.NONE });
  });
  const err = assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-btc-0001').rawTx = none;
    }),
    { code: 'SIGHASH_NOT_ALL', withdrawalId: 'wd-btc-0001', field: 'inputs[0].sighashType' },
  );
  assert.equal(err.found, 'SIGHASH_NONE');
  // Second input of the multisig, SINGLE|ANYONECANPAY.
  const single = editPsbt(withdrawal(draft(built.batch), 'wd-btc-0002').rawTx, (tx) => {
    tx.updateInput(1, { sighashType: SigHash.SINGLE_ANYONECANPAY });
  });
  assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-btc-0002').rawTx = single;
    }),
    { code: 'SIGHASH_NOT_ALL', withdrawalId: 'wd-btc-0002', field: 'inputs[1].sighashType' },
  );
});

test('approve() instead of transfer() on the allowlisted token: CALLDATA_REFUSED', () => {
  const usdc = intentOf(built, 'wd-usdc-0001');
  const data = erc20TransferData(usdc.destination.toLowerCase(), usdc.amount);
  // approve(spender, amount) has the same argument layout: only the selector differs.
  data.set(Buffer.from(selectorOf('approve(address,uint256)'), 'hex'), 0);
  const err = assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-usdc-0001').rawTx = buildUnsignedType2({ ...ethereumParams(usdc), data });
    }),
    { code: 'CALLDATA_REFUSED', withdrawalId: 'wd-usdc-0001', field: 'data' },
  );
  assert.match(err.message, /approve\(address,uint256\)/);
});

test('ERC-20 transfer on a contract that is not allowlisted (words and bytes agree): TOKEN_NOT_ALLOWLISTED', () => {
  const usdc = intentOf(built, 'wd-usdc-0001');
  const err = assertRefused(
    tamper(
      built.batch,
      (d) => {
        const w = withdrawal(d, 'wd-usdc-0001');
        w.asset = NOT_ALLOWLISTED_TOKEN;
        w.rawTx = buildUnsignedType2({ ...ethereumParams(usdc), to: NOT_ALLOWLISTED_TOKEN });
      },
      { recomputeManifest: true },
    ),
    { code: 'TOKEN_NOT_ALLOWLISTED', withdrawalId: 'wd-usdc-0001', field: 'to' },
  );
  assert.match(String(err.found), /^0xdAC17F958D2ee523a2206206994597C13D831ec7$/);
});

test('manifest totals or count not what the withdrawals add up to: MANIFEST_MISMATCH', () => {
  const t = built.batch.manifest.totals;
  assert.deepEqual(
    t.map((x) => `${x.chain}:${x.asset}`),
    ['bitcoin:native', 'ethereum:native', `ethereum:${USDC.contract}`],
  );
  const err = assertRefused(
    tamper(built.batch, (d) => {
      d.manifest.totals[1]!.amount = String(BigInt(d.manifest.totals[1]!.amount) - 1n);
    }),
    { code: 'MANIFEST_MISMATCH', withdrawalId: undefined, field: 'manifest.totals[1].amount' },
  );
  assert.equal(err.expected, '250000000000000000');
  assertRefused(
    tamper(built.batch, (d) => {
      d.manifest.count = 3;
    }),
    { code: 'MANIFEST_MISMATCH', withdrawalId: undefined, field: 'manifest.count' },
  );
  assertRefused(
    tamper(built.batch, (d) => {
      d.manifest.totals.pop();
    }),
    { code: 'MANIFEST_MISMATCH', withdrawalId: undefined, field: 'manifest.totals' },
  );
  // A withdrawal's amount raised with the manifest left as it was (bytes raised too, so only the manifest differs).
  const eth = intentOf(built, 'wd-eth-0001');
  assertRefused(
    tamper(built.batch, (d) => {
      const w = withdrawal(d, 'wd-eth-0001');
      w.amount = String(eth.amount * 2n);
      w.rawTx = buildUnsignedType2({ ...ethereumParams(eth), value: eth.amount * 2n });
    }),
    { code: 'MANIFEST_MISMATCH', withdrawalId: undefined, field: 'manifest.totals[1].amount' },
  );
});

test('two withdrawals spending the same outpoint, or the same account nonce: DUPLICATE_SPEND', async () => {
  const intents = sampleIntents();
  // The online builder signs this (each withdrawal is fine on its own); the appliance refuses it.
  const sameUtxo = await buildBatch(fx, {
    ...intents,
    withdrawals: [
      ...intents.withdrawals,
      { ...p2wpkhIntent('wd-btc-0003', 'wd-btc-0001'), destination: ADDRESSES.btcOther },
    ],
  });
  const err = assertRefused(sameUtxo.json, {
    code: 'DUPLICATE_SPEND',
    withdrawalId: 'wd-btc-0003',
    field: 'rawTx',
  });
  assert.match(err.message, /wd-btc-0001/);
  const sameNonce = await buildBatch(fx, {
    ...intents,
    withdrawals: [ethIntent('wd-eth-0001', 0n), usdcIntent('wd-usdc-0001', 0n)],
  });
  assertRefused(sameNonce.json, { code: 'DUPLICATE_SPEND', withdrawalId: 'wd-usdc-0001', field: 'rawTx' });
});

test('a mainnet batch on a testnet appliance: WRONG_NETWORK', () => {
  const err = assertRefused(
    tamper(built.batch, (d) => {
      d.network = 'mainnet';
    }),
    { code: 'WRONG_NETWORK', withdrawalId: undefined, field: 'network' },
  );
  assert.equal(err.expected, 'testnet');
  assert.equal(err.found, 'mainnet');
});

// --- further refusals of the same family -----------------------------------------------------------

test('a key label nobody enrolled: UNKNOWN_KEY', () => {
  assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-eth-0001').keyLabel = 'eth-treasury-9';
    }),
    { code: 'UNKNOWN_KEY', withdrawalId: 'wd-eth-0001', field: 'keyLabel' },
  );
});

test('ethereum gas limit or max fee per gas above the appliance caps: GAS_LIMIT_ABOVE_CAP, MAX_FEE_ABOVE_CAP', () => {
  const usdc = intentOf(built, 'wd-usdc-0001');
  assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-usdc-0001').rawTx = buildUnsignedType2({
        ...ethereumParams(usdc),
        gasLimit: 200_001n,
      });
    }),
    { code: 'GAS_LIMIT_ABOVE_CAP', withdrawalId: 'wd-usdc-0001', field: 'gasLimit' },
  );
  assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-usdc-0001').rawTx = buildUnsignedType2({
        ...ethereumParams(usdc),
        maxFeePerGas: 500n * GWEI + 1n,
      });
    }),
    { code: 'MAX_FEE_ABOVE_CAP', withdrawalId: 'wd-usdc-0001', field: 'maxFeePerGas' },
  );
});

test('ERC-20 transfer that also sends ether to the token contract: VALUE_WITH_TOKEN_TRANSFER', () => {
  const usdc = intentOf(built, 'wd-usdc-0001');
  assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-usdc-0001').rawTx = buildUnsignedType2({ ...ethereumParams(usdc), value: 1n });
    }),
    { code: 'VALUE_WITH_TOKEN_TRANSFER', withdrawalId: 'wd-usdc-0001', field: 'value' },
  );
});

test('an extra OP_RETURN output: UNEXPECTED_OUTPUT', () => {
  const withData = editPsbt(withdrawal(draft(built.batch), 'wd-btc-0001').rawTx, (tx) => {
    tx.addOutput({ script: Script.encode(['RETURN', new Uint8Array(8)]), amount: 0n });
  });
  assertRefused(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-btc-0001').rawTx = withData;
    }),
    { code: 'UNEXPECTED_OUTPUT', withdrawalId: 'wd-btc-0001', field: 'outputs[2].script' },
  );
});
