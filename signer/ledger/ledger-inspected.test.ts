/**
 * The ledger behind the real pipeline: a batch built by the online builder, inspected (the chain adapters
 * decode the replay keys from the bytes), signed on SoftHSM2 and recorded; then batches that spend the
 * same Bitcoin outpoint or the same Ethereum account nonce under new withdrawal ids pass inspection (each
 * is fine on its own) and are refused by the ledger, naming the earlier batch.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import {
  type BatchFixture,
  buildBatch,
  createBatchFixture,
  ethIntent,
  INSPECT_AT,
  p2wpkhIntent,
  sampleIntents,
  VALID_FOR_MINUTES,
} from '../../test-support/batch-fixture.js';
import { recordApproved } from '../../test-support/ledger.js';
import { approvedForTests } from '../../test-support/quorum.js';
import { RefusalError } from '../errors.js';
import type { HsmSigningBackend } from '../hsm-backend.js';
import { inspectBatch } from '../inspect.js';
import { signBatch } from '../sign-batch.js';
import { ledgerBatchOf } from './from-inspected.js';
import { ReplayLedger } from './ledger.js';

let fx: BatchFixture;
let backend: HsmSigningBackend;
let dir: string;

before(async () => {
  fx = await createBatchFixture();
  backend = fx.openBackend();
  dir = mkdtempSync(join(tmpdir(), 'airlock-ledger-pipeline-'));
});
after(async () => {
  await backend?.close();
  fx?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('signed batches are recorded with the decoded replay keys; re-spending an outpoint or a nonce is refused', async () => {
  const ledger = ReplayLedger.open(join(dir, 'ledger.sqlite'), { create: true });
  try {
    const first = inspectBatch((await buildBatch(fx)).json, fx.trust, INSPECT_AT);
    const entry = ledgerBatchOf(first);
    assert.equal(entry.batchId, sampleIntents().batchId);
    assert.match(entry.batchDigest, /^[0-9a-f]{64}$/);
    assert.deepEqual(
      entry.withdrawals.map((w) => [w.id, w.chain]),
      [
        ['wd-btc-0001', 'bitcoin'],
        ['wd-btc-0002', 'bitcoin'],
        ['wd-eth-0001', 'ethereum'],
        ['wd-usdc-0001', 'ethereum'],
      ],
    );
    assert.deepEqual(ledger.checkBatch(entry.batchDigest, entry.withdrawals), { alreadySigned: false });
    const signed = await signBatch(approvedForTests(first), backend, INSPECT_AT);
    const bytes = utf8ToBytes(signed.json);
    assert.equal(
      recordApproved(ledger, entry.batchDigest, entry.batchId, entry.withdrawals, bytes).recorded,
      true,
    );

    const again = ledger.checkBatch(entry.batchDigest, ledgerBatchOf(first).withdrawals);
    assert.ok(again.alreadySigned);
    assert.deepEqual(again.resultBytes, bytes);

    const btcKey = entry.withdrawals[0]!.replayKeys[0]!;
    const ethNonceKey = entry.withdrawals[2]!.replayKeys.find((k) => k.startsWith('eth-nonce:'))!;
    assert.match(btcKey, /^btc-outpoint:[0-9a-f]{64}:0$/);
    assert.match(ethNonceKey, /^eth-nonce:11155111:0x[0-9a-fA-F]{40}:0$/);

    const cases = [
      {
        id: 'wd-btc-0099',
        intent: p2wpkhIntent('wd-btc-0099', 'wd-btc-0001'),
        key: btcKey,
        earlier: 'wd-btc-0001',
      },
      { id: 'wd-eth-0099', intent: ethIntent('wd-eth-0099', 0n), key: ethNonceKey, earlier: 'wd-eth-0001' },
    ];
    for (const c of cases) {
      const intents = {
        batchId: `replay-${c.id}`,
        network: 'testnet' as const,
        validForMinutes: VALID_FOR_MINUTES,
        withdrawals: [c.intent],
      };
      const replay = ledgerBatchOf(inspectBatch((await buildBatch(fx, intents)).json, fx.trust, INSPECT_AT));
      assert.throws(
        () => ledger.checkBatch(replay.batchDigest, replay.withdrawals),
        (err: unknown) =>
          err instanceof RefusalError &&
          err.code === 'DUPLICATE_SPEND' &&
          err.withdrawalId === c.id &&
          err.field === 'replayKeys' &&
          err.message.includes(c.key) &&
          err.message.includes(c.earlier) &&
          err.message.includes(entry.batchId),
      );
    }
  } finally {
    ledger.close();
  }
});
