/**
 * Verification of a WebAuthn registration (an `AuthenticatorAttestationResponse`, W3C WebAuthn Level 2
 * §7.1), ES256 only, attestation "none": the operator console enrols an operator's own authenticator
 * with it at the key ceremony, and the credential it returns is what every later approval is verified
 * against (webauthn.ts).
 *
 * Checked: clientDataJSON is `webauthn.create`, exactly the challenge the appliance issued and its
 * origin, not cross-origin; the attestation object is a CBOR map of exactly `fmt` = "none", an empty
 * `attStmt` and `authData`; the authenticator data's rpIdHash is SHA-256(rpId); flags UP, UV and AT are
 * set and ED is not; the attested credential id is the one the client reported; the credential public
 * key is an ES256 COSE_Key (kty 2, alg -7, crv 1) in CTAP2 canonical form, a point on P-256, and
 * nothing follows it. Attestation statements (packed, tpm, …) are refused: Airlock asks for none and
 * trusts the key ceremony, not a vendor certificate chain.
 *
 * Authenticator data layout (§6.1): rpIdHash (32) ‖ flags (1) ‖ signCount (4, big-endian) ‖
 * aaguid (16) ‖ credentialIdLength (2, big-endian) ‖ credentialId ‖ credentialPublicKey (COSE_Key).
 */
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base64urlnopad } from '@scure/base';
import { refuseApproval } from './errors.js';
import type { WebAuthnCredential } from './operator.js';
import { parseAuthenticatorData } from './webauthn.js';

/** A registration as the client hands it over: every binary member base64url without padding. */
export interface WebAuthnRegistration {
  /** `rawId` of the PublicKeyCredential. */
  readonly credentialId: string;
  readonly clientDataJSON: string;
  readonly attestationObject: string;
}

export interface RegistrationExpectation {
  readonly challenge: Uint8Array;
  readonly rpId: string;
  readonly origin: string;
  /** Named in refusals. */
  readonly operatorId?: string | undefined;
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;
const FLAG_ED = 0x80;

/** The only COSE_Key prefix accepted: map(5) {1: 2, 3: -7, -1: 1, -2: bstr(32) …, -3: bstr(32) …}. */
const COSE_ES256_HEAD = Uint8Array.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20]);
const COSE_Y_HEAD = Uint8Array.from([0x22, 0x58, 0x20]);
const COSE_ES256_LENGTH = COSE_ES256_HEAD.length + 32 + COSE_Y_HEAD.length + 32;

const equalBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

function decode(value: unknown, member: string, operatorId?: string): Uint8Array {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]*$/.test(value))
    refuseApproval('WEBAUTHN_REGISTRATION_INVALID', `the registration's ${member} is not base64url`, {
      operatorId,
    });
  try {
    return base64urlnopad.decode(value as string);
  } catch {
    return refuseApproval('WEBAUTHN_REGISTRATION_INVALID', `the registration's ${member} is not base64url`, {
      operatorId,
    });
  }
}

/** A strict reader of the attestation object: exactly {fmt: "none", attStmt: {}, authData: bytes}. */
function authDataOfNoneAttestation(bytes: Uint8Array, operatorId?: string): Uint8Array {
  const fail = (why: string): never =>
    refuseApproval('WEBAUTHN_REGISTRATION_INVALID', `the attestation object ${why}`, { operatorId });
  let at = 0;
  const byte = () => (at < bytes.length ? bytes[at++]! : fail('is cut short'));
  const length = (info: number): number => {
    if (info < 24) return info;
    if (info === 24) return byte();
    if (info === 25) return (byte() << 8) | byte();
    return fail('uses a length form Airlock does not accept');
  };
  const text = (): string => {
    const head = byte();
    if (head >> 5 !== 3) fail('has a key that is not a text string');
    const n = length(head & 0x1f);
    if (at + n > bytes.length) fail('is cut short');
    const s = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(at, at + n));
    at += n;
    return s;
  };
  if (byte() !== 0xa3) fail('is not a CBOR map of three members (fmt, attStmt, authData)');
  let fmt: string | undefined;
  let attStmt = false;
  let authData: Uint8Array | undefined;
  for (let i = 0; i < 3; i++) {
    const key = text();
    if (key === 'fmt' && fmt === undefined) fmt = text();
    else if (key === 'attStmt' && !attStmt) {
      if (byte() !== 0xa0) fail('has an attestation statement; Airlock asks for attestation "none"');
      attStmt = true;
    } else if (key === 'authData' && authData === undefined) {
      const head = byte();
      if (head >> 5 !== 2) fail('has authData that is not a byte string');
      const n = length(head & 0x1f);
      if (at + n > bytes.length) fail('is cut short');
      authData = bytes.slice(at, at + n);
      at += n;
    } else fail(`has an unexpected or repeated member ${JSON.stringify(key)}`);
  }
  if (at !== bytes.length) fail('has bytes after its map');
  if (fmt !== 'none')
    refuseApproval(
      'WEBAUTHN_REGISTRATION_INVALID',
      `the attestation format is ${JSON.stringify(fmt)}; Airlock asks for "none"`,
      {
        operatorId,
        expected: 'none',
        found: String(fmt),
      },
    );
  return authData!;
}

