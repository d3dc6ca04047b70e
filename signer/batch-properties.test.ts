/**
 * Properties of inspectBatch over damaged batches (fast-check):
 * - any single-byte change of the batch file is refused with a RefusalError, or the batch still
 *   authenticates as the very same batch (same digest) and shows exactly its words;
 * - any byte change of one withdrawal's raw transaction, re-signed by the coordinator key (a compromised
 *   online node), is refused with a RefusalError, or every withdrawal decodes to what it declares
 *   (chain, destination, amount, asset, nonce, fee within the cap).
 * Never an exception of another type, neither from inspectBatch nor from the chain adapters themselves.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { base64 } from '@scure/base';
import { Transaction } from '@scure/btc-signer';
import fc from 'fast-check';
import {
  type BatchFixture,
  type BuiltBatch,
  buildBatch,
  createBatchFixture,
  draft,
  ethereumParams,
  INSPECT_AT,
  intentOf,
  resign,
  tamper,
  withdrawal,
} from '../test-support/batch-fixture.js';
import { buildUnsignedType2 } from './chains/ethereum/index.js';
import { ADAPTERS } from './chains/index.js';
import { RefusalError } from './errors.js';
import { type InspectedBatch, inspectBatch } from './inspect.js';

let fx: BatchFixture;
let built: BuiltBatch;
let originalDigest: string;

before(async () => {
  fx = await createBatchFixture();
  built = await buildBatch(fx);
  originalDigest = bytesToHex(inspectBatch(built.json, fx.trust, INSPECT_AT).batch.digest);
});
after(() => fx?.cleanup());

const RUNS = 150;

type Outcome = { readonly refused: RefusalError } | { readonly inspected: InspectedBatch };

/** inspectBatch, where a RefusalError is an outcome and any other throw fails the property. */
function outcomeOf(input: Uint8Array | string): Outcome {
  try {
    return { inspected: inspectBatch(input, fx.trust, INSPECT_AT) };
  } catch (err) {
    if (err instanceof RefusalError) return { refused: err };
    throw new Error(`inspectBatch threw a non-refusal: ${String(err)}`, { cause: err });
  }
}

/** Every withdrawal decodes to exactly what it declares. */
function assertShowsItsWords(inspected: InspectedBatch): void {
  for (const { declared, decoded } of inspected.withdrawals) {
    const view = decoded.view;
    const adapter = ADAPTERS[declared.chain];
    assert.equal(view.withdrawalId, declared.id);
    assert.equal(view.chain, declared.chain);
    assert.equal(view.destination, adapter.canonicalDestination(declared.destination, fx.ctx, declared.id));
    assert.equal(view.amount, declared.amount);
    assert.equal(
      view.asset.kind === 'native' ? 'native' : view.asset.contract,
      declared.asset.kind === 'native' ? 'native' : declared.asset.contract,
    );
    assert.equal(view.nonce, declared.nonce);
    assert.ok(view.fee <= declared.feeCap, `${declared.id}: fee ${view.fee} within cap ${declared.feeCap}`);
  }
}

/** Bytes JSON gives meaning to, plus whitespace (the mutations most likely to survive parsing). */
const INTERESTING = [
  0x20, 0x09, 0x0a, 0x0d, 0x22, 0x5c, 0x2c, 0x3a, 0x7b, 0x7d, 0x5b, 0x5d, 0x30, 0x31, 0x39, 0x61, 0x41,
];

const byteValue = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...INTERESTING));

interface ByteEdit {
  readonly op: 'replace' | 'insert' | 'delete';
  /** Position modulo the length, so one arbitrary fits buffers of any length. */
  readonly at: number;
  readonly byte: number;
}

const byteEdit: fc.Arbitrary<ByteEdit> = fc.record({
  op: fc.constantFrom('replace', 'replace', 'replace', 'insert', 'delete'),
  // Unbiased: fast-check otherwise favours small values, i.e. the first bytes (the JSON `{`, the tx type).
  at: fc.noBias(fc.nat({ max: 0x7fffffff })),
  byte: byteValue,
});

/** `bytes` with one byte replaced (by a different value), inserted or deleted. */
function applyEdit(bytes: Uint8Array, e: ByteEdit): Uint8Array {
  const i = e.at % bytes.length;
  switch (e.op) {
    case 'replace': {
      const out = Uint8Array.from(bytes);
      out[i] = e.byte === bytes[i] ? (e.byte + 1) & 0xff : e.byte;
      return out;
    }
    case 'insert':
      return Uint8Array.from([...bytes.subarray(0, i), e.byte, ...bytes.subarray(i)]);
    case 'delete':
      return Uint8Array.from([...bytes.subarray(0, i), ...bytes.subarray(i + 1)]);
  }
}

