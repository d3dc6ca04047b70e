/**
 * Property tests (fast-check) for the type-2 codec, the verifier, the builders and the adapter:
 * - any byte mutation of a valid payload is refused with RefusalError or decodes to exactly what
 *   re-encodes to the mutated bytes (one encoding per transaction), never another exception;
 * - random bytes and random text never crash a decoder;
 * - build → decode and sign → verify round-trip for random valid transactions.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import fc from 'fast-check';
import { addr } from 'micro-eth-signer';
import { RefusalError } from '../../errors.js';
import { ethereumAdapter } from './adapter.js';
import { toChecksumAddress } from './address.js';
import { buildUnsignedType2, erc20TransferData, type Type2Params } from './build.js';
import { decodeErc20Transfer } from './calldata.js';
import { RECIPIENT, signDigest, TEST_ADDRESS, TEST_KEY, testContext, USDC, unsignedHex } from './fixtures.js';
import { fromHex, toHex } from './hex.js';
import { decodeSignedType2, decodeUnsignedType2, encodeSignedType2, encodeUnsignedType2 } from './type2.js';
import { verifySignedType2 } from './verify.js';

type Mutation =
  | { readonly kind: 'set'; readonly at: number; readonly byte: number }
  | { readonly kind: 'insert'; readonly at: number; readonly byte: number }
  | { readonly kind: 'delete'; readonly at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
);

function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  const out = [...bytes];
  for (const m of mutations) {
    if (m.kind === 'set' && out.length > 0) out[m.at % out.length] = m.byte;
    if (m.kind === 'insert') out.splice(m.at % (out.length + 1), 0, m.byte);
    if (m.kind === 'delete' && out.length > 0) out.splice(m.at % out.length, 1);
  }
  return Uint8Array.from(out);
}

/** Run `fn`; a RefusalError is an allowed outcome, any other exception fails the property. */
function refusedOr<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RefusalError) return undefined;
    throw e;
  }
}

const seeds = [
  fromHex(unsignedHex()),
  fromHex(unsignedHex({ to: USDC.contract, value: 0n, data: erc20TransferData(RECIPIENT, 123_456n) })),
];

test('property: mutated unsigned payloads are refused or decode to exactly their re-encoding', () => {
  let decoded = 0;
  fc.assert(
    fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, ms) => {
      const raw = mutate(seed, ms);
      const tx = refusedOr(() => decodeUnsignedType2(raw));
      if (tx === undefined) return;
      decoded++;
      assert.equal(toHex(encodeUnsignedType2(tx)), toHex(raw));
    }),
    { numRuns: 3000 },
  );
  // Some mutations (a byte inside `to`, value or data) stay valid: the property must have met them.
  assert.ok(decoded > 0);
});

test('property: the adapter refuses mutated payloads with RefusalError or signs exactly the bytes it was given', () => {
  const ctx = testContext();
  fc.assert(
    fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 3 }), (seed, ms) => {
      const raw = mutate(seed, ms);
      const d = refusedOr(() =>
        ethereumAdapter.decode({ withdrawalId: 'p', rawTx: toHex(raw), keyLabel: TEST_KEY.label }, ctx),
      );
      if (d === undefined) return;
      assert.deepEqual(d.signing[0]!.digest, keccak_256(raw));
    }),
    { numRuns: 2000 },
  );
});

test('property: random bytes never crash the decoders (RefusalError or a result)', () => {
  const ctx = testContext();
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.uint8Array({ maxLength: 300 }).map((b) => Uint8Array.from([0x02, ...b])),
    fc.uint8Array({ maxLength: 300 }).map((b) => Uint8Array.from([0x02, 0xf8, b.length, ...b])),
  );
  fc.assert(
    fc.property(bytes, (raw) => {
      refusedOr(() => decodeUnsignedType2(raw));
      refusedOr(() => decodeSignedType2(raw));
      refusedOr(() => verifySignedType2(toHex(raw)));
      refusedOr(() =>
        ethereumAdapter.decode({ withdrawalId: 'p', rawTx: toHex(raw), keyLabel: TEST_KEY.label }, ctx),
      );
    }),
    { numRuns: 3000 },
  );
});

test('property: random text never crashes rawTx parsing or canonicalDestination', () => {
  const ctx = testContext();
  fc.assert(
    fc.property(fc.string({ maxLength: 120 }), (text) => {
      refusedOr(() =>
        ethereumAdapter.decode({ withdrawalId: 'p', rawTx: text, keyLabel: TEST_KEY.label }, ctx),
      );
      refusedOr(() => ethereumAdapter.canonicalDestination(text, ctx, 'p'));
      refusedOr(() => verifySignedType2(text));
    }),
    { numRuns: 2000 },
  );
});

const uint = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });
const address = fc
  .uint8Array({ minLength: 20, maxLength: 20 })
  .map((b) => toChecksumAddress(`0x${toHex(b)}`));

