/**
 * The online PSBT builder: what it builds is exactly what the appliance decodes (property test over
 * key types, UTXO sets, amounts and fees), and bad arguments are TypeError / RangeError naming the
 * argument.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { base64 } from '@scure/base';
import { Transaction } from '@scure/btc-signer';
import fc from 'fast-check';
import { bitcoinAdapter } from './adapter.js';
import { addressOfScript } from './address.js';
import { type BuildWithdrawalParams, buildWithdrawalPsbt } from './build.js';
import { fakeTxid, publicKey, signAll, testContext } from './fixtures.js';
import { BITCOIN_MAINNET } from './network.js';
import { PSBT_PARSE_OPTIONS } from './psbt.js';
import { p2trKeyPathScript, p2wpkhScript } from './scripts.js';

const HOT = publicKey('hot-1');
const MAIN_DEST = addressOfScript(p2trKeyPathScript(publicKey('stranger')), BITCOIN_MAINNET)!.address;

const base: BuildWithdrawalParams = {
  network: 'mainnet',
  utxos: [{ txid: fakeTxid(1), vout: 0, amount: 50_000n }],
  signingPublicKey: HOT,
  inputType: 'p2wpkh',
  destination: MAIN_DEST,
  amount: 10_000n,
  leave: { fee: 500n },
};

test('build then decode: the appliance sees exactly the amount, destination, fee, change and outpoints built', () => {
  const ctx = testContext('mainnet');
  fc.assert(
    fc.property(
      fc.constantFrom('p2wpkh' as const, 'p2tr' as const, 'p2wsh-multisig' as const),
      fc.array(fc.bigInt({ min: 1_000n, max: 10n ** 12n }), { minLength: 1, maxLength: 5 }),
      fc.bigInt({ min: 0n, max: 10n ** 6n }),
      fc.nat({ max: 1000 }),
      (inputType, amounts, fee, permille) => {
        const total = amounts.reduce((a, b) => a + b, 0n);
        fc.pre(total > fee + 1_000n);
        const amount = ((total - fee) * BigInt(permille)) / 1000n;
        const change = total - fee - amount;
        fc.pre(amount > 0n && (change === 0n || change >= 330n));
        const rawTx = buildWithdrawalPsbt({
          ...base,
          utxos: amounts.map((a, i) => ({ txid: fakeTxid(i), vout: i, amount: a })),
          inputType,
          multisig: { m: 2, pubkeys: [publicKey('cosigner-a'), HOT, publicKey('cosigner-b')], sort: true },
          amount,
          leave: { fee },
        });
        const d = bitcoinAdapter.decode({ withdrawalId: 'w-b', rawTx, keyLabel: 'hot-1' }, ctx);
        assert.equal(d.view.destination, MAIN_DEST);
        assert.equal(d.view.amount, amount);
        assert.equal(d.view.fee, fee);
        assert.deepEqual(
          d.view.change.map((c) => c.amount),
          change === 0n ? [] : [change],
        );
        assert.deepEqual(
          d.view.replayKeys,
          amounts.map((_, i) => `btc-outpoint:${fakeTxid(i)}:${i}`),
        );
        assert.equal(d.signing.length, amounts.length);
        assert.equal(bitcoinAdapter.assemble(d, signAll(d)).txid, d.view.details.txid);
      },
    ),
    { numRuns: 60 },
  );
});

test('build: leave {change} and leave {fee} describe the same transaction', () => {
  const a = buildWithdrawalPsbt({ ...base, leave: { fee: 500n } });
  const b = buildWithdrawalPsbt({ ...base, leave: { change: 39_500n } });
  assert.equal(a, b);
  const tx = Transaction.fromPSBT(base64.decode(a), PSBT_PARSE_OPTIONS);
  assert.equal(tx.fee, 500n);
  assert.deepEqual(tx.getOutput(1).script, p2wpkhScript(HOT));
});

test('build: a non-zero lockTime makes it enforceable (sequence 0xfffffffe)', () => {
  const tx = Transaction.fromPSBT(
    base64.decode(buildWithdrawalPsbt({ ...base, lockTime: 840_000 })),
    PSBT_PARSE_OPTIONS,
  );
  assert.equal(tx.lockTime, 840_000);
  assert.equal(tx.getInput(0).sequence, 0xfffffffe);
});

test('build: bad arguments are TypeError / RangeError naming the argument', () => {
  const cases: [Partial<BuildWithdrawalParams>, ErrorConstructor, RegExp][] = [
    [{ utxos: [] }, RangeError, /"utxos"/],
    [
      { destination: 'tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7' },
      RangeError,
      /"destination".*testnet/,
    ],
    [{ amount: 10_000 as unknown as bigint }, TypeError, /"amount" expected bigint/],
    [{ amount: -1n }, RangeError, /"amount"/],
    [{ leave: { fee: 45_000n } }, RangeError, /less than amount/],
    [{ leave: { fee: 39_800n } }, RangeError, /dust/],
    [{ utxos: [{ txid: 'XYZ', vout: 0, amount: 1n }] }, TypeError, /"utxos\[0\].txid"/],
    [{ utxos: [{ txid: fakeTxid(1), vout: -1, amount: 50_000n }] }, RangeError, /"utxos\[0\].vout"/],
    [
      { utxos: [{ txid: fakeTxid(1), vout: 0, amount: 50_000n, script: p2trKeyPathScript(HOT) }] },
      RangeError,
      /"utxos\[0\].script"/,
    ],
    [{ signingPublicKey: new Uint8Array(33) }, TypeError, /"signingPublicKey"/],
    [{ inputType: 'p2wsh-multisig' }, TypeError, /"multisig" is required/],
    [
      { inputType: 'p2wsh-multisig', multisig: { m: 1, pubkeys: [publicKey('stranger')] } },
      RangeError,
      /must contain/,
    ],
    [{ destination: addressOfScript(p2wpkhScript(HOT), BITCOIN_MAINNET)!.address }, RangeError, /own script/],
    [{ lockTime: -1 }, RangeError, /"lockTime"/],
  ];
  for (const [patch, type, message] of cases)
    assert.throws(
      () => buildWithdrawalPsbt({ ...base, ...patch }),
      (e: unknown) => e instanceof type && message.test(e.message),
      JSON.stringify(patch, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)),
    );
});
