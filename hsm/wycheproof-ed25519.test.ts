/** Ed25519 verification (what every CKM_EDDSA signature passes) against Wycheproof ed25519_test.json. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readVector } from '../test-support/paths.js';
import { verifyEd25519 } from './ecdsa.js';

interface WycheproofEddsa {
  testGroups: {
    publicKey: { pk: string };
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

test('Wycheproof Ed25519: verification agrees on all 151 cases', () => {
  const file = readVector<WycheproofEddsa>('wycheproof/ed25519_test.json');
  let count = 0;
  for (const group of file.testGroups) {
    for (const t of group.tests) {
      const got = verifyEd25519(hex(t.sig), hex(t.msg), hex(group.publicKey.pk));
      assert.equal(got, t.result === 'valid', `tcId ${t.tcId} (${t.comment}): expected ${t.result}`);
      count++;
    }
  }
  assert.equal(count, 151);
});
