/**
 * Collecting a quorum (quorum.ts): M of N distinct enrolled operators, every approval verified, a
 * sealed result; refusals with stable codes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApprovalError, type ApprovalErrorCode } from './errors.js';
import { approve, BATCH, makeOperator, OTHER_BATCH, POLICY, RP, threeOperators } from './fixtures.js';
import { collectQuorum, isQuorum, type Quorum } from './quorum.js';

const batch = { batchDigest: BATCH };
const twoOfThree = { required: 2, policyDigest: POLICY };
const threeOfThree = { required: 3, policyDigest: POLICY };

function refusedWith(code: ApprovalErrorCode, check: (e: ApprovalError) => void = () => undefined) {
  return (e: unknown) => {
    assert.ok(e instanceof ApprovalError, `expected ApprovalError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    check(e);
    return true;
  };
}

test('2-of-3: two approvals meet the quorum; the quorum lists operators and new counters', () => {
  const [alice, bob, carol] = threeOperators();
  const ops = [alice!, bob!, carol!].map((o) => o.operator);
  const quorum = collectQuorum(batch, twoOfThree, [approve(alice!), approve(carol!)], ops, RP);
  assert.deepEqual(quorum.approvals, [
    { operatorId: 'alice', signCount: 1 },
    { operatorId: 'carol', signCount: 1 },
  ]);
  assert.equal(quorum.batchDigest, BATCH);
  assert.equal(quorum.policyDigest, POLICY);
  assert.equal(quorum.required, 2);
  assert.ok(Object.isFrozen(quorum) && Object.isFrozen(quorum.approvals));
  assert.ok(isQuorum(quorum));
  // all three is more than enough
  const all = collectQuorum(batch, twoOfThree, [approve(alice!), approve(bob!), approve(carol!)], ops, RP);
  assert.equal(all.approvals.length, 3);
});

test('2-of-3: one approval does not meet the quorum (QUORUM_NOT_MET names required and found)', () => {
  const [alice, bob, carol] = threeOperators();
  const ops = [alice!, bob!, carol!].map((o) => o.operator);
  assert.throws(
    () => collectQuorum(batch, twoOfThree, [approve(bob!)], ops, RP),
    refusedWith('QUORUM_NOT_MET', (e) => {
      assert.equal(e.expected, 'at least 2');
      assert.equal(e.found, '1');
      assert.match(e.message, /needs 2 operators' approvals, has 1/);
    }),
  );
  assert.throws(() => collectQuorum(batch, twoOfThree, [], ops, RP), refusedWith('QUORUM_NOT_MET'));
});

test('3-of-3: met with all three, not met with two', () => {
  const [alice, bob, carol] = threeOperators();
  const ops = [alice!, bob!, carol!].map((o) => o.operator);
  const q = collectQuorum(batch, threeOfThree, [approve(bob!), approve(alice!), approve(carol!)], ops, RP);
  assert.deepEqual(
    q.approvals.map((a) => a.operatorId),
    ['bob', 'alice', 'carol'],
  );
  assert.throws(
    () => collectQuorum(batch, threeOfThree, [approve(alice!), approve(bob!)], ops, RP),
    refusedWith('QUORUM_NOT_MET', (e) => assert.equal(e.found, '2')),
  );
});

test('the same operator twice counts once: refused (DUPLICATE_OPERATOR)', () => {
  const [alice, bob, carol] = threeOperators();
  const ops = [alice!, bob!, carol!].map((o) => o.operator);
  assert.throws(
    () => collectQuorum(batch, twoOfThree, [approve(alice!), approve(alice!)], ops, RP),
    refusedWith('DUPLICATE_OPERATOR', (e) => assert.equal(e.operatorId, 'alice')),
  );
});

test('an approval by an operator who is not enrolled is refused (UNKNOWN_OPERATOR)', () => {
  const [alice, bob] = threeOperators();
  const mallory = makeOperator('mallory', 9);
  assert.throws(
    () =>
      collectQuorum(
        batch,
        twoOfThree,
        [approve(alice!), approve(mallory)],
        [alice!.operator, bob!.operator],
        RP,
      ),
    refusedWith('UNKNOWN_OPERATOR', (e) => assert.equal(e.found, 'mallory')),
  );
});

test('one bad approval refuses the whole set, even when enough good ones remain', () => {
  const [alice, bob, carol] = threeOperators();
  const ops = [alice!, bob!, carol!].map((o) => o.operator);
  assert.throws(
    () =>
      collectQuorum(
        batch,
        twoOfThree,
        [approve(alice!), approve(bob!), approve(carol!, { batchDigest: OTHER_BATCH })],
        ops,
        RP,
      ),
    refusedWith('CARD_SIGNATURE_INVALID', (e) => assert.equal(e.operatorId, 'carol')),
  );
  assert.throws(
    () =>
      collectQuorum(batch, twoOfThree, [approve(alice!), approve(bob!, { userVerified: false })], ops, RP),
    refusedWith('WEBAUTHN_NO_USER_VERIFICATION'),
  );
});

test('replayed approvals are refused once the counters are persisted', () => {
  const [alice, bob, carol] = threeOperators();
  const approvals = [approve(alice!), approve(bob!)];
  const ops = [alice!, bob!, carol!].map((o) => o.operator);
  const q = collectQuorum(batch, twoOfThree, approvals, ops, RP);
  const persisted = ops.map((o) => {
    const signCount = q.approvals.find((a) => a.operatorId === o.id)?.signCount ?? o.webauthn.signCount;
    return { ...o, webauthn: { ...o.webauthn, signCount } };
  });
  assert.throws(
    () => collectQuorum(batch, twoOfThree, approvals, persisted, RP),
    refusedWith('WEBAUTHN_REPLAY'),
  );
});

test('programming errors are TypeError/RangeError; a cast object is not a quorum', () => {
  const [alice] = threeOperators();
  const ops = [alice!.operator];
  assert.throws(() => collectQuorum(batch, { required: 0, policyDigest: POLICY }, [], ops, RP), RangeError);
  assert.throws(() => collectQuorum(batch, { required: 1.5, policyDigest: POLICY }, [], ops, RP), RangeError);
  assert.throws(() => collectQuorum({ batchDigest: 'x' }, twoOfThree, [], ops, RP), TypeError);
  assert.throws(
    () => collectQuorum(batch, twoOfThree, [], [alice!.operator, alice!.operator], RP),
    TypeError,
  );
  const forged = {
    batchDigest: BATCH,
    policyDigest: POLICY,
    required: 1,
    approvals: [],
  } as unknown as Quorum;
  assert.equal(isQuorum(forged), false);
});
