/**
 * Governance motions (pure core): the document's strict form and digest, what each kind needs, the
 * motion quorum (both factors under the motion domain, admins among the approvers), expiry, and the
 * removals that would leave the appliance unable to govern itself.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { approve, BATCH, POLICY, RP, threeOperators } from '../quorum/fixtures.js';
import { ApprovalError } from '../quorum/index.js';
import {
  checkMotionOpen,
  checkRemoval,
  type Motion,
  MotionError,
  motionDigestHex,
  motionQuorum,
  motionRequirement,
  newMotion,
  parseMotion,
} from './motion.js';

const NOW = new Date('2026-11-26T10:00:00.000Z');
const ID = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
const policy = { approvals: { default: 2, operators: 3 } } as const;
const ops = threeOperators(); // alice (admin), bob, carol

const motionOf = (params: Motion['params']) =>
  newMotion(params, { now: NOW, proposedBy: 'alice', policyDigest: POLICY, motionId: ID });

function refusedWith(code: string) {
  return (err: unknown) => {
    assert.ok(err instanceof ApprovalError || err instanceof MotionError, String(err));
    assert.equal(err.code, code, err.message);
    return true;
  };
}

test('a motion round-trips through its strict parser and has a stable digest', () => {
  const m = motionOf({ kind: 'operator-remove', operatorId: 'carol' });
  assert.deepEqual(parseMotion(JSON.parse(JSON.stringify(m))), m);
  assert.equal(m.motionId, '0102030405060708');
  assert.equal(m.expiresAt, '2026-11-27T10:00:00.000Z');
  assert.equal(motionDigestHex(m), motionDigestHex(parseMotion(JSON.parse(JSON.stringify(m)))));
  assert.notEqual(motionDigestHex(m), motionDigestHex({ ...m, motionId: '0102030405060709' }));
});

test('malformed motions are refused naming what is wrong', () => {
  const m = JSON.parse(JSON.stringify(motionOf({ kind: 'freeze', reason: 'drill' })));
  const cases: [unknown, RegExp][] = [
    [{ ...m, extra: 1 }, /unknown member\(s\) extra/],
    [{ ...m, format: 'airlock.motion/v2' }, /format must be airlock.motion\/v1/],
    [{ ...m, params: { kind: 'mint' } }, /params.kind must be one of/],
    [{ ...m, params: { kind: 'freeze' } }, /params.reason must be a string/],
    [{ ...m, expiresAt: '2026-12-30T10:00:00.000Z' }, /24 hours after proposedAt/],
    [{ ...m, proposedAt: 'yesterday' }, /proposedAt must be an ISO 8601 UTC time/],
    [
      { ...m, params: { kind: 'operator-remove', operatorId: '../alice' } },
      /params.operatorId must be an operator id/,
    ],
    [{ ...m, params: { kind: 'policy-change', policyDigest: POLICY, version: 0 } }, /params.version/],
    [[], /a motion is a JSON object/],
  ];
  for (const [raw, message] of cases)
    assert.throws(
      () => parseMotion(raw),
      (err: unknown) =>
        err instanceof MotionError && err.code === 'MOTION_MALFORMED' && message.test(err.message),
      String(message),
    );
});

test('requirements: a freeze needs one admin; everything else the default quorum with an admin; an unlock at least two', () => {
  assert.deepEqual(motionRequirement('freeze', policy), { required: 1, admins: 1 });
  assert.deepEqual(motionRequirement('unfreeze', policy), { required: 2, admins: 1 });
  assert.deepEqual(motionRequirement('policy-change', { approvals: { default: 3, operators: 5 } }), {
    required: 3,
    admins: 1,
  });
  assert.deepEqual(motionRequirement('pin-unlock', { approvals: { default: 1, operators: 3 } }), {
    required: 2,
    admins: 1,
  });
});

test('the motion quorum: both factors over the motion digest, enough approvals, an admin among them', () => {
  const unfreeze = motionOf({ kind: 'unfreeze', reason: 'all clear', freezeMotion: BATCH });
  const digest = motionDigestHex(unfreeze);
  const operators = ops.map((o) => o.operator);
  const give = (i: number) => approve(ops[i]!, { batchDigest: digest, subject: 'motion' });

  const q = motionQuorum(unfreeze, policy, POLICY, [give(0), give(1)], operators, RP);
  assert.equal(q.subject, 'motion');
  assert.deepEqual(
    q.approvals.map((a) => a.operatorId),
    ['alice', 'bob'],
  );
  // Two operators but no admin.
  assert.throws(
    () => motionQuorum(unfreeze, policy, POLICY, [give(1), give(2)], operators, RP),
    refusedWith('ADMIN_REQUIRED'),
  );
  // One is not a quorum.
  assert.throws(
    () => motionQuorum(unfreeze, policy, POLICY, [give(0)], operators, RP),
    refusedWith('QUORUM_NOT_MET'),
  );
  // Approvals of a batch with the same digest are not approvals of the motion.
  const asBatch = [approve(ops[0]!, { batchDigest: digest }), approve(ops[1]!, { batchDigest: digest })];
  assert.throws(
    () => motionQuorum(unfreeze, policy, POLICY, asBatch, operators, RP),
    refusedWith('CARD_SIGNATURE_INVALID'),
  );

  // A freeze: one admin suffices; one ordinary operator does not.
  const freeze = motionOf({ kind: 'freeze', reason: 'suspicious batch' });
  const fd = motionDigestHex(freeze);
  assert.equal(
    motionQuorum(
      freeze,
      policy,
      POLICY,
      [approve(ops[0]!, { batchDigest: fd, subject: 'motion' })],
      operators,
      RP,
    ).approvals.length,
    1,
  );
  assert.throws(
    () =>
      motionQuorum(
        freeze,
        policy,
        POLICY,
        [approve(ops[1]!, { batchDigest: fd, subject: 'motion' })],
        operators,
        RP,
      ),
    refusedWith('ADMIN_REQUIRED'),
  );
});

test('a motion expires after 24 hours, and with the policy it was proposed under', () => {
  const m = motionOf({ kind: 'freeze', reason: 'x' });
  checkMotionOpen(m, new Date(NOW.getTime() + 23 * 3_600_000), POLICY);
  assert.throws(
    () => checkMotionOpen(m, new Date(NOW.getTime() + 25 * 3_600_000), POLICY),
    refusedWith('MOTION_EXPIRED'),
  );
  assert.throws(() => checkMotionOpen(m, NOW, 'ee'.repeat(32)), /the policy changed since/);
});

test('removals that would leave fewer operators than a quorum, or no admin, are refused', () => {
  const roster = ops.map((o) => o.operator);
  checkRemoval('carol', roster, policy);
  assert.throws(() => checkRemoval('alice', roster, policy), /would leave no admin/);
  assert.throws(
    () => checkRemoval('carol', roster, { approvals: { default: 3, operators: 3 } }),
    /fewer than the 3/,
  );
  assert.throws(() => checkRemoval('dave', roster, policy), /dave is not enrolled/);
});
