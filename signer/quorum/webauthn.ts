/**
 * Verification of a WebAuthn assertion (an `AuthenticatorAssertionResponse`), ES256 only, with user
 * verification required: https://www.w3.org/TR/webauthn-3/#sctn-verifying-assertion (§7.2).
 *
 * Checked in the order of §7.2: the credential is the enrolled one; clientDataJSON has type
 * `webauthn.get`, exactly the expected challenge and origin, and is not cross-origin; the
 * authenticator data's rpIdHash is SHA-256(rpId); flags UP (0x01) and UV (0x04) are set; the ES256
 * signature (ASN.1 DER, high S accepted as §6.5.6 allows) verifies over
 * `authenticatorData ‖ SHA-256(clientDataJSON)` with the credential's P-256 key; the signature counter
 * went up, unless the authenticator keeps none (stored and received both 0). The counter is checked
 * after the signature so that a forged counter is reported as a bad signature, not as a replay.
 *
 * Authenticator data layout (§6.1): rpIdHash (32) ‖ flags (1) ‖ signCount (4, big-endian) ‖ … .
 */
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base64urlnopad } from '@scure/base';
import { refuseApproval } from './errors.js';
import type { WebAuthnCredential } from './operator.js';

/** An assertion as the client hands it over: every binary member base64url without padding. */
export interface WebAuthnAssertion {
  readonly credentialId: string;
  readonly authenticatorData: string;
  readonly clientDataJSON: string;
  /** ES256 signature, ASN.1 DER. */
  readonly signature: string;
}

export interface AssertionExpectation {
  /** The exact challenge bytes the relying party issued. */
  readonly challenge: Uint8Array;
  readonly rpId: string;
  readonly origin: string;
  /** Named in refusals. */
  readonly operatorId?: string | undefined;
}

export const FLAG_UP = 0x01;
export const FLAG_UV = 0x04;

export interface AuthenticatorData {
  readonly rpIdHash: Uint8Array;
  readonly flags: number;
  readonly signCount: number;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

function decodeMember(value: unknown, member: string, operatorId: string | undefined): Uint8Array {
  if (typeof value !== 'string' || value.length === 0)
    refuseApproval('APPROVAL_MALFORMED', `the assertion's ${member} is missing`, { operatorId });
  try {
    return base64urlnopad.decode(value);
  } catch {
    return refuseApproval(
      'APPROVAL_MALFORMED',
      `the assertion's ${member} is not base64url without padding`,
      {
        operatorId,
      },
    );
  }
}

/** The fixed 37-byte head of authenticator data; extensions and attested data are not read. */
export function parseAuthenticatorData(bytes: Uint8Array, operatorId?: string): AuthenticatorData {
  if (bytes.length < 37)
    refuseApproval('APPROVAL_MALFORMED', 'the authenticator data is shorter than 37 bytes', {
      operatorId,
      expected: 'at least 37 bytes',
      found: `${bytes.length} bytes`,
    });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { rpIdHash: bytes.slice(0, 32), flags: bytes[32]!, signCount: view.getUint32(33, false) };
}

interface ClientData {
  readonly type: unknown;
  readonly challenge: unknown;
  readonly origin: unknown;
  readonly crossOrigin?: unknown;
}

function parseClientData(bytes: Uint8Array, operatorId: string | undefined): ClientData {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fatalUtf8.decode(bytes));
  } catch {
    return refuseApproval('APPROVAL_MALFORMED', 'clientDataJSON is not UTF-8 JSON', { operatorId });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    refuseApproval('APPROVAL_MALFORMED', 'clientDataJSON is not a JSON object', { operatorId });
  return parsed as ClientData;
}

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((byte, i) => byte === b[i]);

/**
 * Verify `assertion` against the enrolled `credential`. Returns the authenticator's new signature
 * counter, which the caller must persist for the credential. Throws ApprovalError on any refusal.
 */
