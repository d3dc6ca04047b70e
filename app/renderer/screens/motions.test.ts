/** The Motions screen's pure helpers (motions.ts): quorum wording, who may still approve, what is missing. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MotionView } from '../../common/ipc-contract.js';
import {
  adminApprovals,
  adminWords,
  motionLabel,
  motionsSignature,
  openApprovers,
  quorumWords,
  stillNeeded,
} from './motions.js';

const operators = [
  { id: 'alice', role: 'admin' as const },
  { id: 'bob', role: 'operator' as const },
  { id: 'carol', role: 'operator' as const },
];

const motion = (approvals: string[], required = 2, admins = 1): MotionView => ({
  motionId: '0123456789abcdef',
  digest: 'ab'.repeat(32),
  kind: 'unfreeze',
  description: 'unfreeze the appliance (drill over)',
  proposedBy: 'cli',
  expiresAt: '2030-01-01T00:00:00.000Z',
  approvals,
  required,
  admins,
});

describe('quorumWords', () => {
  it('counts approvals of required and names the admin condition', () => {
    assert.equal(quorumWords(motion([])), '0 of 2 approvals, an admin among them');
    assert.equal(quorumWords(motion(['bob'], 3, 2)), '1 of 3 approvals, 2 admins among them');
    assert.equal(quorumWords(motion(['alice'], 1, 0)), '1 of 1 approval');
  });
  it('adminWords is empty when no admin is needed', () => {
    assert.equal(adminWords(0), '');
    assert.equal(adminWords(1), 'an admin among them');
  });
});

describe('stillNeeded', () => {
  it('says how many approvals are missing and whether an admin’s is among them', () => {
    assert.equal(stillNeeded(motion([]), operators), '2 more approvals, an admin’s among them');
    assert.equal(stillNeeded(motion(['bob']), operators), '1 more approval, an admin’s among them');
    assert.equal(stillNeeded(motion(['alice']), operators), '1 more approval');
    assert.equal(stillNeeded(motion(['bob', 'carol']), operators), 'an admin’s approval');
    assert.equal(stillNeeded(motion(['bob', 'carol'], 2, 2), operators), '2 admins’ approvals');
    assert.equal(stillNeeded(motion(['alice', 'bob']), operators), null);
  });
  it('counts only approvers enrolled as admins now', () => {
    assert.equal(adminApprovals(motion(['alice', 'bob', 'mallory']), operators), 1);
    assert.equal(adminApprovals(motion(['mallory']), [...operators, { id: 'mallory', role: 'operator' }]), 0);
  });
});

describe('openApprovers', () => {
  it('lists the enrolled operators not among the approvers, in enrolment order', () => {
    assert.deepEqual(
      openApprovers(motion(['bob']), operators).map((o) => o.id),
      ['alice', 'carol'],
    );
    assert.deepEqual(openApprovers(motion(['alice', 'bob', 'carol']), operators), []);
  });
});

describe('motionLabel and motionsSignature', () => {
  it('labels a motion by id, kind and its description cut short', () => {
    assert.equal(
      motionLabel(motion([])),
      '0123456789abcdef · unfreeze · unfreeze the appliance (drill over)',
    );
    const long = motionLabel({ ...motion([]), description: 'x'.repeat(200) });
    assert.ok(long.endsWith('…') && long.length === '0123456789abcdef · unfreeze · '.length + 70);
  });
  it('changes when a motion opens, closes or gains an approval', () => {
    const a = motionsSignature({ openMotions: [{ motionId: 'm1', kind: 'unfreeze', approvals: 0 }] });
    const b = motionsSignature({ openMotions: [{ motionId: 'm1', kind: 'unfreeze', approvals: 1 }] });
    assert.notEqual(a, b);
    assert.equal(motionsSignature({ openMotions: [] }), '');
  });
});
