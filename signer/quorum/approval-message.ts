/**
 * The approval message: what both factors of an operator's approval sign.
 *
 *   digest = SHA-256(JCS({"domain":"airlock.approval/v1","batchDigest":hex,"policyDigest":hex,"operatorId":id}))
 *
 * (JCS: RFC 8785, https://www.rfc-editor.org/rfc/rfc8785.) The smartcard signs `digest` with Ed25519;
 * the WebAuthn challenge is base64url(`digest`). Both factors are thereby bound to this batch, this
 * policy version and this operator: an approval cannot be moved to another batch, counted under
 * another policy, or lent to another operator. The domain string keeps the card's signatures over
 * approvals apart from anything else the card signs.
 *
 * A governance motion (signer/governance: freeze, unfreeze, a policy change, enrolling, removing or
 * re-keying an operator, a PIN unlock) is approved the same way, over
 *
 *   digest = SHA-256(JCS({"domain":"airlock.motion-approval/v1","motionDigest":hex,"policyDigest":hex,"operatorId":id}))
 *
 * so an approval of a batch can never count for a motion, nor the other way round.
 */
import { base64urlnopad } from '@scure/base';
import { digestOf } from '../format/canonical.js';

export const APPROVAL_DOMAIN = 'airlock.approval/v1';
export const MOTION_APPROVAL_DOMAIN = 'airlock.motion-approval/v1';

/** What an approval is of: a withdrawal batch, or a governance motion. */
export type ApprovalSubject = 'batch' | 'motion';

const HEX32 = /^[0-9a-f]{64}$/;

export type ApprovalMessage =
  | {
      readonly domain: typeof APPROVAL_DOMAIN;
      readonly batchDigest: string;
      readonly policyDigest: string;
      readonly operatorId: string;
    }
  | {
      readonly domain: typeof MOTION_APPROVAL_DOMAIN;
      readonly motionDigest: string;
      readonly policyDigest: string;
      readonly operatorId: string;
    };

/** Check a 32-byte digest given as 64 lower-case hex digits; `name` names the argument. */
export function assertDigestHex(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string' || !HEX32.test(value))
    throw new TypeError(`"${name}" expected 64 lower-case hex digits, got ${JSON.stringify(value)}`);
}

/** The message of an approval of `subjectDigest`: a batch digest, or a motion digest when `subject` says so. */
export function approvalMessage(
  subjectDigest: string,
  policyDigest: string,
  operatorId: string,
  subject: ApprovalSubject = 'batch',
): ApprovalMessage {
  assertDigestHex(subjectDigest, subject === 'batch' ? 'batchDigest' : 'motionDigest');
  assertDigestHex(policyDigest, 'policyDigest');
  if (typeof operatorId !== 'string' || operatorId.length === 0)
    throw new TypeError('"operatorId" expected a non-empty string');
  switch (subject) {
    case 'batch':
      return { domain: APPROVAL_DOMAIN, batchDigest: subjectDigest, policyDigest, operatorId };
    case 'motion':
      return { domain: MOTION_APPROVAL_DOMAIN, motionDigest: subjectDigest, policyDigest, operatorId };
    default:
      throw new TypeError(`"subject" expected batch or motion, got ${String(subject)}`);
  }
}

/** SHA-256 of the JCS bytes of the message: the 32 bytes the card signs. */
export function approvalDigest(message: ApprovalMessage): Uint8Array {
  return digestOf(message);
}

/** The WebAuthn challenge for the message: base64url (no padding) of its digest. */
export function approvalChallenge(message: ApprovalMessage): string {
  return base64urlnopad.encode(approvalDigest(message));
}
