/**
 * One operator's approval (verify-approval.ts, webauthn.ts): each factor bound to the batch digest,
 * the policy digest and the operator; each refusal with its own stable code.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base64urlnopad } from '@scure/base';
import { approvalChallenge, approvalDigest, approvalMessage } from './approval-message.js';
import { ApprovalError, type ApprovalErrorCode } from './errors.js';
import { approve, BATCH, makeOperator, OTHER_BATCH, OTHER_POLICY, POLICY, RP } from './fixtures.js';
import { SoftwareAuthenticatorForTestsAndDemo } from './software-authenticator.js';
import { type Approval, verifyApproval } from './verify-approval.js';

const expected = { batchDigest: BATCH, policyDigest: POLICY, ...RP };

function refusedWith(code: ApprovalErrorCode, operatorId?: string) {
  return (e: unknown) => {
    assert.ok(e instanceof ApprovalError, `expected ApprovalError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (operatorId !== undefined) assert.equal(e.operatorId, operatorId);
    return true;
  };
}

const b64 = base64urlnopad;
const withAuthData = (a: Approval, edit: (bytes: Uint8Array) => void): Approval => {
  const bytes = b64.decode(a.webauthn.authenticatorData);
  edit(bytes);
  return { ...a, webauthn: { ...a.webauthn, authenticatorData: b64.encode(bytes) } };
};

test('approval message: JCS of domain, batch digest, policy digest, operator id; challenge = base64url(digest)', () => {
  const message = approvalMessage(BATCH, POLICY, 'alice');
  const json = `{"batchDigest":"${BATCH}","domain":"airlock.approval/v1","operatorId":"alice","policyDigest":"${POLICY}"}`;
  assert.deepEqual(approvalDigest(message), sha256(new TextEncoder().encode(json)));
  assert.equal(approvalChallenge(message), b64.encode(approvalDigest(message)));
  assert.throws(() => approvalMessage(BATCH.toUpperCase(), POLICY, 'alice'), TypeError);
  assert.throws(() => approvalMessage(BATCH, POLICY.slice(2), 'alice'), TypeError);
  assert.throws(() => approvalMessage(BATCH, POLICY, ''), TypeError);
});

test('a valid approval verifies and returns the new signature counter', () => {
  const alice = makeOperator('alice', 1);
  assert.equal(verifyApproval(approve(alice), alice.operator, expected), 1);
  const second = approve(alice);
  const persisted = { ...alice.operator, webauthn: { ...alice.operator.webauthn, signCount: 1 } };
  assert.equal(verifyApproval(second, persisted, expected), 2);
});

test('the software authenticator writes clientDataJSON and authenticator data as a browser does', () => {
  const alice = makeOperator('alice', 1);
  const a = approve(alice);
  const clientData = JSON.parse(new TextDecoder().decode(b64.decode(a.webauthn.clientDataJSON)));
  assert.deepEqual(Object.keys(clientData), ['type', 'challenge', 'origin', 'crossOrigin']);
  assert.equal(clientData.challenge, approvalChallenge(approvalMessage(BATCH, POLICY, 'alice')));
  const authData = b64.decode(a.webauthn.authenticatorData);
  assert.deepEqual(authData.slice(0, 32), sha256(new TextEncoder().encode(RP.rpId)));
  assert.equal(authData[32], 0x05);
  assert.equal(b64.decode(a.webauthn.signature)[0], 0x30, 'ASN.1 DER SEQUENCE');
});

test('an assertion without user verification is refused (WEBAUTHN_NO_USER_VERIFICATION)', () => {
  const alice = makeOperator('alice', 1);
  assert.throws(
    () => verifyApproval(approve(alice, { userVerified: false }), alice.operator, expected),
    refusedWith('WEBAUTHN_NO_USER_VERIFICATION', 'alice'),
  );
  // UV without UP, re-signed so that only the flags are wrong
  const authenticator = new SoftwareAuthenticatorForTestsAndDemo({
    ...RP,
    secretKey: new Uint8Array(32).fill(7),
  });
  const operator = { ...alice.operator, webauthn: authenticator.credential() };
  const digest = approvalDigest(approvalMessage(BATCH, POLICY, 'alice'));
  const good = { ...approve(alice), webauthn: authenticator.getAssertion(digest) };
  const authData = b64.decode(good.webauthn.authenticatorData);
  authData[32] = 0x04;
  const clientData = b64.decode(good.webauthn.clientDataJSON);
  const signed = new Uint8Array([...authData, ...sha256(clientData)]);
  const signature = p256.sign(signed, new Uint8Array(32).fill(7), { format: 'der' });
  const uvOnly = {
    ...good,
    webauthn: { ...good.webauthn, authenticatorData: b64.encode(authData), signature: b64.encode(signature) },
  };
  assert.throws(
    () => verifyApproval(uvOnly, operator, expected),
    refusedWith('WEBAUTHN_NO_USER_VERIFICATION'),
  );
});

test('an approval of another batch is refused', () => {
  const alice = makeOperator('alice', 1);
  // both factors for the other batch: the card signature fails first
  assert.throws(
    () => verifyApproval(approve(alice, { batchDigest: OTHER_BATCH }), alice.operator, expected),
    refusedWith('CARD_SIGNATURE_INVALID', 'alice'),
  );
  // a good card signature with the biometric assertion of another batch
  const mixed = { ...approve(alice), webauthn: approve(alice, { batchDigest: OTHER_BATCH }).webauthn };
  assert.throws(
    () => verifyApproval(mixed, alice.operator, expected),
    refusedWith('WEBAUTHN_WRONG_BATCH', 'alice'),
  );
});

test('an approval under another policy digest is refused', () => {
  const alice = makeOperator('alice', 1);
  assert.throws(
    () => verifyApproval(approve(alice, { policyDigest: OTHER_POLICY }), alice.operator, expected),
    refusedWith('CARD_SIGNATURE_INVALID'),
  );
  const mixed = { ...approve(alice), webauthn: approve(alice, { policyDigest: OTHER_POLICY }).webauthn };
  assert.throws(() => verifyApproval(mixed, alice.operator, expected), refusedWith('WEBAUTHN_WRONG_BATCH'));
});

test("another operator's assertion cannot be lent: the challenge names the operator", () => {
  const alice = makeOperator('alice', 1);
  const bob = makeOperator('bob', 2);
  const bobsAssertion = approve(bob).webauthn;
  const lent = {
    ...approve(alice),
    webauthn: { ...bobsAssertion, credentialId: alice.operator.webauthn.credentialId },
  };
  assert.throws(() => verifyApproval(lent, alice.operator, expected), refusedWith('WEBAUTHN_WRONG_BATCH'));
  assert.throws(
    () => verifyApproval({ ...approve(alice), webauthn: bobsAssertion }, alice.operator, expected),
    refusedWith('WEBAUTHN_UNKNOWN_CREDENTIAL'),
  );
});

test('a replayed assertion (the same signature counter) is refused', () => {
  const alice = makeOperator('alice', 1);
  const first = approve(alice);
  const signCount = verifyApproval(first, alice.operator, expected);
  const persisted = { ...alice.operator, webauthn: { ...alice.operator.webauthn, signCount } };
  assert.throws(
    () => verifyApproval(first, persisted, expected),
    (e) => {
      assert.ok(e instanceof ApprovalError);
      assert.equal(e.code, 'WEBAUTHN_REPLAY');
      assert.equal(e.expected, 'more than 1');
      assert.equal(e.found, '1');
      return true;
    },
  );
  assert.throws(
    () => verifyApproval(approve(alice, { signCount: 0 }), persisted, expected),
    refusedWith('WEBAUTHN_REPLAY'),
  );
});

test('an authenticator without a counter (always 0) is accepted while the stored counter is 0', () => {
  const authenticator = new SoftwareAuthenticatorForTestsAndDemo({ ...RP, keepsCounter: false });
  const alice = makeOperator('alice', 1);
  const operator = { ...alice.operator, webauthn: authenticator.credential() };
  const digest = approvalDigest(approvalMessage(BATCH, POLICY, 'alice'));
  const a = { ...approve(alice), webauthn: authenticator.getAssertion(digest) };
  assert.equal(verifyApproval(a, operator, expected), 0);
  assert.equal(verifyApproval({ ...a, webauthn: authenticator.getAssertion(digest) }, operator, expected), 0);
  const stored = { ...operator, webauthn: { ...operator.webauthn, signCount: 5 } };
  assert.throws(() => verifyApproval(a, stored, expected), refusedWith('WEBAUTHN_REPLAY'));
});

test('a card signature made with another key is refused (CARD_SIGNATURE_INVALID)', () => {
  const alice = makeOperator('alice', 1);
  assert.throws(
    () =>
      verifyApproval(approve(alice, { cardSecret: new Uint8Array(32).fill(9) }), alice.operator, expected),
    refusedWith('CARD_SIGNATURE_INVALID', 'alice'),
  );
  assert.throws(
    () => verifyApproval({ ...approve(alice), cardSignature: 'zz' }, alice.operator, expected),
    refusedWith('CARD_SIGNATURE_INVALID'),
  );
});

test('tampered authenticator data, clientDataJSON or signature is refused', () => {
  const alice = makeOperator('alice', 1);
  const a = approve(alice);
  // counter raised by the attacker: not covered by a fresh signature
  const counter = withAuthData(a, (bytes) => {
    bytes[36] = 0x63;
  });
  assert.throws(
    () => verifyApproval(counter, alice.operator, expected),
    refusedWith('WEBAUTHN_SIGNATURE_INVALID'),
  );
  const extra = withAuthData(a, () => undefined);
  const longer = {
    ...extra,
    webauthn: {
      ...extra.webauthn,
      authenticatorData: b64.encode(new Uint8Array([...b64.decode(a.webauthn.authenticatorData), 0])),
    },
  };
  assert.throws(
    () => verifyApproval(longer, alice.operator, expected),
    refusedWith('WEBAUTHN_SIGNATURE_INVALID'),
  );
  const short = { ...a, webauthn: { ...a.webauthn, authenticatorData: b64.encode(new Uint8Array(36)) } };
  assert.throws(() => verifyApproval(short, alice.operator, expected), refusedWith('APPROVAL_MALFORMED'));

  const clientData = JSON.parse(new TextDecoder().decode(b64.decode(a.webauthn.clientDataJSON)));
  const reordered = new TextEncoder().encode(JSON.stringify({ ...clientData, extra: 1 }));
  const cd = { ...a, webauthn: { ...a.webauthn, clientDataJSON: b64.encode(reordered) } };
  assert.throws(
    () => verifyApproval(cd, alice.operator, expected),
    refusedWith('WEBAUTHN_SIGNATURE_INVALID'),
  );
  const notJson = { ...a, webauthn: { ...a.webauthn, clientDataJSON: b64.encode(new Uint8Array([0xff])) } };
  assert.throws(() => verifyApproval(notJson, alice.operator, expected), refusedWith('APPROVAL_MALFORMED'));

  const sig = b64.decode(a.webauthn.signature);
  sig[sig.length - 1] = (sig[sig.length - 1] ?? 0) ^ 1;
  const badSig = { ...a, webauthn: { ...a.webauthn, signature: b64.encode(sig) } };
  assert.throws(
    () => verifyApproval(badSig, alice.operator, expected),
    refusedWith('WEBAUTHN_SIGNATURE_INVALID'),
  );
  const padded = { ...a, webauthn: { ...a.webauthn, signature: `${a.webauthn.signature}=` } };
  assert.throws(() => verifyApproval(padded, alice.operator, expected), refusedWith('APPROVAL_MALFORMED'));
});

test('a high-S ES256 signature is accepted (WebAuthn does not require low S)', () => {
  const alice = makeOperator('alice', 1);
  const a = approve(alice);
  const sig = p256.Signature.fromBytes(b64.decode(a.webauthn.signature), 'der');
  const flipped = new p256.Signature(sig.r, p256.Point.Fn.ORDER - sig.s);
  const high = { ...a, webauthn: { ...a.webauthn, signature: b64.encode(flipped.toBytes('der')) } };
  assert.equal(verifyApproval(high, alice.operator, expected), 1);
});

test('wrong type, rpId and origin are refused with their own codes', () => {
  const alice = makeOperator('alice', 1);
  assert.throws(
    () => verifyApproval(approve(alice, { type: 'webauthn.create' }), alice.operator, expected),
    refusedWith('WEBAUTHN_TYPE'),
  );
  assert.throws(
    () => verifyApproval(approve(alice, { rpId: 'evil.example' }), alice.operator, expected),
    refusedWith('WEBAUTHN_RP'),
  );
  assert.throws(
    () => verifyApproval(approve(alice), alice.operator, { ...expected, rpId: 'other.local' }),
    refusedWith('WEBAUTHN_RP'),
  );
  assert.throws(
    () => verifyApproval(approve(alice, { origin: 'https://evil.example' }), alice.operator, expected),
    refusedWith('WEBAUTHN_ORIGIN'),
  );
  assert.throws(
    () => verifyApproval(approve(alice), alice.operator, { ...expected, origin: 'https://other.local' }),
    refusedWith('WEBAUTHN_ORIGIN'),
  );
});

test('an approval naming another operator, and a bad expectation, are refused', () => {
  const alice = makeOperator('alice', 1);
  const bob = makeOperator('bob', 2);
  assert.throws(
    () => verifyApproval(approve(bob), alice.operator, expected),
    refusedWith('UNKNOWN_OPERATOR'),
  );
  assert.throws(
    () => verifyApproval(approve(alice), alice.operator, { ...expected, batchDigest: 'ab' }),
    TypeError,
  );
});

test('ApprovalError serialises code, operator and numbers', () => {
  const alice = makeOperator('alice', 1);
  try {
    verifyApproval(approve(alice, { userVerified: false }), alice.operator, expected);
    assert.fail('expected a refusal');
  } catch (e) {
    assert.ok(e instanceof ApprovalError);
    assert.deepEqual(e.toJSON(), {
      code: 'WEBAUTHN_NO_USER_VERIFICATION',
      operatorId: 'alice',
      expected: 'flags UP and UV',
      found: 'flags 0x01',
      message: e.message,
    });
    assert.match(e.message, /^operator alice: /);
  }
});
