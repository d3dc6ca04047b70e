/**
 * SOFTWARE SMARTCARD SIGNATURE: FOR TESTS AND THE DEMO ONLY. The real card signature comes from the
 * operator's PKCS#11 token (hsm/sign.ts `signEd25519` over the approval digest, after C_Login with the
 * operator's PIN). This helper makes the same signature from an Ed25519 secret key held in memory.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { type ApprovalMessage, approvalDigest } from './approval-message.js';

/** The `cardSignature` member of an approval: hex Ed25519 signature over the approval digest. */
export function signApprovalWithSoftwareCardForTests(
  secretKey: Uint8Array,
  message: ApprovalMessage,
): string {
  return bytesToHex(ed25519.sign(approvalDigest(message), secretKey));
}
