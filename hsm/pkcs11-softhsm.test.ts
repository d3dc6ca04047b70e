/**
 * hsm/ against a real SoftHSM2 token (PKCS#11 v2.40 + v3.0 EdDSA): key ceremony attributes,
 * sign/verify on both curves, low-S, PIN errors, sessions. Nothing is mocked.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import pkcs11js from 'pkcs11js';
import { createTestHsm, type TestHsm } from '../test-support/softhsm.js';
import {
  AttributeSensitiveError,
  DuplicateLabelError,
  findKey,
  generateKeyPair,
  KeyNotFoundError,
  listKeys,
  PinIncorrectError,
  Pkcs11CallError,
  SessionBusyError,
  SessionClosedError,
  signDigest,
  signDigests,
  signEd25519,
  signRaw,
  type Token,
  TokenNotFoundError,
  VerifierPool,
} from './index.js';

let hsm: TestHsm;
let token: Token;
let pin: string;

before(async () => {
  hsm = await createTestHsm(['airlock-test-signing', 'airlock-test-card']);
  token = hsm.module.token('airlock-test-signing');
  pin = hsm.tokens[0]!.userPin;
  await token.withSession(
    pin,
    (s) => {
      generateKeyPair(s, { curve: 'secp256k1', label: 'btc-hot-1' });
      generateKeyPair(s, { curve: 'ed25519', label: 'appliance-ed' });
    },
    { readWrite: true },
  );
});
after(() => hsm.cleanup());

test('lists tokens with label, serial, model, flags and PIN state', () => {
  const infos = hsm.module.tokens().map((t) => t.info());
  // SoftHSM2 always offers one more, uninitialised token in a free slot.
  assert.equal(infos.filter((i) => !i.flags.initialized).length, 1);
  const labels = infos
    .filter((i) => i.flags.initialized)
    .map((i) => i.label)
    .sort();
  assert.deepEqual(labels, ['airlock-test-card', 'airlock-test-signing']);
  const info = token.info();
  assert.equal(info.model, 'SoftHSM v2');
  assert.match(info.serial, /^[0-9a-f]{16}$/);
  assert.equal(info.flags.initialized, true);
  assert.equal(info.flags.loginRequired, true);
  assert.deepEqual(info.pin, { countLow: false, finalTry: false, locked: false, toBeChanged: false });
  assert.match(hsm.module.info().manufacturer, /SoftHSM/);
});

test('an unknown token label is a TokenNotFoundError listing the labels there are', () => {
  assert.throws(
    () => hsm.module.token('no-such-token'),
    (e: unknown) =>
      e instanceof TokenNotFoundError &&
      e.available.includes('airlock-test-card') &&
      /no-such-token/.test(e.message),
  );
});

test('secp256k1: sign a digest, low-S with recovery id, verifiable by an independent check', async () => {
  await token.withSession(pin, (s) => {
    const key = findKey(s, { label: 'btc-hot-1' });
    assert.equal(key.curve, 'secp256k1');
    assert.equal(key.publicKey.length, 33);
    const digest = sha256(new TextEncoder().encode('airlock round trip'));
    const sig = signDigest(s, key, digest);
    assert.equal(secp256k1.verify(sig.compact, digest, key.publicKey, { prehash: false, lowS: true }), true);
    const recovered = new secp256k1.Signature(sig.r, sig.s, sig.recovery)
      .recoverPublicKey(digest)
      .toBytes(true);
    assert.deepEqual(recovered, key.publicKey);
    // A different digest must not verify with this signature.
    const other = sha256(new TextEncoder().encode('another message'));
    assert.equal(secp256k1.verify(sig.compact, other, key.publicKey, { prehash: false }), false);
  });
});

test('secp256k1: every one of 400 token signatures comes out low-S (the token returns high-S about half the time)', async () => {
  await token.withSession(pin, (s) => {
    const key = findKey(s, { label: 'btc-hot-1' });
    const half = secp256k1.Point.Fn.ORDER >> 1n;
    let rawHigh = 0;
    for (let i = 0; i < 400; i++) {
      const digest = sha256(Uint8Array.of(i & 0xff, i >> 8));
      const raw = signRaw(s, key, pkcs11js.CKM_ECDSA, digest);
      if (BigInt(`0x${raw.subarray(32).toString('hex')}`) > half) rawHigh++;
      const sig = signDigest(s, key, digest);
      assert.ok(sig.s <= half, `signature ${i} is high-S`);
    }
    // The normalisation is exercised: the token itself gave high-S signatures.
    assert.ok(rawHigh > 100, `expected the token to return high-S often, got ${rawHigh}/400`);
  });
});

test('secp256k1: the batch API verifies every signature beside signing and keeps order', async () => {
  const pool = new VerifierPool(1);
  try {
    await token.withSession(pin, async (s) => {
      const key = findKey(s, { label: 'btc-hot-1' });
      const digests = Array.from({ length: 150 }, (_, i) => sha256(Uint8Array.of(1, i)));
      const sigs = await signDigests(s, key, digests, pool);
      assert.equal(sigs.length, 150);
      sigs.forEach((sig, i) => {
        assert.equal(secp256k1.verify(sig.compact, digests[i]!, key.publicKey, { prehash: false }), true);
      });
    });
  } finally {
    await pool.close();
  }
});

test('ed25519: sign with CKM_EDDSA, verify with @noble/curves', async () => {
  await token.withSession(pin, (s) => {
    const key = findKey(s, { label: 'appliance-ed' });
    assert.equal(key.curve, 'ed25519');
    assert.equal(key.publicKey.length, 32);
    const message = new TextEncoder().encode('airlock result digest');
    const sig = signEd25519(s, key, message);
    assert.equal(ed25519.verify(sig, message, key.publicKey), true);
    assert.equal(ed25519.verify(sig, new TextEncoder().encode('tampered'), key.publicKey), false);
  });
});

test('private keys are sensitive, never extractable, sign-only: reading CKA_VALUE fails', async () => {
  await token.withSession(pin, (s) => {
    for (const label of ['btc-hot-1', 'appliance-ed']) {
      const key = findKey(s, { label });
      const attrs = s.getAttributes(key.privateHandle, [
        pkcs11js.CKA_TOKEN,
        pkcs11js.CKA_PRIVATE,
        pkcs11js.CKA_SENSITIVE,
        pkcs11js.CKA_ALWAYS_SENSITIVE,
        pkcs11js.CKA_EXTRACTABLE,
        pkcs11js.CKA_NEVER_EXTRACTABLE,
        pkcs11js.CKA_SIGN,
        pkcs11js.CKA_DECRYPT,
        pkcs11js.CKA_UNWRAP,
        pkcs11js.CKA_DERIVE,
      ]);
      const flag = (t: number) => attrs.get(t)?.[0] === 1;
      assert.equal(flag(pkcs11js.CKA_TOKEN), true, `${label} CKA_TOKEN`);
      assert.equal(flag(pkcs11js.CKA_PRIVATE), true, `${label} CKA_PRIVATE`);
      assert.equal(flag(pkcs11js.CKA_SENSITIVE), true, `${label} CKA_SENSITIVE`);
      assert.equal(flag(pkcs11js.CKA_ALWAYS_SENSITIVE), true, `${label} CKA_ALWAYS_SENSITIVE`);
      assert.equal(flag(pkcs11js.CKA_EXTRACTABLE), false, `${label} CKA_EXTRACTABLE`);
      assert.equal(flag(pkcs11js.CKA_NEVER_EXTRACTABLE), true, `${label} CKA_NEVER_EXTRACTABLE`);
      assert.equal(flag(pkcs11js.CKA_SIGN), true, `${label} CKA_SIGN`);
      assert.equal(flag(pkcs11js.CKA_DECRYPT), false, `${label} CKA_DECRYPT`);
      assert.equal(flag(pkcs11js.CKA_UNWRAP), false, `${label} CKA_UNWRAP`);
      assert.equal(flag(pkcs11js.CKA_DERIVE), false, `${label} CKA_DERIVE`);
      assert.throws(
        () => s.getAttributes(key.privateHandle, [pkcs11js.CKA_VALUE]),
        (e: unknown) => e instanceof AttributeSensitiveError && e.method === 'C_GetAttributeValue',
      );
    }
  });
});

test('key ceremony refuses a duplicate label and finds keys by label and by id', async () => {
  await token.withSession(
    pin,
    (s) => {
      assert.throws(
        () => generateKeyPair(s, { curve: 'secp256k1', label: 'btc-hot-1' }),
        DuplicateLabelError,
      );
      assert.throws(() => generateKeyPair(s, { curve: 'ed25519', label: 'bad label!' }), RangeError);
      const byLabel = findKey(s, { label: 'appliance-ed' });
      const byId = findKey(s, { id: byLabel.id });
      assert.deepEqual(byId.publicKey, byLabel.publicKey);
      assert.throws(() => findKey(s, { label: 'missing' }), KeyNotFoundError);
      assert.deepEqual(
        listKeys(s).map((k) => k.label),
        ['appliance-ed', 'btc-hot-1'],
      );
    },
    { readWrite: true },
  );
});

test('a wrong PIN is a PinIncorrectError carrying the token PIN state; SoftHSM2 raises count-low but never locks', async () => {
  const card = hsm.module.token('airlock-test-card');
  const s = card.openSession();
  try {
    let last: PinIncorrectError | undefined;
    for (let i = 0; i < 3; i++) {
      try {
        s.login('000000-wrong');
        assert.fail('login with a wrong PIN succeeded');
      } catch (e) {
        assert.ok(e instanceof PinIncorrectError, `expected PinIncorrectError, got ${e}`);
        assert.equal(e.method, 'C_Login');
        assert.equal(e.ckr, 'CKR_PIN_INCORRECT');
        assert.equal(e.tokenLabel, 'airlock-test-card');
        last = e;
      }
    }
    assert.equal(last?.pinState.countLow, true);
    assert.equal(last?.pinState.locked, false);
    assert.equal(card.info().pin.countLow, true);
    s.login(hsm.tokens[1]!.userPin); // the right PIN still works: lock-out is Airlock's job (quorum issue)
    assert.equal(s.isLoggedIn, true);
    assert.equal(card.info().pin.countLow, false);
  } finally {
    s.close();
  }
});

test('every CKR_* failure names the C_ function and the code', async () => {
  await token.withSession(pin, (s) => {
    const ed = findKey(s, { label: 'appliance-ed' });
    assert.throws(
      () => signRaw(s, ed, pkcs11js.CKM_ECDSA, new Uint8Array(32)),
      (e: unknown) =>
        e instanceof Pkcs11CallError &&
        /^C_Sign(Init)?$/.test(e.method) &&
        e.code > 0 &&
        /^CKR_[A-Z_]+$/.test(e.ckr) &&
        e.message.includes(e.ckr),
    );
    const bogus = { ...ed, privateHandle: Buffer.from([0xee, 0xee, 0, 0, 0, 0, 0, 0]) };
    assert.throws(
      () => signRaw(s, bogus, pkcs11js.CKM_ECDSA, new Uint8Array(32)),
      (e: unknown) =>
        e instanceof Pkcs11CallError &&
        e.method === 'C_SignInit' &&
        e.ckr === 'CKR_OBJECT_HANDLE_INVALID' &&
        e.code === pkcs11js.CKR_OBJECT_HANDLE_INVALID,
    );
  });
});

test('sessions: one operation in flight, no use after close, closed on every path', async () => {
  const s = token.openSession();
  s.login(pin);
  assert.throws(() => s.run('outer', () => s.run('inner', () => 1)), SessionBusyError);
  s.close();
  assert.throws(() => findKey(s, { label: 'btc-hot-1' }), SessionClosedError);
  s.close(); // idempotent
  const before = token.info().sessions.open;
  await assert.rejects(
    token.withSession(pin, () => {
      throw new Error('boom inside the session');
    }),
    /boom/,
  );
  assert.equal(token.info().sessions.open, before);
});
