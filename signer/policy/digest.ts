/**
 * The policy digest: SHA-256 of the RFC 8785 (JCS) bytes of the policy document as received
 * (https://www.rfc-editor.org/rfc/rfc8785), the same construction as the batch digest
 * (format/canonical.ts `digestOf`). Approvals of a batch bind to it, so an approval given under one
 * policy cannot be counted under another; a change of any member, or of a price, changes it, while
 * member order and whitespace do not.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { digestOf } from '../format/canonical.js';
import type { Policy } from './document.js';

/** SHA-256(JCS(policy document)): 32 bytes. */
export function policyDigest(policy: Policy): Uint8Array {
  return digestOf(policy.wire);
}

/** The digest as 64 lower-case hex digits, as reports and the audit log print it. */
export function policyDigestHex(policy: Policy): string {
  return bytesToHex(policyDigest(policy));
}
