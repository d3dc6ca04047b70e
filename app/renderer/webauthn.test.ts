/** The biometric step's request and the assertion's wire form; the registration's options and wire form (webauthn.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  base64urlToBytes,
  type ChallengeView,
  parseRequest,
  type RegistrationOptionsView,
} from '../common/ipc-contract.js';
import { RendererError } from './errors.js';
import {
  assertionToWire,
  COSE_ES256,
  createRegistration,
  creationOptions,
  describeRegistrationFailure,
  describeWebAuthnFailure,
  registrationToWire,
  requestOptions,
  WEBAUTHN_TIMEOUT_MS,
} from './webauthn.js';

const challenge: ChallengeView = {
  operatorId: 'alice',
  cardToken: 'airlock-card-1',
  challenge: 'q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA',
  rpId: 'airlock.local',
  credentialId: 'AQIDBAUGBwgJ',
  subject: 'batch',
  subjectDigest: 'ab'.repeat(32),
  fingerprint: 'abab-abab-abab-abab (pose pose pose pose)',
};

describe('WebAuthn request', () => {
  it('asks for the operator’s own credential, with user verification, on the console’s rpId', () => {
    const o = requestOptions(challenge);
    assert.deepEqual(new Uint8Array(o.challenge as Uint8Array), base64urlToBytes(challenge.challenge));
    assert.equal((o.challenge as Uint8Array).length, 32);
    assert.equal(o.rpId, 'airlock.local');
    assert.equal(o.userVerification, 'required');
    assert.equal(o.timeout, WEBAUTHN_TIMEOUT_MS);
    assert.equal(o.allowCredentials?.length, 1);
    assert.equal(o.allowCredentials?.[0]?.type, 'public-key');
    assert.deepEqual(
      [...new Uint8Array(o.allowCredentials?.[0]?.id as Uint8Array)],
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
  });
});

describe('assertionToWire', () => {
  it('carries every member as unpadded base64url', () => {
    const buf = (...b: number[]) => new Uint8Array(b).buffer;
    const wire = assertionToWire({
      rawId: buf(1, 2, 3, 4, 5, 6, 7, 8, 9),
      response: {
        authenticatorData: buf(0xfb, 0xff),
        clientDataJSON: new TextEncoder().encode('{"type":"webauthn.get"}').buffer,
        signature: buf(0x30, 0x44, 0xfe),
      },
    });
    assert.deepEqual(wire, {
      credentialId: 'AQIDBAUGBwgJ',
      authenticatorData: '-_8',
      clientDataJSON: 'eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0',
      signature: 'MET-',
    });
  });

  it('accepts views over a larger buffer (only the viewed bytes)', () => {
    const big = new Uint8Array([9, 9, 1, 2, 9]);
    const view = big.subarray(2, 4);
    const wire = assertionToWire({
      rawId: view,
      response: { authenticatorData: view, clientDataJSON: view, signature: view },
    });
    assert.equal(wire.credentialId, 'AQI');
  });

  it('refuses anything that is not an assertion', () => {
    for (const bad of [
      null,
      {},
      { rawId: new ArrayBuffer(1), response: {} },
      { rawId: 'x', response: { signature: new ArrayBuffer(1) } },
    ]) {
      assert.throws(
        () => assertionToWire(bad),
        (e: unknown) => e instanceof RendererError && e.code === 'WEBAUTHN_BAD_RESPONSE',
      );
    }
  });

  it('words the browser’s refusals for the operator', () => {
    const e = new Error('x');
    e.name = 'NotAllowedError';
    assert.match(describeWebAuthnFailure(e), /cancelled, timed out/);
    assert.equal(describeWebAuthnFailure(new Error('boom')), 'boom');
  });
});

const registration: RegistrationOptionsView = {
  operatorId: 'alice',
  challenge: 'q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA',
  rpId: 'airlock.local',
  rpName: 'Airlock signing appliance',
  userId: 'YWxpY2U',
  userName: 'alice',
  excludeCredentials: ['AQIDBAUGBwgJ', '-_8'],
};

describe('WebAuthn registration options', () => {
  it('asks for an ES256 key with user verification, no resident key, no attestation, enrolled ones excluded', () => {
    const o = creationOptions(registration);
    assert.deepEqual(new Uint8Array(o.challenge as Uint8Array), base64urlToBytes(registration.challenge));
    assert.equal((o.challenge as Uint8Array).length, 32);
    assert.deepEqual(o.rp, { id: 'airlock.local', name: 'Airlock signing appliance' });
    assert.equal(new TextDecoder().decode(o.user.id as Uint8Array), 'alice');
    assert.equal(o.user.name, 'alice');
    assert.equal(o.user.displayName, 'alice');
    assert.deepEqual(o.pubKeyCredParams, [{ type: 'public-key', alg: COSE_ES256 }]);
    assert.equal(COSE_ES256, -7);
    assert.deepEqual(o.authenticatorSelection, { userVerification: 'required', residentKey: 'discouraged' });
    assert.equal(o.attestation, 'none');
    assert.equal(o.timeout, WEBAUTHN_TIMEOUT_MS);
    assert.deepEqual(
      o.excludeCredentials?.map((c) => [c.type, [...new Uint8Array(c.id as Uint8Array)]]),
      [
        ['public-key', [1, 2, 3, 4, 5, 6, 7, 8, 9]],
        ['public-key', [0xfb, 0xff]],
      ],
    );
  });

  it('excludes nothing when no operator is enrolled yet', () => {
    assert.deepEqual(creationOptions({ ...registration, excludeCredentials: [] }).excludeCredentials, []);
  });
});

describe('registrationToWire', () => {
  const buf = (...b: number[]) => new Uint8Array(b).buffer;

  it('carries every member as unpadded base64url, and the contract parses it', () => {
    const wire = registrationToWire({
      rawId: buf(1, 2, 3, 4, 5, 6, 7, 8, 9),
      response: {
        clientDataJSON: new TextEncoder().encode('{"type":"webauthn.create"}').buffer,
        attestationObject: buf(0xa3, 0x63, 0xfe, 0xff),
      },
    });
    assert.deepEqual(wire, {
      credentialId: 'AQIDBAUGBwgJ',
      clientDataJSON: 'eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0',
      attestationObject: 'o2P-_w',
    });
    const request = {
      operatorId: 'alice',
      role: 'admin',
      cardToken: 'airlock-card-1',
      pin: '123456',
      registration: wire,
    };
    assert.deepEqual(parseRequest('operator:enrol-complete', request), request);
  });

  it('refuses anything that is not a registration (an assertion, a missing attestation)', () => {
    for (const bad of [
      null,
      {},
      { rawId: buf(1), response: { clientDataJSON: buf(1) } },
      { rawId: buf(1), response: { clientDataJSON: buf(1), authenticatorData: buf(1), signature: buf(1) } },
      { rawId: 'x', response: { clientDataJSON: buf(1), attestationObject: buf(1) } },
    ]) {
      assert.throws(
        () => registrationToWire(bad),
        (e: unknown) => e instanceof RendererError && e.code === 'WEBAUTHN_BAD_RESPONSE',
      );
    }
  });

  it('words the browser’s refusals of a registration for the operator', () => {
    const named = (name: string) => Object.assign(new Error('x'), { name });
    assert.match(describeRegistrationFailure(named('InvalidStateError')), /already holds an enrolled/);
    assert.match(describeRegistrationFailure(named('NotAllowedError')), /cancelled or timed out/);
    assert.match(describeRegistrationFailure(named('SecurityError')), /relying party/);
    assert.equal(describeRegistrationFailure(new Error('boom')), 'boom');
  });

  it('fails with WEBAUTHN_FAILED where there is no WebAuthn (node has no navigator.credentials)', async () => {
    await assert.rejects(
      createRegistration(registration),
      (e: unknown) => e instanceof RendererError && e.code === 'WEBAUTHN_FAILED',
    );
  });
});
