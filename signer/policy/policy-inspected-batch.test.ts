/**
 * The policy engine on a real batch: built as the online node builds it, inspected on the appliance
 * (decode + cross-check, keys on a throw-away SoftHSM2 token), then `policyBatchOf` → `evaluatePolicy`.
 * Proves that the asset keys, decimals and destination forms the adapters produce are the ones the
 * policy and the ledger keys (`knownDestinationKey`) use.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ADDRESSES,
  type BatchFixture,
  BUILT_AT,
  buildBatch,
  createBatchFixture,
  INSPECT_AT,
  USDC,
} from '../../test-support/batch-fixture.js';
import { inspectBatch } from '../inspect.js';
import { policyBatchOf } from './batch.js';
import { knownDestinationKey } from './document.js';
import { evaluatePolicy } from './evaluate.js';
import { type Change, expectViolation, history, samplePolicy } from './fixtures.js';

let fx: BatchFixture;
before(async () => {
  fx = await createBatchFixture();
});
after(() => fx?.cleanup());

const MAX = ((1n << 256n) - 1n).toString();
const testnetPolicy = (...more: Change[]) =>
  samplePolicy(
    [['effectiveFrom'], '2026-11-01T00:00:00Z'],
    [['tiers'], [{ aboveUsd: '2000', approvals: 3 }]],
    [
      ['priceTable'],
      {
        asOf: BUILT_AT.toISOString(),
        maxAgeHours: 12,
        prices: { 'bitcoin/native': '100000', 'ethereum/native': '3000', [`ethereum/${USDC.contract}`]: '1' },
      },
    ],
    [['tokenAllowlist'], [USDC.contract]],
    [
      ['limits'],
      {
        'bitcoin/native': { perWithdrawal: '10000000', perRolling24h: '100000000' },
        'ethereum/native': { perWithdrawal: MAX, perRolling24h: MAX },
        [`ethereum/${USDC.contract}`]: { perWithdrawal: MAX, perRolling24h: MAX },
      },
    ],
    [
      ['perBatchTotals'],
      { 'bitcoin/native': MAX, 'ethereum/native': MAX, [`ethereum/${USDC.contract}`]: MAX },
    ],
    [['destinations'], { bitcoin: { deny: [] }, ethereum: { deny: [] } }],
    ...more,
  );

test('the sample batch (BTC P2WPKH, BTC P2WSH to P2TR, ETH, USDC) under a testnet policy', async () => {
  const inspected = inspectBatch((await buildBatch(fx)).json, fx.trust, INSPECT_AT);
  const batch = policyBatchOf(inspected);
  assert.equal(batch.batchId, 'test-2026-11-26-001');
  assert.deepEqual(batch.createdAt, BUILT_AT);
  const known = [
    knownDestinationKey('bitcoin', ADDRESSES.btcP2wpkh),
    knownDestinationKey('ethereum', ADDRESSES.eth),
  ];
  const d = evaluatePolicy(batch, testnetPolicy(), {
    now: INSPECT_AT,
    history: history({}, known),
    frozen: false,
  });
  assert.deepEqual(
    d.withdrawals.map((w) => [w.withdrawalId, w.assetKey, w.usdValue, w.tier, w.newDestination, w.required]),
    [
      ['wd-btc-0001', 'bitcoin/native', '150', 0, false, 2], // 0.0015 BTC
      ['wd-btc-0002', 'bitcoin/native', '2000', 0, true, 3], // 0.02 BTC: exactly at the tier, new P2TR destination
      ['wd-eth-0001', 'ethereum/native', '750', 0, false, 2], // 0.25 ETH
      ['wd-usdc-0001', `ethereum/${USDC.contract}`, '2500', 1, true, 4], // 2,500 USDC, new destination
    ],
  );
  assert.equal(d.required, 4);
  assert.deepEqual(d.flagged, ['wd-btc-0002', 'wd-usdc-0001']);
});

test('a limit the real batch breaks is named with the decoded numbers', async () => {
  const inspected = inspectBatch((await buildBatch(fx)).json, fx.trust, INSPECT_AT);
  const policy = testnetPolicy([['limits', 'bitcoin/native', 'perWithdrawal'], '1999999']);
  const v = expectViolation(
    () =>
      evaluatePolicy(policyBatchOf(inspected), policy, {
        now: INSPECT_AT,
        history: history(),
        frozen: false,
      }),
    'PER_WITHDRAWAL_LIMIT',
  );
  assert.equal(v.withdrawalId, 'wd-btc-0002');
  assert.equal(v.found, '2000000 base units (0.02 BTC)');
});