export function verifyAssertion(
  assertion: WebAuthnAssertion,
  credential: WebAuthnCredential,
  expected: AssertionExpectation,
): number {
  const operatorId = expected.operatorId;
  if (!(expected.challenge instanceof Uint8Array) || expected.challenge.length === 0)
    throw new TypeError('"expected.challenge" expected non-empty bytes');
  if (typeof assertion !== 'object' || assertion === null)
    refuseApproval('APPROVAL_MALFORMED', 'the WebAuthn assertion is missing', { operatorId });

  if (assertion.credentialId !== credential.credentialId)
    refuseApproval(
      'WEBAUTHN_UNKNOWN_CREDENTIAL',
      'the assertion comes from another credential than the enrolled one',
      {
        operatorId,
        expected: credential.credentialId,
        found: String(assertion.credentialId),
      },
    );
  const authData = decodeMember(assertion.authenticatorData, 'authenticatorData', operatorId);
  const clientDataBytes = decodeMember(assertion.clientDataJSON, 'clientDataJSON', operatorId);
  const signature = decodeMember(assertion.signature, 'signature', operatorId);

  const clientData = parseClientData(clientDataBytes, operatorId);
  if (clientData.type !== 'webauthn.get')
    refuseApproval('WEBAUTHN_TYPE', 'the client data is not of an assertion', {
      operatorId,
      expected: 'webauthn.get',
      found: String(clientData.type),
    });
  const challenge = base64urlnopad.encode(expected.challenge);
  if (clientData.challenge !== challenge)
    refuseApproval('WEBAUTHN_WRONG_BATCH', 'the biometric approval was given for another batch or policy', {
      operatorId,
      expected: challenge,
      found: String(clientData.challenge),
    });
  if (clientData.origin !== expected.origin)
    refuseApproval('WEBAUTHN_ORIGIN', 'the biometric approval was given to another origin', {
      operatorId,
      expected: expected.origin,
      found: String(clientData.origin),
    });
  if (clientData.crossOrigin !== undefined && clientData.crossOrigin !== false)
    refuseApproval('WEBAUTHN_ORIGIN', 'the biometric approval was given in a cross-origin frame', {
      operatorId,
      expected: 'crossOrigin false',
      found: `crossOrigin ${String(clientData.crossOrigin)}`,
    });

  const head = parseAuthenticatorData(authData, operatorId);
  if (credential.rpId !== expected.rpId || !equalBytes(head.rpIdHash, sha256(encoder.encode(expected.rpId))))
    refuseApproval('WEBAUTHN_RP', 'the authenticator answered for another relying party', {
      operatorId,
      expected: expected.rpId,
      found:
        credential.rpId === expected.rpId ? 'another rpIdHash' : `credential enrolled for ${credential.rpId}`,
    });
  if ((head.flags & (FLAG_UP | FLAG_UV)) !== (FLAG_UP | FLAG_UV))
    refuseApproval(
      'WEBAUTHN_NO_USER_VERIFICATION',
      'the authenticator did not verify the user (fingerprint, face or PIN)',
      {
        operatorId,
        expected: 'flags UP and UV',
        found: `flags 0x${head.flags.toString(16).padStart(2, '0')}`,
      },
    );

  const signed = new Uint8Array(authData.length + 32);
  signed.set(authData, 0);
  signed.set(sha256(clientDataBytes), authData.length);
  let valid = false;
  try {
    valid = p256.verify(signature, signed, credential.publicKey, {
      format: 'der',
      lowS: false,
      prehash: true,
    });
  } catch {
    valid = false;
  }
  if (!valid)
    refuseApproval('WEBAUTHN_SIGNATURE_INVALID', 'the biometric approval signature does not verify', {
      operatorId,
    });

  const noCounter = head.signCount === 0 && credential.signCount === 0;
  if (!noCounter && head.signCount <= credential.signCount)
    refuseApproval(
      'WEBAUTHN_REPLAY',
      'the authenticator counter did not go up: a replayed or cloned assertion',
      {
        operatorId,
        expected: `more than ${credential.signCount}`,
        found: String(head.signCount),
      },
    );
  return head.signCount;
}
