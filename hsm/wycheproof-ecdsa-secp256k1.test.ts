/**
 * The signature checks of hsm/ecdsa.ts against Wycheproof (C2SP/wycheproof testvectors_v1):
 *  - ecdsa_secp256k1_sha256_bitcoin_test.json through the strict DER + low-S verifier (high-S is invalid);
 *  - ecdsa_secp256k1_sha256_p1363_test.json (raw r||s, what CKM_ECDSA returns) through the
 *    normaliser that every token signature passes: valid ones normalise to a low-S signature that
 *    verifies, invalid ones are refused;
 *  - noble-curves' RFC 6979 secp256k1 vectors: the derived recovery id matches the signer's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { readVector } from '../test-support/paths.js';
import { normalizeSecp256k1, verifySecp256k1DerLowS, verifySecp256k1LowS } from './ecdsa.js';
import { RecoveryIdOverflowError, SignatureCheckError } from './errors.js';

interface WycheproofEcdsa {
  testGroups: {
    publicKey: { uncompressed: string };
    tests: {
      tcId: number;
      comment: string;
      msg: string;
      sig: string;
      result: 'valid' | 'invalid' | 'acceptable';
    }[];
  }[];
}

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const HALF_N = secp256k1.Point.Fn.ORDER >> 1n;

test('Wycheproof secp256k1 bitcoin variant: strict DER low-S verification agrees on all 463 cases', () => {
  const file = readVector<WycheproofEcdsa>('wycheproof/ecdsa_secp256k1_sha256_bitcoin_test.json');
  let count = 0;
  for (const group of file.testGroups) {
    const pub = hex(group.publicKey.uncompressed);
    for (const t of group.tests) {
      const got = verifySecp256k1DerLowS(hex(t.sig), sha256(hex(t.msg)), pub);
      assert.equal(got, t.result === 'valid', `tcId ${t.tcId} (${t.comment}): expected ${t.result}`);
      count++;
    }
  }
  assert.equal(count, 463);
});

/** Decided with noble alone: neither recovery id 0 nor 1 gives back the key (x(R) >= n). */
function needsRecoveryIdAboveOne(raw: Uint8Array, digest: Uint8Array, pub: Uint8Array): boolean {
  const sig = secp256k1.Signature.fromBytes(raw, 'compact');
  const s = sig.s > HALF_N ? secp256k1.Point.Fn.ORDER - sig.s : sig.s;
  return [0, 1].every((rec) => {
    try {
      const q = new secp256k1.Signature(sig.r, s, rec).recoverPublicKey(digest).toBytes(false);
      return Buffer.compare(Buffer.from(q), Buffer.from(pub)) !== 0;
    } catch {
      return true;
    }
  });
}

test('Wycheproof secp256k1 P1363 (raw r||s as CKM_ECDSA returns it): normalise valid, refuse invalid', () => {
  const file = readVector<WycheproofEcdsa>('wycheproof/ecdsa_secp256k1_sha256_p1363_test.json');
  let valid = 0;
  let invalid = 0;
  let overflow = 0;

  for (const group of file.testGroups) {
    const pub = hex(group.publicKey.uncompressed);
    for (const t of group.tests) {
      const digest = sha256(hex(t.msg));
      if (t.result === 'valid' && needsRecoveryIdAboveOne(hex(t.sig), digest, pub)) {
        // Valid ECDSA with x(R) >= n: verifiable, but no yParity exists; the signer asks the token again.
        assert.equal(secp256k1.verify(hex(t.sig), digest, pub, { prehash: false, lowS: false }), true);
        assert.throws(() => normalizeSecp256k1(hex(t.sig), digest, pub), RecoveryIdOverflowError);
        valid++;
        overflow++;
      } else if (t.result === 'valid') {
        const sig = normalizeSecp256k1(hex(t.sig), digest, pub);
        assert.ok(sig.s <= HALF_N, `tcId ${t.tcId}: not low-S`);
        assert.equal(
          secp256k1.verify(sig.compact, digest, pub, { prehash: false, lowS: true }),
          true,
          `tcId ${t.tcId} (${t.comment}): normalised signature does not verify`,
        );
        const recovered = new secp256k1.Signature(sig.r, sig.s, sig.recovery).recoverPublicKey(digest);
        assert.deepEqual(recovered.toBytes(false), pub, `tcId ${t.tcId}: recovery id wrong`);
        valid++;
      } else {
        assert.throws(
          () => normalizeSecp256k1(hex(t.sig), digest, pub),
          SignatureCheckError,
          `tcId ${t.tcId} (${t.comment}) must be refused`,
        );
        invalid++;
      }
    }
  }
  assert.deepEqual({ valid, invalid }, { valid: 167, invalid: 85 });
  assert.equal(
    overflow,
    2,
    'two Wycheproof cases (k*G has a large x-coordinate; r,s are large) need recovery id 2/3',
  );
});

