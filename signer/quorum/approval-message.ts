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
 */
import { base64urlnopad } from '@scure/base';
import { digestOf } from '../format/canonical.js';

export const APPROVAL_DOMAIN = 'airlock.approval/v1';

const HEX32 = /^[0-9a-f]{64}$/;

export interface ApprovalMessage {
  readonly domain: typeof APPROVAL_DOMAIN;
  readonly batchDigest: string;
  readonly policyDigest: string;
  readonly operatorId: string;
}

/** Check a 32-byte digest given as 64 lower-case hex digits; `name` names the argument. */
export function assertDigestHex(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string' || !HEX32.test(value))
    throw new TypeError(`"${name}" expected 64 lower-case hex digits, got ${JSON.stringify(value)}`);
}

export function approvalMessage(
  batchDigest: string,
  policyDigest: string,
  operatorId: string,
): ApprovalMessage {
  assertDigestHex(batchDigest, 'batchDigest');
  assertDigestHex(policyDigest, 'policyDigest');
  if (typeof operatorId !== 'string' || operatorId.length === 0)
    throw new TypeError('"operatorId" expected a non-empty string');
  return { domain: APPROVAL_DOMAIN, batchDigest, policyDigest, operatorId };
}

/** SHA-256 of the JCS bytes of the message: the 32 bytes the card signs. */
export function approvalDigest(message: ApprovalMessage): Uint8Array {
  return digestOf(message);
}

/** The WebAuthn challenge for the message: base64url (no padding) of its digest. */
export function approvalChallenge(message: ApprovalMessage): string {
  return base64urlnopad.encode(approvalDigest(message));
}
