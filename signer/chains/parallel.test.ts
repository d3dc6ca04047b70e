/**
 * signer/chains/parallel.ts gives exactly what calling the adapters one by one gives: the same decoded
 * withdrawals (and frozen where the adapter froze them), the same signed transactions, and for an item
 * that fails the same refusal (code, message, details), also when the worker thread did the item.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { normalizeSecp256k1, verifiedRecovery } from '../../hsm/ecdsa.js';
import { mixedIntents } from '../../test-support/mixed-intents.js';
import { RefusalError } from '../errors.js';
import { parseBatch } from '../format/index.js';
import { NETWORKS } from '../networks.js';
import { buildSignedBatch } from '../online/build.js';
import type { AdapterContext, EcdsaSignature } from './adapter.js';
import { ADAPTERS } from './index.js';
import {
  type AssembleItem,
  assembleAll,
  type DecodeItem,
  decodeAll,
  type Outcome,
  onOneThread,
  workerChunksDelivered,
} from './parallel.js';

const USDC = { contract: '0x1c7d4b196cb0c7b01d743fbc6116a902379c7238', symbol: 'USDC', decimals: 6 };
const enc = new TextEncoder();
const BTC_SECRET = sha256(enc.encode('parallel test btc'));
const ETH_SECRET = sha256(enc.encode('parallel test eth'));
const COORDINATOR_SECRET = sha256(enc.encode('parallel test coordinator'));

const ctx: AdapterContext = {
  network: 'testnet',
  keys: new Map([
    ['btc-1', { label: 'btc-1', curve: 'secp256k1', publicKey: secp256k1.getPublicKey(BTC_SECRET, true) }],
    ['eth-1', { label: 'eth-1', curve: 'secp256k1', publicKey: secp256k1.getPublicKey(ETH_SECRET, true) }],
  ]),
  ethereum: {
    chainId: NETWORKS.testnet.ethereumChainId,
    tokens: new Map([[USDC.contract, USDC]]),
    maxGasLimit: 200_000n,
    maxFeePerGas: 500_000_000_000n,
  },
};

/** Runs `fn` until the worker has delivered at least one chunk of it (it starts lazily). */
function withWorker<T>(fn: () => T): T {
  for (let attempt = 0; attempt < 200; attempt++) {
    const before = workerChunksDelivered();
    const value = fn();
    if (workerChunksDelivered() > before) return value;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50); // let the worker start
  }
  throw new Error('the worker never took a chunk');
}

function sameOutcomes<T>(parallel: readonly Outcome<T>[], sequential: readonly Outcome<T>[]): void {
  assert.equal(parallel.length, sequential.length);
  parallel.forEach((p, i) => {
    const s = sequential[i]!;
    assert.equal(p.ok, s.ok, `item ${i}`);
    if (p.ok && s.ok) assert.deepStrictEqual(p.value, s.value, `item ${i}`);
    if (!p.ok && !s.ok) {
      assert.ok(p.error instanceof RefusalError, `item ${i}: ${p.error.message}`);
      assert.ok(s.error instanceof RefusalError);
      assert.deepStrictEqual(p.error.toJSON(), s.error.toJSON(), `item ${i}`);
    }
  });
}

const built = await buildSignedBatch(mixedIntents(200, 'parallel-test', 60), {
  keys: ctx.keys,
  coordinatorKeyId: 'coordinator-1',
  signDigest: async (d) => ed25519.sign(d, COORDINATOR_SECRET),
  now: new Date(),
});
const declared = parseBatch(built.json).withdrawals;

test('decodeAll: the worker decodes exactly what the adapters decode, refusals included', () => {
  const items: DecodeItem[] = declared.map((d, i) => ({
    chain: d.chain,
    input: {
      withdrawalId: d.id,
      // A few that fail in different ways, spread over the batch (so some fall to the worker).
      rawTx:
        i === 7 || i === 190 ? 'not a transaction' : i === 151 ? `${d.rawTx.slice(0, -8)}AAAAAAA=` : d.rawTx,
      keyLabel: i === 181 ? 'no-such-key' : d.keyLabel,
    },
  }));
  const parallel = withWorker(() => decodeAll(items, ctx));
  const sequential = onOneThread(() => decodeAll(items, ctx));
  sameOutcomes(parallel, sequential);
  for (const i of [7, 151, 181, 190]) assert.equal(parallel[i]!.ok, false, `item ${i} should fail`);
  // What the Ethereum adapter freezes stays frozen after crossing threads.
  parallel.forEach((o, i) => {
    const s = sequential[i]!;
    if (!o.ok || !s.ok) return;
    assert.equal(Object.isFrozen(o.value.view), Object.isFrozen(s.value.view));
    assert.equal(Object.isFrozen(o.value.view.asset), Object.isFrozen(s.value.view.asset));
    assert.equal(Object.isFrozen(o.value.signing), Object.isFrozen(s.value.signing));
    assert.equal(Object.isFrozen(o.value.state), Object.isFrozen(s.value.state));
  });
});

test('assembleAll: same signed transactions with or without memo seeds; a bad signature is refused the same', () => {
  const decoded = onOneThread(() =>
    decodeAll(
      declared.map((d) => ({
        chain: d.chain,
        input: { withdrawalId: d.id, rawTx: d.rawTx, keyLabel: d.keyLabel },
      })),
      ctx,
    ),
  ).map((o) => {
    assert.ok(o.ok);
    return o.value;
  });
  const sign = (digest: Uint8Array, label: string): EcdsaSignature => {
    const secret = label === 'btc-1' ? BTC_SECRET : ETH_SECRET;
    const raw = secp256k1.sign(digest, secret, { prehash: false, lowS: false });
    return normalizeSecp256k1(raw, digest, ctx.keys.get(label)!.publicKey);
  };
  const items = (seeds: boolean): AssembleItem[] =>
    decoded.map((d, i) => {
      // Item 170 gets the signature of another withdrawal's digest.
      const signatures = d.signing.map((r) =>
        sign(i === 170 ? decoded[168]!.signing[0]!.digest : r.digest, r.keyLabel),
      );
      const verified = seeds
        ? d.signing.flatMap((r, k) => {
            const sig = signatures[k]!;
            const recovery = verifiedRecovery(sig.compact, r.digest, r.publicKey);
            return recovery === undefined
              ? []
              : [{ compact: sig.compact, digest: r.digest, publicKey: r.publicKey, recovery }];
          })
        : [];
      return { chain: declared[i]!.chain, decoded: d, signatures, verified };
    });
  const withSeeds = items(true);
  assert.equal(withSeeds[170]!.verified!.length, 0, 'nothing verified for the wrong digest');
  const sequential = onOneThread(() => assembleAll(withSeeds));
  const parallel = withWorker(() => assembleAll(withSeeds));
  const unseeded = withWorker(() => assembleAll(items(false)));
  sameOutcomes(parallel, sequential);
  sameOutcomes(unseeded, sequential);
  const bad = sequential[170]!;
  assert.ok(!bad.ok && bad.error instanceof RefusalError && bad.error.code === 'SIGNATURE_VERIFY_FAILED');
  assert.equal(sequential.filter((o) => !o.ok).length, 1);
  // Each signed transaction is the one the adapter assembles directly.
  sequential.forEach((o, i) => {
    if (i === 170) return;
    assert.ok(o.ok);
    assert.deepStrictEqual(
      o.value,
      ADAPTERS[declared[i]!.chain].assemble(decoded[i]!, withSeeds[i]!.signatures),
    );
  });
});
