/**
 * EIP-55 mixed-case checksums on token assets (fields.ts assetCodec), against the EIP's own examples
 * and, for random addresses, against micro-eth-signer's independent `addr.addChecksum`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { addr } from 'micro-eth-signer';
import { assertRefusal } from '../../test-support/sample-batch.js';
import { assetCodec } from './fields.js';

const withdrawalAsset = assetCodec(false);
const totalAsset = assetCodec(true);
const at = { field: 'withdrawals[0].asset', withdrawalId: 'w1' };
const read = (s: string) => withdrawalAsset.decode(s, at);

/** The "all caps" and "all lower" rows of EIP-55 "Test Cases" plus the normal-case examples. */
const EIP55_EXAMPLES = [
  '0x52908400098527886E0F7030069857D2E4169EE7',
  '0x8617E340B3D01FA5F11F306F4090FD50E238070D',
  '0xde709f2102306220921060314715629080e2fb77',
  '0x27b1fdb04752bbc536007a920d24acb045561c26',
  '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
  '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
  '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
  '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb',
];

test('EIP-55 examples are accepted and read as lower case', () => {
  for (const a of EIP55_EXAMPLES) {
    const hex = a.slice(2);
    // the mixed-case examples are what an independent implementation computes
    if (hex !== hex.toLowerCase() && hex !== hex.toUpperCase())
      assert.equal(addr.addChecksum(a.toLowerCase()), a);
    assert.deepEqual(read(a), { kind: 'token', contract: a.toLowerCase() });
  }
});

test('a mixed-case address with one letter of the wrong case is refused, naming field and withdrawal', () => {
  const e = assertRefusal(
    () => read('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD'),
    'SCHEMA_INVALID',
    'withdrawals[0].asset',
  );
  assert.equal(e.withdrawalId, 'w1');
  assert.match(e.message, /EIP-55 checksum is wrong/);
});

test('manifest totals take lower case only', () => {
  assert.deepEqual(totalAsset.decode('0xde709f2102306220921060314715629080e2fb77', at), {
    kind: 'token',
    contract: '0xde709f2102306220921060314715629080e2fb77',
  });
  assertRefusal(() => totalAsset.decode('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', at), 'SCHEMA_INVALID');
});

test('property: checksummed addresses are accepted; flipping the case of one letter is refused', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.nat(), (bytes, pick) => {
      const lower = `0x${Buffer.from(bytes).toString('hex')}`;
      const checksummed = addr.addChecksum(lower);
      assert.deepEqual(read(checksummed), { kind: 'token', contract: lower });
      const letters = [...checksummed.slice(2)].flatMap((c, i) => (/[a-fA-F]/.test(c) ? [i + 2] : []));
      const hasUpper = /[A-F]/.test(checksummed.slice(2));
      const hasLower = /[a-f]/.test(checksummed.slice(2));
      if (letters.length < 2 || !hasUpper || !hasLower) return;
      const i = letters[pick % letters.length]!;
      const c = checksummed[i]!;
      const flipped =
        checksummed.slice(0, i) +
        (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) +
        checksummed.slice(i + 1);
      const rest = flipped.slice(2);
      // flipping may turn the address all-lower or all-upper, which EIP-55 treats as unchecksummed
      if (rest === rest.toLowerCase() || rest === rest.toUpperCase()) return;
      assert.throws(() => read(flipped), /EIP-55 checksum is wrong/);
    }),
    { numRuns: 300 },
  );
});