test('RFC 6979 vectors (noble-curves ecdsa.json): normalised r, s and recovery id equal the signer’s', () => {
  const file = readVector<{ valid: { d: string; m: string; signature: string }[] }>('secp256k1/ecdsa.json');
  assert.ok(file.valid.length > 2000);
  // Every 4th vector keeps the run short; each uses its own key (no precomputation helps).
  for (const v of file.valid.filter((_, i) => i % 4 === 0)) {
    const d = hex(v.d.padStart(64, '0'));
    const m = hex(v.m);
    if (m.length !== 32) continue;
    const pub = secp256k1.getPublicKey(d, true);
    const expected = secp256k1.Signature.fromBytes(
      secp256k1.sign(m, d, { prehash: false, format: 'recovered' }),
      'recovered',
    );
    assert.equal(Buffer.from(expected.toBytes('compact')).toString('hex'), v.signature);
    const got = normalizeSecp256k1(hex(v.signature), m, pub);
    assert.equal(got.r, expected.r);
    assert.equal(got.s, expected.s);
    assert.equal(got.recovery, expected.recovery);
  }
});

test('property: a high-S token signature normalises to the low-S twin; any flipped bit is refused', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 1n, max: secp256k1.Point.Fn.ORDER - 1n }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.nat({ max: 511 }),
      (scalar, digest, bit) => {
        const secret = Uint8Array.from(Buffer.from(scalar.toString(16).padStart(64, '0'), 'hex'));
        const pub = secp256k1.getPublicKey(secret, true);
        const low = secp256k1.Signature.fromBytes(
          secp256k1.sign(digest, secret, { prehash: false, format: 'recovered' }),
          'recovered',
        );
        const high = new secp256k1.Signature(low.r, secp256k1.Point.Fn.ORDER - low.s).toBytes('compact');
        const got = normalizeSecp256k1(high, digest, pub);
        assert.equal(got.s, low.s);
        assert.equal(got.recovery, low.recovery);
        const flipped = Uint8Array.from(high);
        flipped[bit >> 3]! ^= 1 << (bit & 7);
        assert.throws(() => normalizeSecp256k1(flipped, digest, pub), SignatureCheckError);
      },
    ),
    { numRuns: 60 },
  );
});

test('Wycheproof P1363 through verifySecp256k1LowS (what assembly re-checks): low-S twins of valid ones verify, invalid and high-S refused', () => {
  const file = readVector<WycheproofEcdsa>('wycheproof/ecdsa_secp256k1_sha256_p1363_test.json');
  let checked = 0;
  for (const group of file.testGroups) {
    const pub = hex(group.publicKey.uncompressed);
    for (const t of group.tests) {
      const digest = sha256(hex(t.msg));
      const raw = hex(t.sig);
      if (t.result !== 'valid' || needsRecoveryIdAboveOne(raw, digest, pub)) {
        assert.equal(verifySecp256k1LowS(raw, digest, pub), undefined, `tcId ${t.tcId} must not verify`);
      } else {
        const sig = secp256k1.Signature.fromBytes(raw, 'compact');
        const lowS = sig.s > HALF_N ? secp256k1.Point.Fn.ORDER - sig.s : sig.s;
        const twin = new secp256k1.Signature(sig.r, lowS).toBytes('compact');
        assert.notEqual(
          verifySecp256k1LowS(twin, digest, pub),
          undefined,
          `tcId ${t.tcId} low-S twin must verify`,
        );
        if (sig.s > HALF_N)
          assert.equal(verifySecp256k1LowS(raw, digest, pub), undefined, `tcId ${t.tcId}: high-S refused`);
      }
      checked++;
    }
  }
  assert.equal(checked, 252);
});
