/** The biometric step's request and the assertion's wire form (webauthn.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base64urlToBytes, type ChallengeView } from '../common/ipc-contract.js';
import { RendererError } from './errors.js';
import { assertionToWire, describeWebAuthnFailure, requestOptions, WEBAUTHN_TIMEOUT_MS } from './webauthn.js';

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
