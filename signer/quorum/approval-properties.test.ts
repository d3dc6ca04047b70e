/**
 * fast-check property: any single-byte change to any field of a valid approval (the card signature,
 * the credential id, the authenticator data, clientDataJSON, the ES256 signature, the operator id) is
 * refused with an ApprovalError, never accepted and never a crash of another kind.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { base64urlnopad } from '@scure/base';
import fc from 'fast-check';
import { ApprovalError } from './errors.js';
import { approve, BATCH, makeOperator, POLICY, RP } from './fixtures.js';
import { type Approval, verifyApproval } from './verify-approval.js';

const alice = makeOperator('alice', 1);
const valid = approve(alice);
const expected = { batchDigest: BATCH, policyDigest: POLICY, ...RP };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Field =
  | 'operatorId'
  | 'cardSignature'
  | 'credentialId'
  | 'authenticatorData'
  | 'clientDataJSON'
  | 'signature';
const FIELDS: readonly Field[] = [
  'operatorId',
  'cardSignature',
  'credentialId',
  'authenticatorData',
  'clientDataJSON',
  'signature',
];

const bytesOf = (a: Approval, field: Field): Uint8Array => {
  switch (field) {
    case 'operatorId':
      return encoder.encode(a.operatorId);
    case 'cardSignature':
      return hexToBytes(a.cardSignature);
    default:
      return base64urlnopad.decode(a.webauthn[field]);
  }
};

const withBytes = (a: Approval, field: Field, bytes: Uint8Array): Approval => {
  switch (field) {
    case 'operatorId':
      return { ...a, operatorId: decoder.decode(bytes) };
    case 'cardSignature':
      return { ...a, cardSignature: bytesToHex(bytes) };
    default:
      return { ...a, webauthn: { ...a.webauthn, [field]: base64urlnopad.encode(bytes) } };
  }
};

test('the unchanged approval verifies', () => {
  assert.equal(verifyApproval(valid, alice.operator, expected), 1);
});

test('any single-byte change of any field of a valid approval is refused', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...FIELDS),
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      (field, index, xor) => {
        const bytes = bytesOf(valid, field);
        const at = index % bytes.length;
        bytes[at] = (bytes[at] ?? 0) ^ xor;
        const tampered = withBytes(valid, field, bytes);
        assert.throws(() => verifyApproval(tampered, alice.operator, expected), ApprovalError);
      },
    ),
    { numRuns: 2000 },
  );
});
