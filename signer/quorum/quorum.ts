/**
 * Collecting a quorum: the sealed proof that at least `required` distinct enrolled operators approved
 * this batch under this policy, each with card and biometric.
 *
 * Deny by default: one approval that fails to verify, names an unknown operator or repeats an operator
 * refuses the whole set (a bad approval in a set is a reason to stop and look, not to skip it).
 * `Quorum` is branded with a module-private symbol, so only `collectQuorum` can make one
 * (airgap-coin-lib's sealed states): the signing path can demand a `Quorum` by type.
 */
import { type ApprovalSubject, assertDigestHex } from './approval-message.js';
import { refuseApproval } from './errors.js';
import type { Operator } from './operator.js';
import { type Approval, verifyApproval } from './verify-approval.js';

declare const sealed: unique symbol;

/** Every Quorum this module made: the run-time half of the brand. */
const made = new WeakSet<object>();

export interface QuorumApproval {
  readonly operatorId: string;
  /** The credential's new WebAuthn signature counter: persist it for the operator. */
  readonly signCount: number;
}

export interface Quorum {
  /** What the quorum approved: a batch, or a governance motion (then `batchDigest` is the motion's digest). */
  readonly subject: ApprovalSubject;
  readonly batchDigest: string;
  readonly policyDigest: string;
  readonly required: number;
  /** In the order the approvals were given. */
  readonly approvals: readonly QuorumApproval[];
  readonly [sealed]: true;
}

export interface RelyingParty {
  readonly rpId: string;
  readonly origin: string;
}

/**
 * Verify `approvals` of the batch with digest `batch.batchDigest` under `decision` (its policy
 * digest and the approvals it requires), against the enrolled `operators`.
 */
export function collectQuorum(
  batch: { readonly batchDigest: string; readonly subject?: ApprovalSubject },
  decision: { readonly required: number; readonly policyDigest: string },
  approvals: readonly Approval[],
  operators: readonly Operator[],
  relyingParty: RelyingParty,
): Quorum {
  assertDigestHex(batch.batchDigest, 'batch.batchDigest');
  assertDigestHex(decision.policyDigest, 'decision.policyDigest');
  if (!Number.isSafeInteger(decision.required) || decision.required < 1)
    throw new RangeError(
      `"decision.required" expected a whole number from 1, got ${String(decision.required)}`,
    );
  if (!Array.isArray(approvals)) throw new TypeError('"approvals" expected an array');

  const byId = new Map<string, Operator>();
  for (const operator of operators) {
    if (byId.has(operator.id)) throw new TypeError(`"operators" lists ${operator.id} twice`);
    byId.set(operator.id, operator);
  }

  const seen = new Set<string>();
  const verified: QuorumApproval[] = [];
  for (const approval of approvals) {
    const operatorId: unknown = approval?.operatorId;
    const operator = typeof operatorId === 'string' ? byId.get(operatorId) : undefined;
    if (operator === undefined)
      refuseApproval('UNKNOWN_OPERATOR', `an approval names an operator who is not enrolled`, {
        found: String(operatorId),
      });
    if (seen.has(operator.id))
      refuseApproval('DUPLICATE_OPERATOR', 'approved this batch twice; one approval per operator counts', {
        operatorId: operator.id,
      });
    seen.add(operator.id);
    const signCount = verifyApproval(approval, operator, {
      batchDigest: batch.batchDigest,
      subject: batch.subject ?? 'batch',
      policyDigest: decision.policyDigest,
      rpId: relyingParty.rpId,
      origin: relyingParty.origin,
    });
    verified.push(Object.freeze({ operatorId: operator.id, signCount }));
  }

  if (verified.length < decision.required)
    refuseApproval(
      'QUORUM_NOT_MET',
      `${batch.subject ?? 'batch'} ${batch.batchDigest.slice(0, 16)}… needs ${decision.required} operators' approvals, has ${verified.length}`,
      { expected: `at least ${decision.required}`, found: String(verified.length) },
    );

  const quorum = Object.freeze({
    subject: batch.subject ?? 'batch',
    batchDigest: batch.batchDigest,
    policyDigest: decision.policyDigest,
    required: decision.required,
    approvals: Object.freeze(verified),
  }) as Quorum;
  made.add(quorum);
  return quorum;
}

/** True only for a value `collectQuorum` returned: a cast object literal is not a quorum at run time either. */
export function isQuorum(value: unknown): value is Quorum {
  return typeof value === 'object' && value !== null && made.has(value);
}
