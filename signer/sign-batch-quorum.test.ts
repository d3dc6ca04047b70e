/**
 * signBatch takes only an ApprovedBatch: an inspected batch with a `Quorum` made by `collectQuorum`
 * for exactly that batch (not for another batch, not for a governance motion) lets the HSM sign (real SoftHSM2 keys; approvals from the quorum test fixtures).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type BatchFixture,
  buildBatch,
  createBatchFixture,
  INSPECT_AT,
} from '../test-support/batch-fixture.js';
import { type ApprovedBatch, approveBatch } from './approved-batch.js';
import type { HsmSigningBackend } from './hsm-backend.js';
import { type InspectedBatch, inspectBatch } from './inspect.js';
import { approve, OTHER_BATCH, POLICY, RP, threeOperators } from './quorum/fixtures.js';
import { ApprovalError, collectQuorum, type Quorum } from './quorum/index.js';
import { type SigningBackend, signBatch } from './sign-batch.js';

let fx: BatchFixture;
let backend: HsmSigningBackend;
let inspected: InspectedBatch;

before(async () => {
  fx = await createBatchFixture();
  backend = fx.openBackend();
  inspected = inspectBatch((await buildBatch(fx)).json, fx.trust, INSPECT_AT);
});
after(async () => {
  await backend?.close();
  fx?.cleanup();
});

const SIGNED_AT = new Date(INSPECT_AT.getTime() + 60_000);
const ops = threeOperators();

function quorumFor(batchDigest: string): Quorum {
  const approvals = [approve(ops[0]!, { batchDigest }), approve(ops[1]!, { batchDigest })];
  return collectQuorum(
    { batchDigest },
    { required: 2, policyDigest: POLICY },
    approvals,
    ops.map((o) => o.operator),
    RP,
  );
}

/** The backend, counting what reaches the HSM. */
function counting(real: SigningBackend): { spy: SigningBackend; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    spy: {
      applianceKeyId: real.applianceKeyId,
      supports: (scheme) => real.supports(scheme),
      publicKey: (label) => real.publicKey(label),
      signEcdsa: (label, publicKey, digests) => {
        calls.push(`signEcdsa ${label}`);
        return real.signEcdsa(label, publicKey, digests);
      },
      signAppliance: (digest) => {
        calls.push('signAppliance');
        return real.signAppliance(digest);
      },
    },
  };
}

test('a quorum of this batch authorises signing', async () => {
  const digest = Buffer.from(inspected.batch.digest).toString('hex');
  const signed = await signBatch(approveBatch(inspected, quorumFor(digest)), backend, SIGNED_AT);
  assert.equal(signed.withdrawals.length, inspected.withdrawals.length);
});

test('a quorum of another batch is refused (QUORUM_NOT_MET): no ApprovedBatch, nothing reaches the HSM', () => {
  assert.throws(
    () => approveBatch(inspected, quorumFor(OTHER_BATCH)),
    (err: unknown) => {
      assert.ok(err instanceof ApprovalError, String(err));
      assert.equal(err.code, 'QUORUM_NOT_MET');
      assert.match(err.message, /approves another batch/);
      return true;
    },
  );
});

test("a quorum of a governance motion whose digest is the batch's is not a batch approval", () => {
  const digest = Buffer.from(inspected.batch.digest).toString('hex');
  // Approvals of a motion sign another message (domain airlock.motion-approval/v1) ...
  const motionApprovals = [
    approve(ops[0]!, { batchDigest: digest, subject: 'motion' }),
    approve(ops[1]!, { batchDigest: digest, subject: 'motion' }),
  ];
  // ... so they do not verify as approvals of the batch,
  assert.throws(
    () =>
      collectQuorum(
        { batchDigest: digest },
        { required: 2, policyDigest: POLICY },
        motionApprovals,
        ops.map((o) => o.operator),
        RP,
      ),
    (err: unknown) => err instanceof ApprovalError && err.code === 'CARD_SIGNATURE_INVALID',
  );
  // and a quorum of the motion is refused by approveBatch.
  const motionQuorum = collectQuorum(
    { batchDigest: digest, subject: 'motion' },
    { required: 2, policyDigest: POLICY },
    motionApprovals,
    ops.map((o) => o.operator),
    RP,
  );
  assert.throws(
    () => approveBatch(inspected, motionQuorum),
    (err: unknown) =>
      err instanceof ApprovalError && err.code === 'QUORUM_NOT_MET' && /motion/.test(err.message),
  );
});

test('objects shaped like a quorum or an approved batch but not made by their makers are refused', async () => {
  const digest = Buffer.from(inspected.batch.digest).toString('hex');
  const forged = {
    subject: 'batch',
    batchDigest: digest,
    policyDigest: POLICY,
    required: 2,
    approvals: [],
  } as unknown as Quorum;
  assert.throws(() => approveBatch(inspected, forged), /not a Quorum made by collectQuorum/);
  const { spy, calls } = counting(backend);
  const forgedApproved = { inspected, quorum: quorumFor(digest) } as unknown as ApprovedBatch;
  await assert.rejects(
    signBatch(forgedApproved, spy, SIGNED_AT),
    /not an ApprovedBatch made by approveBatch/,
  );
  assert.deepEqual(calls, []);
});
