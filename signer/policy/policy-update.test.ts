/**
 * Rollback protection and the policy digest: versions only go up (an older or replayed document is
 * refused as POLICY_ROLLBACK), and the digest is SHA-256 of the RFC 8785 bytes of the document, so it
 * ignores member order and whitespace and sees every value.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { canonicalJson } from '../format/canonical.js';
import { policyDigest, policyDigestHex } from './digest.js';
import { expectViolation, samplePolicy, samplePolicyWire } from './fixtures.js';
import { parsePolicy, readPolicy } from './parse.js';
import { acceptPolicyUpdate } from './update.js';

const v7 = samplePolicy();

test('the first policy is accepted whatever its version', () => {
  assert.equal(acceptPolicyUpdate(null, v7), v7);
  const v1 = samplePolicy([['version'], 1]);
  assert.equal(acceptPolicyUpdate(null, v1), v1);
});

test('a higher version is accepted, even by more than one', () => {
  const v8 = samplePolicy([['version'], 8]);
  const v20 = samplePolicy([['version'], 20]);
  assert.equal(acceptPolicyUpdate(v7, v8), v8);
  assert.equal(acceptPolicyUpdate(v8, v20), v20);
});

test('an older version is refused as a rollback, naming both versions', () => {
  const v6 = samplePolicy([['version'], 6], [['approvals', 'default'], 1]);
  const v = expectViolation(() => acceptPolicyUpdate(v7, v6), 'POLICY_ROLLBACK');
  assert.deepEqual([v.rule, v.limit, v.found, v.withdrawalId], ['version', 'above 7', '6', undefined]);
  assert.equal(
    v.message,
    'policy version 6 is older than the installed version 7; versions only go up (rule version: limit above 7, found 6)',
  );
});

test('the same version again is refused as a replay, even with other content', () => {
  expectViolation(() => acceptPolicyUpdate(v7, samplePolicy()), 'POLICY_ROLLBACK');
  const changed = samplePolicy([['maxBatchAgeMinutes'], 30]);
  const v = expectViolation(() => acceptPolicyUpdate(v7, changed), 'POLICY_ROLLBACK');
  assert.match(v.message, /^policy version 7 is already installed/);
});

test('property: an update is accepted exactly when its version is higher', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 40 }), fc.integer({ min: 1, max: 2 ** 40 }), (a, b) => {
      const current = samplePolicy([['version'], a]);
      const proposed = samplePolicy([['version'], b]);
      let accepted = true;
      try {
        acceptPolicyUpdate(current, proposed);
      } catch {
        accepted = false;
      }
      assert.equal(accepted, b > a);
    }),
    { numRuns: 100 },
  );
});

test('the digest is SHA-256 of the RFC 8785 bytes of the document', () => {
  const expected = bytesToHex(sha256(new TextEncoder().encode(canonicalJson(samplePolicyWire()))));
  assert.equal(bytesToHex(policyDigest(v7)), expected);
  assert.equal(policyDigestHex(v7), expected);
  // RFC 8785 sorts member names: the canonical text starts with "approvals", not "format".
  assert.ok(canonicalJson(v7.wire).startsWith('{"approvals":{"default":2,"operators":4},"chains":'));
});

test('the digest ignores member order and whitespace', () => {
  const wire = samplePolicyWire();
  const reversed = Object.fromEntries(Object.entries(wire).reverse());
  assert.equal(policyDigestHex(parsePolicy(reversed)), policyDigestHex(v7));
  assert.equal(policyDigestHex(readPolicy(JSON.stringify(wire, null, 4))), policyDigestHex(v7));
});

test('the digest changes with any value: a price, a limit, the version', () => {
  const digests = new Set([
    policyDigestHex(v7),
    policyDigestHex(samplePolicy([['priceTable', 'prices', 'bitcoin/native'], '50001'])),
    policyDigestHex(samplePolicy([['priceTable', 'prices', 'bitcoin/native'], '50000.0'])),
    policyDigestHex(samplePolicy([['limits', 'bitcoin/native', 'perWithdrawal'], '2500000001'])),
    policyDigestHex(samplePolicy([['version'], 8])),
  ]);
  assert.equal(digests.size, 5);
});
