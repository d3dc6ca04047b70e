/**
 * fast-check properties of the batch format:
 * - build -> sign -> serialize -> parse -> verify is the identity on the typed values, and the digest
 *   survives the round trip;
 * - any structural or textual mutation of a valid batch is either refused with a RefusalError or
 *   parses; nothing else is ever thrown;
 * - a mutation that changes the signed content and still parses never verifies with the old signature;
 * - the digest changes when any signed value changes, and only then.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import {
  applyMutation,
  jsonPaths,
  keyMap,
  mutationArbitrary,
  sampleSignedBatch,
  TEST_COORDINATOR,
} from '../../test-support/sample-batch.js';
import { RefusalError } from '../errors.js';
import {
  attachSignature,
  type BatchFields,
  batchDigest,
  buildBatchBody,
  type DeclaredWithdrawal,
  parseBatch,
  serializeBatch,
  verifyBatch,
} from './index.js';
import { unsignedDigest } from './signature.js';

const MAX_SATOSHI = 2_100_000_000_000_000n;
const MAX_UINT256 = (1n << 256n) - 1n;

const idArb = fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/);
const hexArb = (min: number, max: number) =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((b) => Buffer.from(b).toString('hex'));

const bitcoinArb: fc.Arbitrary<DeclaredWithdrawal> = fc.record(
  {
    id: idArb,
    chain: fc.constant('bitcoin' as const),
    asset: fc.constant({ kind: 'native' as const }),
    destination: fc.stringMatching(/^[A-Za-z0-9]{1,128}$/),
    amount: fc.bigInt(1n, MAX_SATOSHI),
    feeCap: fc.bigInt(0n, MAX_SATOSHI),
    keyLabel: idArb,
    rawTx: fc.uint8Array({ minLength: 1, maxLength: 120 }).map((b) => Buffer.from(b).toString('base64')),
  },
  { noNullPrototype: true },
);

const ethereumArb: fc.Arbitrary<DeclaredWithdrawal> = fc.record(
  {
    id: idArb,
    chain: fc.constant('ethereum' as const),
    asset: fc.oneof(
      fc.constant({ kind: 'native' as const }),
      hexArb(20, 20).map((h) => ({ kind: 'token' as const, contract: `0x${h}` })),
      // a small set of contracts, so that several withdrawals share a manifest total
      fc.constantFrom('aa', 'bb').map((b) => ({ kind: 'token' as const, contract: `0x${b.repeat(20)}` })),
    ),
    destination: fc.stringMatching(/^[A-Za-z0-9]{1,128}$/),
    amount: fc.oneof(fc.bigInt(1n, 10n ** 30n), fc.bigInt(1n, MAX_UINT256)),
    feeCap: fc.bigInt(0n, MAX_UINT256),
    keyLabel: idArb,
    nonce: fc.bigInt(0n, (1n << 64n) - 2n),
    rawTx: fc.tuple(fc.boolean(), hexArb(1, 120)).map(([prefix, h]) => (prefix ? `0x${h}` : h)),
  },
  { noNullPrototype: true },
);

const fieldsArb: fc.Arbitrary<BatchFields> = fc
  .record({
    batchId: idArb,
    createdAt: fc.date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2099-12-31T00:00:00Z'),
      noInvalidDate: true,
    }),
    lifetimeMs: fc.integer({ min: 1, max: 30 * 24 * 3600 * 1000 }),
    network: fc.constantFrom('mainnet' as const, 'testnet' as const),
    coordinatorKeyId: fc.constant(TEST_COORDINATOR.keyId),
    withdrawals: fc.uniqueArray(fc.oneof(bitcoinArb, ethereumArb), {
      minLength: 1,
      maxLength: 8,
      selector: (w) => w.id,
    }),
  })
  .map(({ lifetimeMs, createdAt, ...rest }) => ({
    ...rest,
    createdAt,
    expiresAt: new Date(createdAt.getTime() + lifetimeMs),
  }));

const coordinators = keyMap(TEST_COORDINATOR);

test('property: build -> sign -> serialize -> parse -> verify round trip keeps every value and the digest', () => {
  fc.assert(
    fc.property(fieldsArb, (fields) => {
      const body = buildBatchBody(fields);
      const digest = batchDigest(body);
      const wire = attachSignature(body, ed25519.sign(digest, TEST_COORDINATOR.secretKey));
      const text = serializeBatch(wire);
      const parsed = parseBatch(text);
      const verified = verifyBatch(parsed, coordinators, fields.createdAt);
      assert.deepEqual(verified.digest, digest);
      assert.deepEqual(batchDigest(parseBatch(JSON.stringify(wire))), digest);
      assert.equal(parsed.batchId, fields.batchId);
      assert.equal(parsed.createdAt.getTime(), fields.createdAt.getTime());
      assert.equal(parsed.expiresAt.getTime(), fields.expiresAt.getTime());
      assert.equal(parsed.network, fields.network);
      assert.deepEqual(parsed.withdrawals, fields.withdrawals);
      const sum = fields.withdrawals.reduce((a, w) => a + w.amount, 0n);
      assert.equal(
        parsed.manifest.totals.reduce((a, t) => a + t.amount, 0n),
        sum,
      );
    }),
    { numRuns: 150 },
  );
});

const sample = sampleSignedBatch();
const originalBodyDigest = unsignedDigest(sample.wire);

test('property: structural mutations are parsed or refused with a RefusalError, and never verify if they change the signed content', () => {
  fc.assert(
    fc.property(mutationArbitrary(sample.wire), (m) => {
      const changed = applyMutation(sample.wire, m);
      let parsed: ReturnType<typeof parseBatch>;
      try {
        parsed = parseBatch(JSON.stringify(changed));
      } catch (e) {
        assert.ok(e instanceof RefusalError, `${JSON.stringify(m).slice(0, 200)} threw ${String(e)}`);
        return;
      }
      const bodyChanged = !Buffer.from(batchDigest(parsed)).equals(Buffer.from(originalBodyDigest));
      try {
        verifyBatch(parsed, coordinators, new Date('2025-01-31T12:10:00Z'));
        assert.ok(!bodyChanged, `a changed batch verified: ${JSON.stringify(m).slice(0, 300)}`);
      } catch (e) {
        assert.ok(e instanceof RefusalError, String(e));
        if (bodyChanged)
          assert.ok(['BATCH_SIGNATURE_INVALID', 'UNKNOWN_COORDINATOR'].includes(e.code), e.message);
      }
    }),
    { numRuns: 2000 },
  );
});

test('property: text mutations (insert, delete, replace characters) are parsed or refused with a RefusalError', () => {
  const text = JSON.stringify(sample.wire);
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          at: fc.nat({ max: text.length }),
          remove: fc.nat({ max: 3 }),
          insert: fc.oneof(
            fc.string({ maxLength: 3 }),
            fc.constantFrom('"', '{', '}', '[', ']', ',', ':', '\\', '\\u', '0', 'e9'),
          ),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      (edits) => {
        let t = text;
        for (const { at, remove, insert } of edits) t = t.slice(0, at) + insert + t.slice(at + remove);
        try {
          parseBatch(t);
        } catch (e) {
          assert.ok(e instanceof RefusalError, `threw ${String(e)}`);
        }
      },
    ),
    { numRuns: 2000 },
  );
});

test('property: the digest changes when any signed value changes, and not when only the signature does', () => {
  const leaves = jsonPaths(sample.wire).filter((p) => p.length > 0);
  fc.assert(
    fc.property(fc.constantFrom(...leaves), fc.jsonValue({ maxDepth: 1 }), (path, value) => {
      const changed = applyMutation(sample.wire, { path, op: 'replace', value, name: '' }) as object;
      let original: unknown = JSON.parse(JSON.stringify(sample.wire));
      for (const step of path) original = (original as Record<string | number, unknown>)[step];
      const sameValue = JSON.stringify(original) === JSON.stringify(JSON.parse(JSON.stringify(value)));
      const sameDigest = Buffer.from(unsignedDigest(changed)).equals(Buffer.from(originalBodyDigest));
      if (path[0] === 'signature') assert.ok(sameDigest, 'the signature is outside the digest');
      else assert.equal(sameDigest, sameValue, `path ${path.join('.')}`);
    }),
    { numRuns: 1000 },
  );
});
