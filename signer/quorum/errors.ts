/**
 * `ApprovalError`: the refusal of an operator approval or of a quorum. Its codes are a contract of
 * their own (the wire-format codes live in ../errors.ts, the policy codes in ../policy/violation.ts):
 * stable, for logs and tests; never rename one.
 *
 * Every refusal names the operator (when there is one) and, where numbers matter, what was expected
 * and what was found.
 */
import { AirlockError } from '../errors.js';

export const APPROVAL_ERROR_CODES = [
  /** The approval is not shaped as an approval: a member missing, not base64url, too short. */
  'APPROVAL_MALFORMED',
  /** The approval names an operator the appliance has not enrolled. */
  'UNKNOWN_OPERATOR',
  /** Two approvals of one quorum come from the same operator. */
  'DUPLICATE_OPERATOR',
  /** The smartcard's Ed25519 signature does not verify over this batch, policy and operator. */
  'CARD_SIGNATURE_INVALID',
  /** The assertion was made by another credential than the operator's enrolled one. */
  'WEBAUTHN_UNKNOWN_CREDENTIAL',
  /** clientDataJSON is not of type `webauthn.get`. */
  'WEBAUTHN_TYPE',
  /** The assertion's challenge is not this batch's (another batch, another policy, another operator). */
  'WEBAUTHN_WRONG_BATCH',
  /** The assertion was made for another origin, or cross-origin. */
  'WEBAUTHN_ORIGIN',
  /** The authenticator data is for another relying party id. */
  'WEBAUTHN_RP',
  /** The authenticator did not report user presence and user verification (biometric or PIN). */
  'WEBAUTHN_NO_USER_VERIFICATION',
  /** The authenticator's signature counter did not go up: a replayed or cloned assertion. */
  'WEBAUTHN_REPLAY',
  /** The ES256 signature does not verify with the enrolled credential key. */
  'WEBAUTHN_SIGNATURE_INVALID',
  /** Fewer valid approvals than the policy requires. */
  'QUORUM_NOT_MET',
  /** A governance motion lacks the admins it needs among its approvers (a freeze: one admin). */
  'ADMIN_REQUIRED',
  /** A WebAuthn registration (enrolment) is not shaped as Airlock accepts: attestation "none", ES256. */
  'WEBAUTHN_REGISTRATION_INVALID',
  /** A WebAuthn registration answers another challenge than the one the appliance issued. */
  'WEBAUTHN_WRONG_CHALLENGE',
] as const;

export type ApprovalErrorCode = (typeof APPROVAL_ERROR_CODES)[number];

export interface ApprovalErrorDetails {
  readonly operatorId?: string | undefined;
  readonly expected?: string | undefined;
  readonly found?: string | undefined;
}

/** An approval, or a set of approvals, was refused. Nothing is signed on its strength. */
export class ApprovalError extends AirlockError {
  override readonly name = 'ApprovalError';
  readonly code: ApprovalErrorCode;
  readonly operatorId: string | undefined;
  readonly expected: string | undefined;
  readonly found: string | undefined;

  constructor(code: ApprovalErrorCode, message: string, details: ApprovalErrorDetails = {}) {
    super(message);
    this.code = code;
    this.operatorId = details.operatorId;
    this.expected = details.expected;
    this.found = details.found;
  }

  toJSON(): {
    code: ApprovalErrorCode;
    operatorId?: string;
    expected?: string;
    found?: string;
    message: string;
  } {
    return {
      code: this.code,
      ...(this.operatorId === undefined ? {} : { operatorId: this.operatorId }),
      ...(this.expected === undefined ? {} : { expected: this.expected }),
      ...(this.found === undefined ? {} : { found: this.found }),
      message: this.message,
    };
  }
}

/** Throw an ApprovalError whose message names the operator and the numbers. */
export function refuseApproval(
  code: ApprovalErrorCode,
  what: string,
  details: ApprovalErrorDetails = {},
): never {
  const who = details.operatorId === undefined ? '' : `operator ${details.operatorId}: `;
  const numbers =
    details.expected !== undefined || details.found !== undefined
      ? ` (expected ${details.expected ?? '-'}, found ${details.found ?? '-'})`
      : '';
  throw new ApprovalError(code, `${who}${what}${numbers}`, details);
}