/** Verify a registration; returns the credential to enrol (its counter as the authenticator reported it). */
export function verifyRegistration(
  registration: WebAuthnRegistration,
  expected: RegistrationExpectation,
): WebAuthnCredential {
  const operatorId = expected.operatorId;
  const clientDataBytes = decode(registration.clientDataJSON, 'clientDataJSON', operatorId);
  let clientData: { type?: unknown; challenge?: unknown; origin?: unknown; crossOrigin?: unknown };
  try {
    clientData = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(clientDataBytes));
  } catch {
    return refuseApproval('WEBAUTHN_REGISTRATION_INVALID', 'the registration clientDataJSON is not JSON', {
      operatorId,
    });
  }
  if (clientData.type !== 'webauthn.create')
    refuseApproval('WEBAUTHN_TYPE', 'the registration is not a webauthn.create ceremony', {
      operatorId,
      expected: 'webauthn.create',
      found: String(clientData.type),
    });
  if (clientData.challenge !== base64urlnopad.encode(expected.challenge))
    refuseApproval(
      'WEBAUTHN_WRONG_CHALLENGE',
      'the registration answers another challenge than the one issued',
      {
        operatorId,
      },
    );
  if (clientData.origin !== expected.origin)
    refuseApproval('WEBAUTHN_ORIGIN', 'the registration was made for another origin', {
      operatorId,
      expected: expected.origin,
      found: String(clientData.origin),
    });
  if (clientData.crossOrigin === true)
    refuseApproval('WEBAUTHN_ORIGIN', 'the registration was made in a cross-origin frame', { operatorId });

  const authData = authDataOfNoneAttestation(
    decode(registration.attestationObject, 'attestationObject', operatorId),
    operatorId,
  );
  const head = parseAuthenticatorData(authData, operatorId);
  if (!equalBytes(head.rpIdHash, sha256(new TextEncoder().encode(expected.rpId))))
    refuseApproval('WEBAUTHN_RP', 'the credential was made for another relying party', {
      operatorId,
      expected: expected.rpId,
    });
  if ((head.flags & FLAG_UP) === 0)
    refuseApproval('WEBAUTHN_NO_USER_VERIFICATION', 'the authenticator did not confirm user presence', {
      operatorId,
    });
  if ((head.flags & FLAG_UV) === 0)
    refuseApproval(
      'WEBAUTHN_NO_USER_VERIFICATION',
      'the authenticator did not verify the user (biometric or PIN)',
      {
        operatorId,
      },
    );
  if ((head.flags & FLAG_AT) === 0 || (head.flags & FLAG_ED) !== 0)
    refuseApproval(
      'WEBAUTHN_REGISTRATION_INVALID',
      'the authenticator data holds no attested credential (or extensions)',
      {
        operatorId,
      },
    );
  let at = 37 + 16;
  if (authData.length < at + 2)
    refuseApproval('WEBAUTHN_REGISTRATION_INVALID', 'the attested credential data is cut short', {
      operatorId,
    });
  const idLength = (authData[at]! << 8) | authData[at + 1]!;
  at += 2;
  const credentialId = authData.subarray(at, at + idLength);
  at += idLength;
  const reported = decode(registration.credentialId, 'credentialId', operatorId);
  if (credentialId.length !== idLength || !equalBytes(credentialId, reported))
    refuseApproval(
      'WEBAUTHN_UNKNOWN_CREDENTIAL',
      'the attested credential id is not the one the client reported',
      {
        operatorId,
      },
    );
  const cose = authData.subarray(at);
  if (
    cose.length !== COSE_ES256_LENGTH ||
    !equalBytes(cose.subarray(0, COSE_ES256_HEAD.length), COSE_ES256_HEAD) ||
    !equalBytes(cose.subarray(COSE_ES256_HEAD.length + 32, COSE_ES256_HEAD.length + 35), COSE_Y_HEAD)
  )
    refuseApproval(
      'WEBAUTHN_REGISTRATION_INVALID',
      'the credential key is not an ES256 P-256 COSE key (CTAP2 canonical)',
      {
        operatorId,
      },
    );
  const x = cose.subarray(COSE_ES256_HEAD.length, COSE_ES256_HEAD.length + 32);
  const y = cose.subarray(COSE_ES256_HEAD.length + 35);
  const publicKey = Uint8Array.from([0x04, ...x, ...y]);
  try {
    p256.Point.fromBytes(publicKey).assertValidity();
  } catch {
    refuseApproval('WEBAUTHN_REGISTRATION_INVALID', 'the credential key is not a point on P-256', {
      operatorId,
    });
  }
  return {
    credentialId: base64urlnopad.encode(credentialId),
    publicKey,
    rpId: expected.rpId,
    signCount: head.signCount,
  };
}
