/**
 * Property tests of the whole decode path on hostile input: random byte mutations of valid
 * withdrawal PSBTs, random bytes and random text are either decoded or refused with a
 * RefusalError, never another exception; whatever decodes also assembles to the decoded txid.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { base64 } from '@scure/base';
import fc from 'fast-check';
import { RefusalError } from '../../errors.js';
import { bitcoinAdapter } from './adapter.js';
import { buildWithdrawalPsbt } from './build.js';
import { fakeTxid, publicKey, signAll, testContext } from './fixtures.js';

const ctx = testContext('testnet');
const HOT = publicKey('hot-1');
const DEST = 'tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7';

const seeds: Uint8Array[] = (['p2wpkh', 'p2tr', 'p2wsh-multisig'] as const).map((inputType) =>
  base64.decode(
    buildWithdrawalPsbt({
      network: 'testnet',
      utxos: [
        { txid: fakeTxid(1), vout: 0, amount: 70_000n },
        { txid: fakeTxid(2), vout: 1, amount: 30_000n },
      ],
      signingPublicKey: HOT,
      inputType,
      multisig: { m: 2, pubkeys: [HOT, publicKey('cosigner-a'), publicKey('cosigner-b')] },
      destination: DEST,
      amount: 60_000n,
      leave: { fee: 1_500n },
    }),
  ),
);

/** Decodes; if that works, signs and assembles. Returns what happened; throws anything else. */
function attempt(rawTx: string): 'refused' | 'signed' {
  try {
    const d = bitcoinAdapter.decode({ withdrawalId: 'w-fuzz', rawTx, keyLabel: 'hot-1' }, ctx);
    const signed = bitcoinAdapter.assemble(d, signAll(d));
    assert.equal(signed.txid, d.view.details.txid);
    return 'signed';
  } catch (e) {
    if (e instanceof RefusalError) {
      assert.equal(e.withdrawalId, 'w-fuzz');
      return 'refused';
    }
    throw e;
  }
}

type Mutation =
  | { kind: 'set'; at: number; value: number }
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'truncate'; at: number };

const arbMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const at = m.at % bytes.length;
  switch (m.kind) {
    case 'set': {
      const out = Uint8Array.from(bytes);
      out[at] = m.value;
      return out;
    }
    case 'flip': {
      const out = Uint8Array.from(bytes);
      out[at] = (out[at] ?? 0) ^ (1 << m.bit);
      return out;
    }
    case 'insert':
      return Uint8Array.from([...bytes.subarray(0, at), ...m.bytes, ...bytes.subarray(at)]);
    case 'delete':
      return Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + m.count)]);
    case 'truncate':
      return bytes.slice(0, at);
  }
}

test('the unmutated seeds decode and sign', () => {
  for (const seed of seeds) assert.equal(attempt(base64.encode(seed)), 'signed');
});

test('random byte mutations of valid PSBTs are refused with RefusalError or decode and sign; nothing else', () => {
  const seen = { refused: 0, signed: 0 };
  fc.assert(
    fc.property(
      fc.nat({ max: seeds.length - 1 }),
      fc.array(arbMutation, { minLength: 1, maxLength: 4 }),
      (pick, ms) => {
        const bytes = ms.reduce(mutate, seeds[pick]!);
        seen[attempt(base64.encode(bytes))]++;
      },
    ),
    { numRuns: 1500 },
  );
  // Both outcomes occur (e.g. a changed amount still decodes), so the property is not vacuous.
  assert.ok(seen.refused > 0 && seen.signed > 0, JSON.stringify(seen));
});

test('random bytes (with and without the PSBT magic) are refused with RefusalError, never a crash', () => {
  const magic = Uint8Array.of(0x70, 0x73, 0x62, 0x74, 0xff);
  fc.assert(
    fc.property(fc.boolean(), fc.uint8Array({ maxLength: 400 }), (withMagic, tail) => {
      const bytes = withMagic ? Uint8Array.from([...magic, ...tail]) : tail;
      assert.equal(attempt(base64.encode(bytes)), 'refused');
    }),
    { numRuns: 1000 },
  );
});

test('random text as rawTx is refused with RefusalError MALFORMED_TX', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => {
      try {
        bitcoinAdapter.decode({ withdrawalId: 'w-fuzz', rawTx: text, keyLabel: 'hot-1' }, ctx);
        assert.fail('decoded random text');
      } catch (e) {
        assert.ok(e instanceof RefusalError && e.code === 'MALFORMED_TX', String(e));
      }
    }),
    { numRuns: 500 },
  );
});
