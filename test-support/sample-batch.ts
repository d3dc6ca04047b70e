/**
 * Fixture builder for wire-format tests: fixed test keys, sample withdrawals, and helpers that build,
 * sign and serialize batches and results with the real builders.
 *
 * Test keys are the RFC 8032 §7.1 Ed25519 test secret keys (TEST 1 and TEST 2): public, for tests only.
 *
 * The rawTx values are well-formed but say nothing about the declared fields: the Ethereum one is a
 * real unsigned EIP-1559 transfer of 1 ETH at nonce 7 to the declared destination (chain id 1, gas
 * 21000, max fee 30 gwei), the Bitcoin one is the BIP-174 "creator" PSBT (no UTXO data). Adapter tests
 * that decode rawTx need their own fixtures.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { type RefusalCode, RefusalError } from '../signer/errors.js';
import {
  attachSignature,
  type BatchBody,
  type BatchFields,
  type BatchWire,
  batchDigest,
  buildBatchBody,
  buildResultBody,
  type DeclaredWithdrawal,
  type ResultBody,
  type ResultFields,
  type ResultWire,
  resultDigest,
  serializeBatch,
  serializeResult,
} from '../signer/format/index.js';

export interface TestKey {
  readonly keyId: string;
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

function testKey(keyId: string, secretHex: string): TestKey {
  const secretKey = hexToBytes(secretHex);
  return Object.freeze({ keyId, secretKey, publicKey: ed25519.getPublicKey(secretKey) });
}

/** RFC 8032 §7.1 TEST 1 secret key. */
export const TEST_COORDINATOR: TestKey = testKey(
  'coordinator-test-1',
  '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
);
/** RFC 8032 §7.1 TEST 2 secret key. */
export const TEST_APPLIANCE: TestKey = testKey(
  'appliance-test-1',
  '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
);

/** Key maps as verifyBatch / verifyResult take them. */
export function keyMap(...keys: readonly TestKey[]): ReadonlyMap<string, Uint8Array> {
  return new Map(keys.map((k) => [k.keyId, k.publicKey]));
}

/** BIP-174 test vectors, "creator" result (bitcoin/bips bip-0174.mediawiki). */
export const SAMPLE_PSBT =
  'cHNidP8BAJoCAAAAAljoeiG1ba8MI76OcHBFbDNvfLqlyHV5JPVFiHuyq911AAAAAAD/////g40EJ9DsZQpoqka7CwmK6kQiwHGyyng1Kgd5WdB86h0BAAAAAP////8CcKrwCAAAAAAWABTYXCtx0AYLCcmIauuBXlCZHdoSTQDh9QUAAAAAFgAUAK6pouXw+HaliN9VRuh0LR2HAI8AAAAAAAAAAAA=';
/** Unsigned EIP-1559 payload: 1 ETH, nonce 7, to 0xdf90...463e, chain id 1, gas 21000, max fee 30 gwei. */
export const SAMPLE_EIP1559_HEX =
  '0x02f00107843b9aca008506fc23ac0082520894df90dea0e0bf5ca6d2a7f0cb86874ba6714f463e880de0b6b3a764000080c0';
/** USDC on Ethereum mainnet (lower case). */
export const SAMPLE_TOKEN = '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48';

export const SAMPLE_CREATED_AT = new Date('2025-01-31T12:00:00Z');
export const SAMPLE_EXPIRES_AT = new Date('2025-01-31T13:00:00Z');
/** A clock reading at which the sample batch is fresh. */
export const SAMPLE_NOW = new Date('2025-01-31T12:10:00Z');

