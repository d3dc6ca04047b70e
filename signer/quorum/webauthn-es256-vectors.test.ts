/**
 * WebAuthn §7.2 assertion verification (webauthn.ts) against assertions recorded from real
 * authenticators (testdata/webauthn-es256-assertions.json, from duo-labs/py_webauthn's tests): the
 * UV assertion verifies and yields its counter; the UP-only ones are refused for missing user
 * verification, while their ES256 signatures are shown valid (so the refusal is the flag, not a
 * parsing or signature mismatch); any change of the signed bytes is refused.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base64urlnopad } from '@scure/base';
import { repoRoot } from '../../test-support/paths.js';
import { ApprovalError } from './errors.js';
import type { WebAuthnCredential } from './operator.js';
import { verifyAssertion, type WebAuthnAssertion } from './webauthn.js';

interface Vector extends WebAuthnAssertion {
  readonly name: string;
  readonly challenge: string;
  readonly rpId: string;
  readonly origin: string;
  readonly credentialPublicKey: string;
  readonly storedSignCount: number;
  readonly result: { readonly signCount: number } | { readonly error: string };
}

const { vectors } = JSON.parse(
  readFileSync(join(repoRoot, 'signer', 'quorum', 'testdata', 'webauthn-es256-assertions.json'), 'utf8'),
) as { vectors: Vector[] };

/**
 * The uncompressed P-256 key of an EC2/ES256 COSE_Key (RFC 9053 §7.1.1) in the fixed layout
 * authenticators emit: {1: 2, 3: -7, -1: 1, -2: x(32), -3: y(32)}.
 */
function coseEs256ToSec1(cose: Uint8Array): Uint8Array {
  const head = [0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20];
  assert.deepEqual([...cose.slice(0, 10)], head, 'COSE_Key EC2 P-256 ES256 header');
  assert.deepEqual([...cose.slice(42, 45)], [0x22, 0x58, 0x20], 'COSE_Key y label');
  assert.equal(cose.length, 77);
  return new Uint8Array([0x04, ...cose.slice(10, 42), ...cose.slice(45, 77)]);
}

const credentialOf = (v: Vector): WebAuthnCredential => ({
  credentialId: v.credentialId,
  publicKey: coseEs256ToSec1(base64urlnopad.decode(v.credentialPublicKey)),
  rpId: v.rpId,
  signCount: v.storedSignCount,
});

const expectationOf = (v: Vector) => ({
  challenge: base64urlnopad.decode(v.challenge),
  rpId: v.rpId,
  origin: v.origin,
});

for (const v of vectors) {
  test(`py_webauthn vector: ${v.name}`, () => {
    const credential = credentialOf(v);
    assert.ok(p256.utils.isValidPublicKey(credential.publicKey));
    // The ES256 signature itself is valid in every vector.
    const authData = base64urlnopad.decode(v.authenticatorData);
    const signed = new Uint8Array([...authData, ...sha256(base64urlnopad.decode(v.clientDataJSON))]);
    assert.ok(
      p256.verify(base64urlnopad.decode(v.signature), signed, credential.publicKey, {
        format: 'der',
        lowS: false,
      }),
    );
    if ('signCount' in v.result) {
      assert.equal(verifyAssertion(v, credential, expectationOf(v)), v.result.signCount);
    } else {
      const code = v.result.error;
      assert.throws(
        () => verifyAssertion(v, credential, expectationOf(v)),
        (e) => e instanceof ApprovalError && e.code === code,
      );
    }
  });
}

test('py_webauthn UV vector: a changed challenge, origin, rpId, counter or signature is refused', () => {
  const v = vectors.find((x) => 'signCount' in x.result);
  assert.ok(v);
  const credential = credentialOf(v);
  const refused = (code: string) => (e: unknown) => e instanceof ApprovalError && e.code === code;
  const challenge = base64urlnopad.decode(v.challenge);
  challenge[0] = (challenge[0] ?? 0) ^ 1;
  assert.throws(
    () => verifyAssertion(v, credential, { ...expectationOf(v), challenge }),
    refused('WEBAUTHN_WRONG_BATCH'),
  );
  assert.throws(
    () => verifyAssertion(v, credential, { ...expectationOf(v), origin: 'https://foo.bar' }),
    refused('WEBAUTHN_ORIGIN'),
  );
  assert.throws(
    () =>
      verifyAssertion(
        v,
        { ...credential, rpId: 'example.com' },
        { ...expectationOf(v), rpId: 'example.com' },
      ),
    refused('WEBAUTHN_RP'),
  );
  assert.throws(
    () => verifyAssertion(v, { ...credential, signCount: 1625263266 }, expectationOf(v)),
    refused('WEBAUTHN_REPLAY'),
  );
  const sig = base64urlnopad.decode(v.signature);
  sig[10] = (sig[10] ?? 0) ^ 1;
  assert.throws(
    () => verifyAssertion({ ...v, signature: base64urlnopad.encode(sig) }, credential, expectationOf(v)),
    refused('WEBAUTHN_SIGNATURE_INVALID'),
  );
});
