/**
 * A WebAuthn registration (attestation "none", ES256) as an authenticator would make it, for tests
 * that cannot run a browser: the clientDataJSON, the authenticator data with the attested credential
 * (CTAP2 canonical COSE key) and the attestation object, each base64url. The browser's own
 * registrations are exercised by the e2e suite (Chromium's virtual authenticator).
 */
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base64urlnopad } from '@scure/base';

export function softwareRegistration(options: {
  readonly challenge: string;
  readonly rpId: string;
  readonly origin: string;
  readonly secretKey?: Uint8Array;
  readonly credentialId?: Uint8Array;
}): { credentialId: string; clientDataJSON: string; attestationObject: string } {
  const secretKey = options.secretKey ?? p256.utils.randomSecretKey();
  const credentialId = options.credentialId ?? crypto.getRandomValues(new Uint8Array(16));
  const point = p256.getPublicKey(secretKey, false);
  const cose = Uint8Array.from([
    0xa5,
    0x01,
    0x02,
    0x03,
    0x26,
    0x20,
    0x01,
    0x21,
    0x58,
    0x20,
    ...point.subarray(1, 33),
    0x22,
    0x58,
    0x20,
    ...point.subarray(33),
  ]);
  const authData = Uint8Array.from([
    ...sha256(new TextEncoder().encode(options.rpId)),
    0x45, // UP | UV | AT
    0,
    0,
    0,
    0,
    ...new Uint8Array(16), // aaguid
    credentialId.length >> 8,
    credentialId.length & 0xff,
    ...credentialId,
    ...cose,
  ]);
  const text = (s: string) => [0x60 + s.length, ...new TextEncoder().encode(s)];
  const attestationObject = Uint8Array.from([
    0xa3,
    ...text('fmt'),
    ...text('none'),
    ...text('attStmt'),
    0xa0,
    ...text('authData'),
    0x59,
    authData.length >> 8,
    authData.length & 0xff,
    ...authData,
  ]);
  const clientData = {
    type: 'webauthn.create',
    challenge: options.challenge,
    origin: options.origin,
    crossOrigin: false,
  };
  return {
    credentialId: base64urlnopad.encode(credentialId),
    clientDataJSON: base64urlnopad.encode(new TextEncoder().encode(JSON.stringify(clientData))),
    attestationObject: base64urlnopad.encode(attestationObject),
  };
}