export function sampleWithdrawals(): DeclaredWithdrawal[] {
  return [
    {
      id: 'w-btc-1',
      chain: 'bitcoin',
      asset: { kind: 'native' },
      destination: 'bc1qmpwzkuwsqc9snjvgdt4czhjsnywa5yjdgwyw6k',
      amount: 149_990_000n,
      feeCap: 20_000n,
      keyLabel: 'btc-hot-1',
      rawTx: SAMPLE_PSBT,
    },
    {
      id: 'w-eth-1',
      chain: 'ethereum',
      asset: { kind: 'native' },
      destination: '0xdf90dea0e0bf5ca6d2a7f0cb86874ba6714f463e',
      amount: 1_000_000_000_000_000_000n,
      feeCap: 630_000_000_000_000n,
      keyLabel: 'eth-treasury-1',
      nonce: 7n,
      rawTx: SAMPLE_EIP1559_HEX,
    },
    {
      id: 'w-usdc-1',
      chain: 'ethereum',
      asset: { kind: 'token', contract: SAMPLE_TOKEN },
      destination: '0xdf90dea0e0bf5ca6d2a7f0cb86874ba6714f463e',
      amount: 2_500_000_000n,
      feeCap: 1_950_000_000_000_000n,
      keyLabel: 'eth-treasury-1',
      nonce: 8n,
      rawTx: SAMPLE_EIP1559_HEX.slice(2),
    },
  ];
}

export function sampleBatchFields(overrides: Partial<BatchFields> = {}): BatchFields {
  return {
    batchId: 'batch-2025-01-31.001',
    createdAt: SAMPLE_CREATED_AT,
    expiresAt: SAMPLE_EXPIRES_AT,
    network: 'mainnet',
    coordinatorKeyId: TEST_COORDINATOR.keyId,
    withdrawals: sampleWithdrawals(),
    ...overrides,
  };
}

/** Sign a batch body with `key` (the coordinator's job). */
export function signBatch(body: BatchBody, key: TestKey = TEST_COORDINATOR): BatchWire {
  return attachSignature(body, ed25519.sign(batchDigest(body), key.secretKey));
}

export interface SampleBatch {
  readonly body: BatchBody;
  readonly wire: BatchWire;
  readonly text: string;
  readonly digest: Uint8Array;
}

/** Build, sign and serialize a batch from `sampleBatchFields(overrides)`. */
export function sampleSignedBatch(
  overrides: Partial<BatchFields> = {},
  key: TestKey = TEST_COORDINATOR,
): SampleBatch {
  const body = buildBatchBody(sampleBatchFields(overrides));
  const wire = signBatch(body, key);
  return { body, wire, text: serializeBatch(wire), digest: batchDigest(body) };
}

/** Result fields answering the sample batch: one signed tx per withdrawal, no approvals. */
export function sampleResultFields(batch: SampleBatch, overrides: Partial<ResultFields> = {}): ResultFields {
  return {
    batchId: batch.body.batchId,
    batchDigest: batch.digest,
    signedAt: new Date('2025-01-31T12:20:00Z'),
    applianceKeyId: TEST_APPLIANCE.keyId,
    withdrawals: batch.body.withdrawals.map((w, i) => ({
      id: w.id,
      chain: w.chain,
      signedTx:
        w.chain === 'bitcoin'
          ? { format: 'psbt' as const, psbtBase64: SAMPLE_PSBT, txid: `${i}`.padStart(64, 'a') }
          : { format: 'raw' as const, hex: `02f8${`${i}`.padStart(6, '0')}`, txid: `${i}`.padStart(64, 'b') },
    })),
    approvals: [],
    ...overrides,
  };
}

export function signResult(body: ResultBody, key: TestKey = TEST_APPLIANCE): ResultWire {
  return attachSignature(body, ed25519.sign(resultDigest(body), key.secretKey));
}

export interface SampleResult {
  readonly body: ResultBody;
  readonly wire: ResultWire;
  readonly text: string;
  readonly digest: Uint8Array;
}

export function sampleSignedResult(
  overrides: Partial<ResultFields> = {},
  key: TestKey = TEST_APPLIANCE,
): SampleResult {
  const body = buildResultBody(sampleResultFields(sampleSignedBatch(), overrides));
  const wire = signResult(body, key);
  return { body, wire, text: serializeResult(wire), digest: resultDigest(body) };
}

/** A mutable deep copy of a signed document, to damage in a test. */
export type Mutable = Record<string, unknown> & {
  withdrawals: Record<string, unknown>[];
  manifest: { count: unknown; totals: Record<string, unknown>[] };
  signature: Record<string, unknown>;
  approvals: unknown[];
};

