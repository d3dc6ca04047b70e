/**
 * Batch digest and coordinator signature (docs/formats.md "Digest and signature"): the digest is
 * SHA-256 of the JCS bytes of the batch without `signature`, independent of formatting; verifyBatch
 * accepts only an Ed25519 signature by the enrolled key the batch names, then checks freshness.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import canonicalize from 'canonicalize';
import {
  assertRefusal,
  keyMap,
  mutated,
  SAMPLE_CREATED_AT,
  SAMPLE_EXPIRES_AT,
  SAMPLE_NOW,
  sampleSignedBatch,
  signBatch,
  TEST_APPLIANCE,
  TEST_COORDINATOR,
} from '../../test-support/sample-batch.js';
import { batchDigest, parseBatch, verifyBatch } from './batch.js';
import { fingerprint } from './fingerprint.js';
import { LIMITS } from './limits.js';

const sample = sampleSignedBatch();
const coordinators = keyMap(TEST_COORDINATOR);

test('the batch digest is SHA-256 of the JCS bytes of the batch without signature (independent computation)', () => {
  const { signature: _s, ...body } = JSON.parse(sample.text) as Record<string, unknown>;
  const expected = createHash('sha256')
    .update(canonicalize(body) as string, 'utf8')
    .digest('hex');
  assert.equal(bytesToHex(batchDigest(parseBatch(sample.text))), expected);
  assert.equal(bytesToHex(batchDigest(sample.body)), expected);
  assert.equal(bytesToHex(batchDigest(sample.wire)), expected);
  assert.equal(bytesToHex(sample.digest), expected);
});

test('the digest does not depend on formatting, member order or the signature', () => {
  const compact = JSON.stringify(sample.wire);
  const reordered = JSON.stringify(
    Object.fromEntries(Object.entries(JSON.parse(compact) as Record<string, unknown>).reverse()),
    null,
    '\t',
  );
  const escaped = compact.replace('"batchId"', '"batch\\u0049d"');
  const resigned = mutated(sample.wire, (b) => {
    b.signature.value = '00'.repeat(64);
  });
  for (const text of [compact, reordered, escaped, resigned]) {
    assert.deepEqual(batchDigest(parseBatch(text)), sample.digest);
  }
  for (const text of [compact, reordered, escaped]) {
    assert.deepEqual(verifyBatch(parseBatch(text), coordinators, SAMPLE_NOW).digest, sample.digest);
  }
});

test('verifyBatch accepts the coordinator signature and returns the digest', () => {
  const verified = verifyBatch(parseBatch(sample.text), coordinators, SAMPLE_NOW);
  assert.deepEqual(verified.digest, sample.digest);
  assert.equal(verified.batchId, 'batch-2025-01-31.001');
  assert.ok(Object.isFrozen(verified));
  assert.match(fingerprint(verified.digest).hex, /^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$/);
});

test('a batch naming a key that is not enrolled is UNKNOWN_COORDINATOR', () => {
  const e = assertRefusal(
    () => verifyBatch(parseBatch(sample.text), keyMap(TEST_APPLIANCE), SAMPLE_NOW),
    'UNKNOWN_COORDINATOR',
    'coordinatorKeyId',
  );
  assert.equal(e.found, 'coordinator-test-1');
  assert.equal(e.expected, 'one of appliance-test-1');
  assertRefusal(() => verifyBatch(parseBatch(sample.text), new Map(), SAMPLE_NOW), 'UNKNOWN_COORDINATOR');
});

test('a signature by another key under the enrolled key id is BATCH_SIGNATURE_INVALID', () => {
  const forged = signBatch(sample.body, { ...TEST_APPLIANCE, keyId: TEST_COORDINATOR.keyId });
  const e = assertRefusal(
    () => verifyBatch(parseBatch(JSON.stringify(forged)), coordinators, SAMPLE_NOW),
    'BATCH_SIGNATURE_INVALID',
    'signature.value',
  );
  assert.match(e.message, /changed after signing, or signed with another key/);
  assert.ok(
    e.expected?.includes(bytesToHex(sample.digest)),
    'names the digest that was expected to be signed',
  );
});

test('changing any withdrawal after signing breaks the signature, even with a consistent manifest', () => {
  const text = mutated(sample.wire, (b) => {
    b.withdrawals[1]!.destination = '0x000000000000000000000000000000000000dead';
  });
  assertRefusal(() => verifyBatch(parseBatch(text), coordinators, SAMPLE_NOW), 'BATCH_SIGNATURE_INVALID');
  const moreMoney = mutated(sample.wire, (b) => {
    b.withdrawals[0]!.amount = '149990001';
    b.manifest.totals[0]!.amount = '149990001';
  });
  assertRefusal(
    () => verifyBatch(parseBatch(moreMoney), coordinators, SAMPLE_NOW),
    'BATCH_SIGNATURE_INVALID',
  );
});

test('every single-bit change of the signature is refused', () => {
  const sig = hexToBytes(sample.wire.signature.value);
  for (let bit = 0; bit < 512; bit += 7) {
    const flipped = sig.slice();
    flipped[bit >> 3]! ^= 1 << (bit & 7);
    const text = mutated(sample.wire, (b) => {
      b.signature.value = bytesToHex(flipped);
    });
    assertRefusal(() => verifyBatch(parseBatch(text), coordinators, SAMPLE_NOW), 'BATCH_SIGNATURE_INVALID');
  }
});

test('a malleated signature (S + L, the same signature for a lenient verifier) is refused', () => {
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const sig = hexToBytes(sample.wire.signature.value);
  let s = 0n;
  for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i]!);
  const sPlusL = s + L;
  assert.ok(sPlusL < 2n ** 256n);
  const malleated = sig.slice();
  for (let i = 0; i < 32; i++) malleated[32 + i] = Number((sPlusL >> BigInt(8 * i)) & 0xffn);
  const text = mutated(sample.wire, (b) => {
    b.signature.value = bytesToHex(malleated);
  });
  assertRefusal(() => verifyBatch(parseBatch(text), coordinators, SAMPLE_NOW), 'BATCH_SIGNATURE_INVALID');
});

test('a signature with a non-canonical R (valid under ZIP-215, not under RFC 8032) is refused: strict verification', () => {
  // R = the identity point encoded with y = 1 + p; then S = k * a satisfies the cofactored equation.
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const P = 2n ** 255n - 19n;
  const le = (n: bigint): Uint8Array =>
    Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
  const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(TEST_COORDINATOR.secretKey);
  const R = le(1n + P);
  const h = sha512(Uint8Array.from([...R, ...pointBytes, ...sample.digest]));
  let k = 0n;
  for (let i = 63; i >= 0; i--) k = (k << 8n) | BigInt(h[i]!);
  const sig = Uint8Array.from([...R, ...le(((k % L) * scalar) % L)]);
  assert.equal(
    ed25519.verify(sig, sample.digest, pointBytes, { zip215: true }),
    true,
    'a lenient verifier accepts it',
  );
  const text = mutated(sample.wire, (b) => {
    b.signature.value = bytesToHex(sig);
  });
  assertRefusal(() => verifyBatch(parseBatch(text), coordinators, SAMPLE_NOW), 'BATCH_SIGNATURE_INVALID');
});

test('freshness: valid until expiresAt inclusive, BATCH_EXPIRED one millisecond later', () => {
  const batch = parseBatch(sample.text);
  assert.doesNotThrow(() => verifyBatch(batch, coordinators, SAMPLE_EXPIRES_AT));
  const e = assertRefusal(
    () => verifyBatch(batch, coordinators, new Date(SAMPLE_EXPIRES_AT.getTime() + 1)),
    'BATCH_EXPIRED',
    'expiresAt',
  );
  assert.match(
    e.message,
    /expired at 2025-01-31T13:00:00.000Z \(expiresAt\); the appliance clock reads 2025-01-31T13:00:00.001Z/,
  );
});

test('freshness: createdAt may be up to 5 minutes ahead of the appliance clock, not more', () => {
  const batch = parseBatch(sample.text);
  const earliest = new Date(SAMPLE_CREATED_AT.getTime() - LIMITS.maxClockSkewMs);
  assert.doesNotThrow(() => verifyBatch(batch, coordinators, earliest));
  const e = assertRefusal(
    () => verifyBatch(batch, coordinators, new Date(earliest.getTime() - 1)),
    'BATCH_NOT_YET_VALID',
    'createdAt',
  );
  assert.match(e.message, /more than 5 minutes ahead of the appliance clock/);
});

test('the signature is checked before freshness: an expired forgery reports the forgery', () => {
  const text = mutated(sample.wire, (b) => {
    b.signature.value = '11'.repeat(64);
  });
  assertRefusal(
    () => verifyBatch(parseBatch(text), coordinators, new Date('2030-01-01T00:00:00Z')),
    'BATCH_SIGNATURE_INVALID',
  );
});

test('verifyBatch rejects a bad clock or key table as programming errors', () => {
  const batch = parseBatch(sample.text);
  assert.throws(() => verifyBatch(batch, coordinators, new Date(Number.NaN)), TypeError);
  assert.throws(
    () => verifyBatch(batch, new Map([[TEST_COORDINATOR.keyId, new Uint8Array(33)]]), SAMPLE_NOW),
    TypeError,
  );
});

test('batchDigest refuses to digest a document of another format', () => {
  assert.throws(() => batchDigest({ ...sample.body, format: 'airlock.result/v1' } as never), TypeError);
});

test('the digest the coordinator signs is exactly what verifyBatch checks (ed25519 over the 32 digest bytes)', () => {
  const sig = ed25519.sign(sample.digest, TEST_COORDINATOR.secretKey);
  assert.equal(bytesToHex(sig), sample.wire.signature.value);
});
