/**
 * Verification of one operator's approval of a batch: both factors, each over the approval message
 * (approval-message.ts) of this batch digest, this policy digest and this operator.
 *
 * 1. The smartcard factor: an Ed25519 signature (RFC 8032, verified strictly, not ZIP-215) by the
 *    operator's enrolled card key over the 32-byte approval digest. The card makes it only after
 *    C_Login with the operator's PIN.
 * 2. The biometric factor: a WebAuthn assertion with user verification whose challenge is that same
 *    digest (webauthn.ts).
 *
 * Pure: no clock, no I/O. The caller persists the returned signature counter.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import {
  type ApprovalSubject,
  approvalDigest,
  approvalMessage,
  assertDigestHex,
} from './approval-message.js';
import { refuseApproval } from './errors.js';
import { assertOperator, type Operator } from './operator.js';
import { verifyAssertion, type WebAuthnAssertion } from './webauthn.js';

export interface Approval {
  readonly operatorId: string;
  /** Ed25519 signature of the operator's card over the approval digest: 128 lower-case hex digits. */
  readonly cardSignature: string;
  readonly webauthn: WebAuthnAssertion;
}

export interface ApprovalExpectation {
  /** The batch digest (hex), as inspectBatch computed it from the batch bytes; a motion's digest when `subject` is 'motion'. */
  readonly batchDigest: string;
  /** What is approved: a batch (the default) or a governance motion. */
  readonly subject?: ApprovalSubject;
  /** The digest (hex) of the policy the decision was made under. */
  readonly policyDigest: string;
  /** The appliance's WebAuthn relying party id and origin. */
  readonly rpId: string;
  readonly origin: string;
}

const HEX64BYTES = /^[0-9a-f]{128}$/;

/**
 * Verify `approval` as `operator`'s approval of the expected batch under the expected policy.
 * Returns the new WebAuthn signature counter to persist for the operator's credential.
 */
export function verifyApproval(
  approval: Approval,
  operator: Operator,
  expected: ApprovalExpectation,
): number {
  assertOperator(operator);
  assertDigestHex(expected.batchDigest, 'expected.batchDigest');
  assertDigestHex(expected.policyDigest, 'expected.policyDigest');
  if (typeof approval !== 'object' || approval === null)
    refuseApproval('APPROVAL_MALFORMED', 'the approval is missing', { operatorId: operator.id });
  const operatorId = operator.id;
  if (approval.operatorId !== operatorId)
    refuseApproval('UNKNOWN_OPERATOR', 'the approval names another operator', {
      operatorId,
      expected: operatorId,
      found: String(approval.operatorId),
    });

  const digest = approvalDigest(
    approvalMessage(expected.batchDigest, expected.policyDigest, operatorId, expected.subject ?? 'batch'),
  );

  if (typeof approval.cardSignature !== 'string' || !HEX64BYTES.test(approval.cardSignature))
    refuseApproval('CARD_SIGNATURE_INVALID', 'the smartcard signature is not 64 bytes of lower-case hex', {
      operatorId,
    });
  let cardValid = false;
  try {
    cardValid = ed25519.verify(hexToBytes(approval.cardSignature), digest, operator.cardPublicKey, {
      zip215: false,
    });
  } catch {
    cardValid = false;
  }
  if (!cardValid)
    refuseApproval(
      'CARD_SIGNATURE_INVALID',
      "the smartcard signature does not verify with the operator's card key over this batch and policy",
      { operatorId },
    );

  return verifyAssertion(approval.webauthn, operator.webauthn, {
    challenge: digest,
    rpId: expected.rpId,
    origin: expected.origin,
    operatorId,
  });
}
