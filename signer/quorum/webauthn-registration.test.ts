/**
 * WebAuthn registration (W3C WebAuthn Level 2 §7.1), attestation "none", ES256: a real registration
 * recorded by py_webauthn verifies to its credential id, COSE key and counter; every field that
 * matters, changed, is refused with its code.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { base64urlnopad } from '@scure/base';
import { ApprovalError } from './errors.js';
import { verifyRegistration, type WebAuthnRegistration } from './webauthn-registration.js';

const v = JSON.parse(
  readFileSync(
    new URL('../../../signer/quorum/testdata/webauthn-es256-registration-none.json', import.meta.url),
    'utf8',
  ),
) as {
  credentialId: string;
  attestationObject: string;
  clientDataJSON: string;
  challenge: string;
  rpId: string;
  origin: string;
  expectedCredentialPublicKey: string;
  expectedSignCount: number;
};

const registration: WebAuthnRegistration = {
  credentialId: v.credentialId,
  clientDataJSON: v.clientDataJSON,
  attestationObject: v.attestationObject,
};
const expected = { challenge: base64urlnopad.decode(v.challenge), rpId: v.rpId, origin: v.origin };

function refusedWith(code: string, f: () => unknown) {
  assert.throws(f, (err) => err instanceof ApprovalError && err.code === code);
}

test('py_webauthn "none" registration: credential id, COSE key and counter as py_webauthn reads them', () => {
  const credential = verifyRegistration(registration, expected);
  assert.equal(credential.credentialId, v.credentialId);
  assert.equal(credential.signCount, v.expectedSignCount);
  assert.equal(credential.rpId, 'localhost');
  const cose = base64urlnopad.decode(v.expectedCredentialPublicKey);
  assert.deepEqual([...credential.publicKey.subarray(1, 33)], [...cose.subarray(10, 42)]);
  assert.deepEqual([...credential.publicKey.subarray(33)], [...cose.subarray(45)]);
  assert.equal(credential.publicKey[0], 0x04);
});

test('another challenge, origin or rpId is refused', () => {
  refusedWith('WEBAUTHN_WRONG_CHALLENGE', () =>
    verifyRegistration(registration, { ...expected, challenge: new Uint8Array(64) }),
  );
  refusedWith('WEBAUTHN_ORIGIN', () =>
    verifyRegistration(registration, { ...expected, origin: 'https://airlock.local' }),
  );
  refusedWith('WEBAUTHN_RP', () => verifyRegistration(registration, { ...expected, rpId: 'airlock.local' }));
});

test('a webauthn.get clientData, a foreign credential id, or changed authenticator data is refused', () => {
  const client = JSON.parse(Buffer.from(v.clientDataJSON, 'base64url').toString('utf8'));
  const get = Buffer.from(JSON.stringify({ ...client, type: 'webauthn.get' })).toString('base64url');
  refusedWith('WEBAUTHN_TYPE', () => verifyRegistration({ ...registration, clientDataJSON: get }, expected));
  const otherId = base64urlnopad.encode(new Uint8Array(64).fill(7));
  refusedWith('WEBAUTHN_UNKNOWN_CREDENTIAL', () =>
    verifyRegistration({ ...registration, credentialId: otherId }, expected),
  );

  const att = base64urlnopad.decode(v.attestationObject);
  const authDataAt = att.length - 196; // authData is the last member: 196 bytes
  const withFlags = (flags: number) => {
    const copy = Uint8Array.from(att);
    copy[authDataAt + 32] = flags;
    return { ...registration, attestationObject: base64urlnopad.encode(copy) };
  };
  assert.equal(att[authDataAt + 32], 0x45, 'UP|UV|AT in the vector');
  refusedWith('WEBAUTHN_NO_USER_VERIFICATION', () => verifyRegistration(withFlags(0x41), expected));
  refusedWith('WEBAUTHN_NO_USER_VERIFICATION', () => verifyRegistration(withFlags(0x44), expected));
  refusedWith('WEBAUTHN_REGISTRATION_INVALID', () => verifyRegistration(withFlags(0x05), expected));
  refusedWith('WEBAUTHN_REGISTRATION_INVALID', () => verifyRegistration(withFlags(0xc5), expected));
  // A key that is not on the curve.
  const offCurve = Uint8Array.from(att);
  offCurve[att.length - 1]! ^= 1;
  refusedWith('WEBAUTHN_REGISTRATION_INVALID', () =>
    verifyRegistration({ ...registration, attestationObject: base64urlnopad.encode(offCurve) }, expected),
  );
});

test('an attestation format other than "none", extra members or trailing bytes are refused', () => {
  const att = base64urlnopad.decode(v.attestationObject);
  const text = Buffer.from(att).toString('latin1');
  const packed = Buffer.from(text.replace('dnone', 'dnonf'), 'latin1');
  refusedWith('WEBAUTHN_REGISTRATION_INVALID', () =>
    verifyRegistration(
      { ...registration, attestationObject: Buffer.from(packed).toString('base64url') },
      expected,
    ),
  );
  const trailing = Uint8Array.from([...att, 0]);
  refusedWith('WEBAUTHN_REGISTRATION_INVALID', () =>
    verifyRegistration({ ...registration, attestationObject: base64urlnopad.encode(trailing) }, expected),
  );
  refusedWith('WEBAUTHN_REGISTRATION_INVALID', () =>
    verifyRegistration(
      { ...registration, attestationObject: base64urlnopad.encode(att.subarray(0, 50)) },
      expected,
    ),
  );
  refusedWith('WEBAUTHN_REGISTRATION_INVALID', () =>
    verifyRegistration({ ...registration, attestationObject: 'not base64url!' }, expected),
  );
});
