/** Operator approvals and the quorum: the pure verification core (no clock, no I/O). */
export {
  APPROVAL_DOMAIN,
  type ApprovalMessage,
  type ApprovalSubject,
  approvalChallenge,
  approvalDigest,
  approvalMessage,
  MOTION_APPROVAL_DOMAIN,
} from './approval-message.js';
export {
  APPROVAL_ERROR_CODES,
  ApprovalError,
  type ApprovalErrorCode,
  type ApprovalErrorDetails,
} from './errors.js';
export { assertOperator, type Operator, type OperatorRole, type WebAuthnCredential } from './operator.js';
export { collectQuorum, isQuorum, type Quorum, type QuorumApproval, type RelyingParty } from './quorum.js';
export { SoftwareAuthenticatorForTestsAndDemo } from './software-authenticator.js';
export { signApprovalWithSoftwareCardForTests } from './software-card.js';
export { type Approval, type ApprovalExpectation, verifyApproval } from './verify-approval.js';
export {
  type AssertionExpectation,
  type AuthenticatorData,
  parseAuthenticatorData,
  verifyAssertion,
  type WebAuthnAssertion,
} from './webauthn.js';
export {
  type RegistrationExpectation,
  verifyRegistration,
  type WebAuthnRegistration,
} from './webauthn-registration.js';