test('any single-byte change of the batch file: refused, or the same batch showing exactly its words', (t) => {
  const original = new TextEncoder().encode(built.json);
  const seen = { refused: 0, same: 0 };
  fc.assert(
    fc.property(byteEdit, (edit) => {
      const outcome = outcomeOf(applyEdit(original, edit));
      if ('refused' in outcome) {
        seen.refused++;
        return;
      }
      // Accepted: then the signature verified, so it is byte-for-byte the signed content.
      seen.same++;
      assert.equal(bytesToHex(outcome.inspected.batch.digest), originalDigest);
      assertShowsItsWords(outcome.inspected);
    }),
    { numRuns: RUNS },
  );
  t.diagnostic(`refused ${seen.refused}, accepted unchanged ${seen.same}`);
});

test('whitespace-only changes of the batch file are accepted as the same batch (the accept branch above is real)', () => {
  for (const text of [built.json.replace('\n', '\r\n'), built.json.replace('  ', '\t '), `${built.json} `]) {
    const outcome = outcomeOf(text);
    assert.ok('inspected' in outcome, 'refused' in outcome ? outcome.refused.message : '');
    assert.equal(bytesToHex(outcome.inspected.batch.digest), originalDigest);
  }
});

const WITHDRAWAL_IDS = ['wd-btc-0001', 'wd-btc-0002', 'wd-eth-0001', 'wd-usdc-0001'] as const;

/** The raw transaction of a withdrawal as bytes, and back (PSBT base64, or EIP-1559 hex). */
function rawBytes(chain: string, rawTx: string): Uint8Array {
  return chain === 'bitcoin' ? base64.decode(rawTx) : hexToBytes(rawTx.replace(/^0x/, ''));
}
function rawText(chain: string, bytes: Uint8Array): string {
  return chain === 'bitcoin' ? base64.encode(bytes) : bytesToHex(bytes);
}

test('any byte change of a withdrawal’s raw transaction, re-signed: refused, or every withdrawal shows exactly its words', (t) => {
  const seen: Record<string, number> = { accepted: 0 };
  fc.assert(
    fc.property(
      fc.constantFrom(...WITHDRAWAL_IDS),
      fc.array(byteEdit, { minLength: 1, maxLength: 3 }),
      (id, edits) => {
        const w = withdrawal(draft(built.batch), id);
        const bytes = edits.reduce(applyEdit, rawBytes(w.chain, w.rawTx));
        const rawTx = rawText(w.chain, bytes);

        // The adapter alone, without inspectBatch's guard: refuses with RefusalError or decodes.
        try {
          ADAPTERS[w.chain].decode({ withdrawalId: id, rawTx, keyLabel: w.keyLabel }, fx.ctx);
        } catch (err) {
          if (!(err instanceof RefusalError))
            throw new Error(`the ${w.chain} adapter threw a non-refusal: ${String(err)}`, { cause: err });
        }

        const outcome = outcomeOf(
          tamper(built.batch, (d) => {
            withdrawal(d, id).rawTx = rawTx;
          }),
        );
        if ('refused' in outcome) {
          const code = outcome.refused.code;
          seen[code] = (seen[code] ?? 0) + 1;
          // A changed transaction is a problem of that withdrawal: the batch itself still authenticates.
          assert.equal(outcome.refused.withdrawalId, id, outcome.refused.message);
          return;
        }
        seen.accepted!++;
        assertShowsItsWords(outcome.inspected);
      },
    ),
    { numRuns: RUNS },
  );
  t.diagnostic(JSON.stringify(seen));
});

test('raw transactions that differ in bytes but not in what they do are accepted (the accept branch above is real)', () => {
  const eth = intentOf(built, 'wd-eth-0001');
  const cheaperTip = buildUnsignedType2({ ...ethereumParams(eth), maxPriorityFeePerGas: 1n });
  const btc = withdrawal(draft(built.batch), 'wd-btc-0001').rawTx;
  const tx = Transaction.fromPSBT(base64.decode(btc));
  const locked = new Transaction({ version: 2, lockTime: 4_000_000 });
  for (let i = 0; i < tx.inputsLength; i++) locked.addInput({ ...tx.getInput(i), sequence: 0xfffffffe });
  for (let i = 0; i < tx.outputsLength; i++) locked.addOutput(tx.getOutput(i));
  const outcome = outcomeOf(
    tamper(built.batch, (d) => {
      withdrawal(d, 'wd-eth-0001').rawTx = cheaperTip;
      withdrawal(d, 'wd-btc-0001').rawTx = base64.encode(locked.toPSBT(0));
    }),
  );
  assert.ok('inspected' in outcome, 'refused' in outcome ? outcome.refused.message : '');
  assertShowsItsWords(outcome.inspected);
  assert.notEqual(bytesToHex(outcome.inspected.batch.digest), originalDigest);
  assert.match(outcome.inspected.withdrawals[0]!.decoded.view.details.locktime!, /^block height 4000000/);
});

test('resign() leaves an unchanged batch byte-for-byte the same signed content', () => {
  assert.equal(
    bytesToHex(inspectBatch(resign(built.batch), fx.trust, INSPECT_AT).batch.digest),
    originalDigest,
  );
});