/** JSON text of `document` after `change` ran on a deep copy of it. */
export function mutated(document: object, change: (copy: Mutable) => void): string {
  const copy = JSON.parse(JSON.stringify(document)) as Mutable;
  change(copy);
  return JSON.stringify(copy);
}

/**
 * Assert that `run` throws a RefusalError with `code` (and `field` when given: `null` asserts no field),
 * whose message names the field and carries expected/found words. Returns the error for more checks.
 */
export function assertRefusal(run: () => unknown, code: RefusalCode, field?: string | null): RefusalError {
  let thrown: unknown;
  try {
    run();
  } catch (e) {
    thrown = e;
  }
  if (!(thrown instanceof RefusalError)) {
    throw new Error(
      `expected RefusalError ${code}, got ${thrown === undefined ? 'no error' : String(thrown)}`,
    );
  }
  if (thrown.code !== code)
    throw new Error(`expected refusal ${code}, got ${thrown.code}: ${thrown.message}`);
  if (field === null && thrown.field !== undefined) throw new Error(`expected no field, got ${thrown.field}`);
  if (typeof field === 'string') {
    if (thrown.field !== field)
      throw new Error(`expected field ${field}, got ${String(thrown.field)}: ${thrown.message}`);
    if (!thrown.message.includes(field.split('.')[0]!.split('[')[0]!)) {
      throw new Error(`message does not name ${field}: ${thrown.message}`);
    }
  }
  return thrown;
}

type JsonPathStep = string | number;

/** Every path into a JSON tree (the root is []). */
export function jsonPaths(value: unknown, prefix: JsonPathStep[] = []): JsonPathStep[][] {
  const paths: JsonPathStep[][] = [prefix];
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      paths.push(...jsonPaths(v, [...prefix, i]));
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) paths.push(...jsonPaths(v, [...prefix, k]));
  }
  return paths;
}

/** A description of one structural change to a JSON document, applied by `applyMutation`. */
export interface Mutation {
  readonly path: readonly JsonPathStep[];
  readonly op: 'replace' | 'delete' | 'insert' | 'duplicate';
  readonly value: unknown;
  readonly name: string;
}

/** Random structural mutations of `document`: replace any node, delete or add a member, duplicate an item. */
export function mutationArbitrary(document: object): fc.Arbitrary<Mutation> {
  const paths = jsonPaths(document);
  return fc.record({
    path: fc.constantFrom(...paths),
    op: fc.constantFrom('replace', 'replace', 'delete', 'insert', 'duplicate'),
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom(
        '',
        '0',
        '-1',
        '01',
        'native',
        'bitcoin',
        'ethereum',
        'raw',
        'psbt',
        '2025-01-31T12:00:00Z',
      ),
      fc.bigInt({ min: 0n, max: 1n << 260n }).map(String),
    ),
    name: fc.oneof(
      fc.constantFrom('id', 'amount', 'nonce', 'signature', 'format', '__proto__'),
      fc.string({ maxLength: 8 }),
    ),
  });
}

/** A deep copy of `document` with `m` applied. */
export function applyMutation(document: object, m: Mutation): unknown {
  const root = JSON.parse(JSON.stringify(document)) as unknown;
  if (m.path.length === 0) return m.op === 'replace' ? m.value : root;
  let parent = root as Record<string | number, unknown>;
  for (const step of m.path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = m.path[m.path.length - 1]!;
  const target = parent[last];
  switch (m.op) {
    case 'replace':
      parent[last] = m.value;
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
      break;
    case 'insert':
      if (Array.isArray(target)) target.push(m.value);
      else if (typeof target === 'object' && target !== null) {
        Object.defineProperty(target, m.name, {
          value: m.value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else parent[last] = m.value;
      break;
    case 'duplicate':
      if (Array.isArray(parent)) parent.splice(last as number, 0, JSON.parse(JSON.stringify(target ?? null)));
      else parent[last] = [target ?? null, target ?? null];
      break;
  }
  return root;
}
