/**
 * Signed result wire format v1 (docs/formats.md): strict parsing, the digest rule, the appliance
 * signature, and refusals; plus the mutation property shared with the batch format.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import {
  applyMutation,
  assertRefusal,
  keyMap,
  type Mutable,
  mutated,
  mutationArbitrary,
  SAMPLE_PSBT,
  sampleResultFields,
  sampleSignedBatch,
  sampleSignedResult,
  signResult,
  TEST_APPLIANCE,
  TEST_COORDINATOR,
} from '../../test-support/sample-batch.js';
import { type RefusalCode, RefusalError } from '../errors.js';
import type { JsonObject } from './canonical.js';
import { LIMITS } from './limits.js';
import { buildResultBody, parseResult, resultDigest, serializeResult, verifyResult } from './result.js';
import { attachSignature } from './signature.js';

const sample = sampleSignedResult();
const appliances = keyMap(TEST_APPLIANCE);
const batch = sampleSignedBatch();

test('the sample result parses to typed values and verifies', () => {
  const r = parseResult(sample.text);
  assert.equal(r.format, 'airlock.result/v1');
  assert.equal(r.batchId, batch.body.batchId);
  assert.deepEqual(r.batchDigest, batch.digest);
  assert.deepEqual(r.signedAt, new Date('2025-01-31T12:20:00Z'));
  assert.equal(r.applianceKeyId, TEST_APPLIANCE.keyId);
  assert.deepEqual(r.withdrawals[0], {
    id: 'w-btc-1',
    chain: 'bitcoin',
    signedTx: { format: 'psbt', psbtBase64: SAMPLE_PSBT, txid: `${'a'.repeat(63)}0` },
  });
  assert.deepEqual(r.withdrawals[1]!.signedTx, {
    format: 'raw',
    hex: '02f8000001',
    txid: `${'b'.repeat(63)}1`,
  });
  assert.deepEqual(r.approvals, []);
  const v = verifyResult(r, appliances);
  assert.deepEqual(v.digest, sample.digest);
});

test('the result digest is SHA-256 of the JCS bytes without signature (independent computation)', () => {
  const { signature: _s, ...body } = JSON.parse(sample.text) as Record<string, unknown>;
  const expected = createHash('sha256')
    .update(canonicalize(body) as string, 'utf8')
    .digest('hex');
  assert.equal(bytesToHex(resultDigest(parseResult(sample.text))), expected);
  assert.equal(bytesToHex(resultDigest(sample.body)), expected);
});

test('approvals are kept as opaque JSON objects and are covered by the signature', () => {
  const approvals: JsonObject[] = [
    { approver: 'alice', sig: 'ab'.repeat(32), nested: { level: [1, 2, { deep: true }] } },
    {},
  ];
  const r = sampleSignedResult({ approvals });
  const parsed = verifyResult(parseResult(r.text), appliances);
  assert.deepEqual(parsed.approvals, approvals);
  assert.ok(Object.isFrozen(parsed.approvals[0]));
  const tampered = mutated(r.wire, (b) => {
    (b.approvals[0] as Record<string, unknown>).approver = 'mallory';
  });
  assertRefusal(
    () => verifyResult(parseResult(tampered), appliances),
    'RESULT_SIGNATURE_INVALID',
    'signature.value',
  );
});

test('a result signed by a key that is not enrolled is RESULT_SIGNATURE_INVALID on applianceKeyId', () => {
  const e = assertRefusal(
    () => verifyResult(parseResult(sample.text), keyMap(TEST_COORDINATOR)),
    'RESULT_SIGNATURE_INVALID',
    'applianceKeyId',
  );
  assert.equal(e.found, TEST_APPLIANCE.keyId);
});

test('a changed result, or one signed with another key, is RESULT_SIGNATURE_INVALID', () => {
  const changed = mutated(sample.wire, (b) => {
    (b.withdrawals[1]!.signedTx as Record<string, unknown>).hex = '02f8000002';
  });
  assertRefusal(
    () => verifyResult(parseResult(changed), appliances),
    'RESULT_SIGNATURE_INVALID',
    'signature.value',
  );
  const forged = signResult(sample.body, { ...TEST_COORDINATOR, keyId: TEST_APPLIANCE.keyId });
  assertRefusal(
    () => verifyResult(parseResult(JSON.stringify(forged)), appliances),
    'RESULT_SIGNATURE_INVALID',
  );
});

test('domain separation: a batch signature never verifies as a result signature', () => {
  // the same key enrolled for both roles, the batch signature moved onto a result
  const both = new Map([[TEST_APPLIANCE.keyId, TEST_COORDINATOR.publicKey]]);
  const moved = attachSignature(sample.body, ed25519.sign(batch.digest, TEST_COORDINATOR.secretKey));
  assertRefusal(() => verifyResult(parseResult(JSON.stringify(moved)), both), 'RESULT_SIGNATURE_INVALID');
});

test('buildResultBody writes hex without 0x and in lower case, whatever the adapter handed over', () => {
  const fields = sampleResultFields(batch);
  const body = buildResultBody({
    ...fields,
    withdrawals: [
      fields.withdrawals[0]!,
      {
        id: 'w-eth-1',
        chain: 'ethereum',
        signedTx: { format: 'raw', hex: '0x02F8AB', txid: `0x${'C'.repeat(64)}` },
      },
      fields.withdrawals[2]!,
    ],
  });
  assert.deepEqual(body.withdrawals[1]!.signedTx, { format: 'raw', hex: '02f8ab', txid: 'c'.repeat(64) });
});

test('buildResultBody and serializeResult refuse what the online node would refuse', () => {
  const fields = sampleResultFields(batch);
  assertRefusal(
    () =>
      buildResultBody({
        ...fields,
        withdrawals: [
          {
            id: 'w-eth-1',
            chain: 'ethereum',
            signedTx: { format: 'psbt', psbtBase64: SAMPLE_PSBT, txid: 'b'.repeat(64) },
          },
        ],
      }),
    'SCHEMA_INVALID',
    'withdrawals[0].signedTx.format',
  );
  assertRefusal(
    () => buildResultBody({ ...fields, approvals: [[] as never] }),
    'SCHEMA_INVALID',
    'approvals[0]',
  );
  assert.throws(() => buildResultBody({ ...fields, batchDigest: new Uint8Array(31) }), RangeError);
  assert.throws(
    () => buildResultBody({ ...fields, approvals: [{ when: new Date() as never }] }),
    /plain object, got Date/,
  );
  assertRefusal(() => serializeResult(sample.body as never), 'SCHEMA_INVALID', 'signature');
  assert.equal(parseResult(serializeResult(sample.wire)).batchId, sample.body.batchId);
});

interface Case {
  readonly name: string;
  readonly change: (r: Mutable) => void;
  readonly code: RefusalCode;
  readonly field?: string | null;
}

const tx = (i: number) => (r: Mutable) => r.withdrawals[i]!.signedTx as Record<string, unknown>;

const CASES: readonly Case[] = [
  {
    name: 'a batch fed as a result',
    change: (r) => (r.format = 'airlock.batch/v1'),
    code: 'UNSUPPORTED_VERSION',
    field: 'format',
  },
  {
    name: 'format v2',
    change: (r) => (r.format = 'airlock.result/v2'),
    code: 'UNSUPPORTED_VERSION',
    field: 'format',
  },
  { name: 'unknown member', change: (r) => (r.broadcast = true), code: 'SCHEMA_INVALID', field: 'broadcast' },
  {
    name: 'batchDigest upper case',
    change: (r) => (r.batchDigest = String(r.batchDigest).toUpperCase()),
    code: 'SCHEMA_INVALID',
    field: 'batchDigest',
  },
  {
    name: 'batchDigest 31 bytes',
    change: (r) => (r.batchDigest = String(r.batchDigest).slice(2)),
    code: 'SCHEMA_INVALID',
    field: 'batchDigest',
  },
  {
    name: 'signedAt local time',
    change: (r) => (r.signedAt = '2025-01-31 12:20:00'),
    code: 'SCHEMA_INVALID',
    field: 'signedAt',
  },
  {
    name: 'applianceKeyId empty',
    change: (r) => (r.applianceKeyId = ''),
    code: 'SCHEMA_INVALID',
    field: 'applianceKeyId',
  },
  {
    name: 'withdrawals empty',
    change: (r) => (r.withdrawals = []),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals',
  },
  {
    name: 'duplicate withdrawal id',
    change: (r) => (r.withdrawals[2]!.id = r.withdrawals[0]!.id),
    code: 'DUPLICATE_WITHDRAWAL_ID',
    field: 'withdrawals[2].id',
  },
  {
    name: 'unknown withdrawal member',
    change: (r) => (r.withdrawals[0]!.fee = '1'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].fee',
  },
  {
    name: 'signedTx missing',
    change: (r) => delete r.withdrawals[0]!.signedTx,
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].signedTx',
  },
  {
    name: 'signedTx format missing',
    change: (r) => delete tx(0)(r).format,
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].signedTx.format',
  },
  {
    name: 'signedTx format hex',
    change: (r) => (tx(0)(r).format = 'hex'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].signedTx.format',
  },
  {
    name: 'psbt on ethereum',
    change: (r) => Object.assign(tx(1)(r), { format: 'psbt', psbtBase64: SAMPLE_PSBT, hex: undefined }),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[1].signedTx.format',
  },
  {
    name: 'raw tx with a psbt member',
    change: (r) => (tx(1)(r).psbtBase64 = SAMPLE_PSBT),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[1].signedTx.psbtBase64',
  },
  {
    name: 'raw hex with 0x',
    change: (r) => (tx(1)(r).hex = '0x02f8'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[1].signedTx.hex',
  },
  {
    name: 'raw hex odd length',
    change: (r) => (tx(1)(r).hex = '02f'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[1].signedTx.hex',
  },
  {
    name: 'txid 0x-prefixed',
    change: (r) => (tx(1)(r).txid = `0x${'b'.repeat(64)}`),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[1].signedTx.txid',
  },
  {
    name: 'txid missing',
    change: (r) => delete tx(0)(r).txid,
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].signedTx.txid',
  },
  {
    name: 'psbt not base64',
    change: (r) => (tx(0)(r).psbtBase64 = 'not base64!'),
    code: 'SCHEMA_INVALID',
    field: 'withdrawals[0].signedTx.psbtBase64',
  },
  {
    name: 'signed tx above the limit',
    change: (r) => (tx(1)(r).hex = 'ab'.repeat(LIMITS.maxSignedTxChars / 2 + 1)),
    code: 'LIMIT_EXCEEDED',
    field: 'withdrawals[1].signedTx.hex',
  },
  {
    name: 'approvals missing',
    change: (r) => delete (r as Record<string, unknown>).approvals,
    code: 'SCHEMA_INVALID',
    field: 'approvals',
  },
  {
    name: 'approvals an object',
    change: (r) => (r.approvals = {} as never),
    code: 'SCHEMA_INVALID',
    field: 'approvals',
  },
  {
    name: 'an approval that is a string',
    change: (r) => (r.approvals = ['ok']),
    code: 'SCHEMA_INVALID',
    field: 'approvals[0]',
  },
  {
    name: 'too many approvals',
    change: (r) => (r.approvals = Array.from({ length: LIMITS.maxApprovals + 1 }, () => ({}))),
    code: 'LIMIT_EXCEEDED',
    field: 'approvals',
  },
  {
    name: 'signature missing',
    change: (r) => delete (r as Record<string, unknown>).signature,
    code: 'SCHEMA_INVALID',
    field: 'signature',
  },
];

for (const c of CASES) {
  test(`refused: ${c.name} -> ${c.code}`, () => {
    const e = assertRefusal(() => parseResult(mutated(sample.wire, c.change)), c.code, c.field);
    assert.ok(e.expected !== undefined && e.found !== undefined, e.message);
  });
}

test(`a result of up to ${LIMITS.maxJsonDepth} nesting levels reads; deeper is LIMIT_EXCEEDED`, () => {
  const nested = (levels: number): unknown => {
    let v: unknown = {};
    for (let i = 1; i < levels; i++) v = { v };
    return v;
  };
  // the result object and the approvals array take 2 levels
  const fits = sampleSignedResult({ approvals: [nested(LIMITS.maxJsonDepth - 2) as never] });
  assert.doesNotThrow(() => verifyResult(parseResult(fits.text), appliances));
  assert.throws(
    () => sampleSignedResult({ approvals: [nested(LIMITS.maxJsonDepth - 1) as never] }),
    RefusalError,
  );
});

test('property: mutations of a valid result are parsed or refused with a RefusalError, and never verify if changed', () => {
  const original = bytesToHex(sample.digest);
  fc.assert(
    fc.property(mutationArbitrary(sample.wire), (m) => {
      let parsed: ReturnType<typeof parseResult>;
      try {
        parsed = parseResult(JSON.stringify(applyMutation(sample.wire, m)));
      } catch (e) {
        assert.ok(e instanceof RefusalError, `threw ${String(e)}`);
        return;
      }
      const changed = bytesToHex(resultDigest(parsed)) !== original;
      try {
        verifyResult(parsed, appliances);
        assert.ok(!changed, `a changed result verified: ${JSON.stringify(m).slice(0, 300)}`);
      } catch (e) {
        assert.ok(e instanceof RefusalError && e.code === 'RESULT_SIGNATURE_INVALID', String(e));
      }
    }),
    { numRuns: 1500 },
  );
});
