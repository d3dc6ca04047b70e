/**
 * signBatch under the quorum authorisation: only a `Quorum` made by `collectQuorum` for exactly the
 * inspected batch lets the HSM sign (real SoftHSM2 keys; approvals from the quorum test fixtures).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type BatchFixture,
  buildBatch,
  createBatchFixture,
  INSPECT_AT,
} from '../test-support/batch-fixture.js';
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
  const signed = await signBatch(
    inspected,
    backend,
    { kind: 'quorum', quorum: quorumFor(digest) },
    SIGNED_AT,
  );
  assert.equal(signed.withdrawals.length, inspected.withdrawals.length);
});

test('a quorum of another batch is refused (QUORUM_NOT_MET) before the HSM signs anything', async () => {
  const { spy, calls } = counting(backend);
  await assert.rejects(
    signBatch(inspected, spy, { kind: 'quorum', quorum: quorumFor(OTHER_BATCH) }, SIGNED_AT),
    (err: unknown) => {
      assert.ok(err instanceof ApprovalError, String(err));
      assert.equal(err.code, 'QUORUM_NOT_MET');
      assert.match(err.message, /approves another batch/);
      return true;
    },
  );
  assert.deepEqual(calls, []);
});

test('an object shaped like a quorum but not made by collectQuorum is refused', async () => {
  const digest = Buffer.from(inspected.batch.digest).toString('hex');
  const forged = {
    batchDigest: digest,
    policyDigest: POLICY,
    required: 2,
    approvals: [],
  } as unknown as Quorum;
  const { spy, calls } = counting(backend);
  await assert.rejects(
    signBatch(inspected, spy, { kind: 'quorum', quorum: forged }, SIGNED_AT),
    /not a Quorum made by collectQuorum/,
  );
  assert.deepEqual(calls, []);
});