/** maxFeePerGas, and a maxPriorityFeePerGas not above it (EIP-1559). */
const fees = uint(128).chain((maxFeePerGas) =>
  fc
    .bigInt({ min: 0n, max: maxFeePerGas })
    .map((maxPriorityFeePerGas) => ({ maxFeePerGas, maxPriorityFeePerGas })),
);

const params: fc.Arbitrary<Type2Params> = fc
  .record({
    chainId: uint(64),
    nonce: uint(64),
    fees,
    gasLimit: uint(64),
    to: address,
    value: uint(256),
    data: fc.uint8Array({ maxLength: 100 }),
  })
  .map(({ fees, ...rest }) => ({ ...rest, ...fees }));

test('property: buildUnsignedType2 output decodes to the parameters it was built from', () => {
  fc.assert(
    fc.property(params, (p) => {
      const tx = decodeUnsignedType2(fromHex(buildUnsignedType2(p)));
      assert.equal(tx.chainId, p.chainId);
      assert.equal(tx.nonce, p.nonce);
      assert.equal(tx.maxPriorityFeePerGas, p.maxPriorityFeePerGas);
      assert.equal(tx.maxFeePerGas, p.maxFeePerGas);
      assert.equal(tx.gasLimit, p.gasLimit);
      assert.equal(tx.to, p.to.toLowerCase());
      assert.equal(tx.value, p.value);
      assert.deepEqual(tx.data, p.data);
    }),
  );
});

test('property: erc20TransferData decodes back to its recipient and amount', () => {
  fc.assert(
    fc.property(address, fc.bigInt({ min: 1n, max: (1n << 256n) - 1n }), (recipient, amount) => {
      const t = decodeErc20Transfer(erc20TransferData(recipient, amount), {});
      assert.equal(t.recipient, recipient.toLowerCase());
      assert.equal(t.amount, amount);
    }),
  );
});

test('property: a signed random transaction verifies with its signer, and its mutations never crash', () => {
  const secretKey = fc
    .uint8Array({ minLength: 32, maxLength: 32 })
    .filter((k) => secp256k1.utils.isValidSecretKey(k));
  fc.assert(
    fc.property(params, secretKey, fc.array(mutation, { maxLength: 2 }), (p, sk, ms) => {
      const tx = decodeUnsignedType2(fromHex(buildUnsignedType2(p)));
      const sig = signDigest(keccak_256(encodeUnsignedType2(tx)), sk);
      const signed = encodeSignedType2({ ...tx, yParity: sig.recovery, r: sig.r, s: sig.s });
      const v = verifySignedType2(toHex(signed));
      assert.equal(v.from, addr.fromPrivateKey(sk));
      assert.equal(v.hash, toHex(keccak_256(signed)));
      const mutated = mutate(signed, ms);
      const again = refusedOr(() => verifySignedType2(toHex(mutated)));
      if (again !== undefined) assert.equal(toHex(encodeSignedType2(again)), toHex(mutated));
    }),
    { numRuns: 200 },
  );
});

test('builder arguments are checked by name', () => {
  const base: Type2Params = {
    chainId: 1n,
    nonce: 0n,
    maxPriorityFeePerGas: 1n,
    maxFeePerGas: 2n,
    gasLimit: 21_000n,
    to: TEST_ADDRESS,
    value: 1n,
  };
  assert.match(buildUnsignedType2(base), /^02[0-9a-f]+$/);
  assert.throws(
    () => buildUnsignedType2({ ...base, nonce: 1 as unknown as bigint }),
    /TypeError: "nonce" expected bigint/,
  );
  assert.throws(() => buildUnsignedType2({ ...base, nonce: 1n << 64n }), /RangeError: "nonce"/);
  assert.throws(() => buildUnsignedType2({ ...base, gasLimit: -1n }), /RangeError: "gasLimit"/);
  assert.throws(
    () => buildUnsignedType2({ ...base, maxPriorityFeePerGas: 3n }),
    /RangeError: "maxPriorityFeePerGas"/,
  );
  assert.throws(
    () => buildUnsignedType2({ ...base, to: TEST_ADDRESS.replace('c75', 'C75') }),
    /TypeError: "to" .*checksum/,
  );
  assert.throws(() => buildUnsignedType2({ ...base, to: '0x' }), /TypeError: "to"/);
  assert.throws(
    () => buildUnsignedType2({ ...base, maxFeePerGas: 1n << 250n, gasLimit: 1n << 10n }),
    /RangeError: "gasLimit" \* "maxFeePerGas" overflows/,
  );
  assert.throws(() => erc20TransferData(RECIPIENT, 0n), /RangeError: "amount"/);
  assert.throws(() => erc20TransferData('0x1234', 1n), /TypeError: "recipient"/);
});
