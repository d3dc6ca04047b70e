/**
 * fast-check properties of the UR transport (BCR-2020-005 + BCR-2024-001) end to end:
 * - any payload, fragment length, first seqNum and type round-trips encoder -> decoder through random
 *   loss, duplicates and reordering;
 * - two transfers interleaved never mix: the decoder completes with exactly the first one's message;
 * - random text and mutated valid parts never make receive() throw, and never complete with wrong data.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { cborBytes, UrDecoder, UrFountainEncoder } from './index.js';

const typeArb = fc.constantFrom('bytes', 'crypto-psbt', 'psbt', 'x-airlock-batch');
const optsArb = fc.record({
  maxFragmentLength: fc.integer({ min: 10, max: 300 }),
  firstSeqNum: fc.oneof(fc.constant(0), fc.nat(1000), fc.integer({ min: 2 ** 32 - 50, max: 2 ** 32 - 1 })),
});

/** Feeds `frames` until complete; returns how many were fed. */
function feed(decoder: UrDecoder, frames: Iterable<string>): number {
  let n = 0;
  for (const f of frames) {
    const verdict = decoder.receive(f);
    n++;
    assert.ok(['accepted', 'duplicate', 'foreign', 'corrupt', 'done'].includes(verdict));
    if (decoder.isComplete()) break;
  }
  return n;
}

test('property: payloads round-trip through random loss, duplicates and reordering', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 3000 }),
      typeArb,
      optsArb,
      fc.integer({ min: 0, max: 60 }),
      fc.infiniteStream(fc.tuple(fc.noBias(fc.integer({ min: 0, max: 99 })), fc.nat(7), fc.boolean())),
      (payload, type, opts, loss, coins) => {
        const cbor = cborBytes(payload);
        const encoder = new UrFountainEncoder(type, cbor, opts);
        const limit = 10 * encoder.fragmentCount + 100;
        const frames = function* (): Generator<string> {
          const held: string[] = [];
          let produced = 0;
          for (const [drop, pick, dup] of coins) {
            if (produced++ > limit) return;
            const part = encoder.nextPart();
            if (drop < loss) continue;
            held.push(part);
            if (dup) held.push(part.toUpperCase());
            if (held.length > 3) yield held.splice(pick % held.length, 1)[0]!;
          }
        };
        const decoder = new UrDecoder();
        feed(decoder, frames());
        assert.ok(decoder.isComplete(), `incomplete: ${JSON.stringify(decoder.progress())}`);
        assert.deepEqual(decoder.result(), { type, cbor });
      },
    ),
    { numRuns: 150 },
  );
});

test('property: two interleaved transfers never mix; the first part decides', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 1500 }),
      fc.uint8Array({ minLength: 1, maxLength: 1500 }),
      typeArb,
      typeArb,
      optsArb,
      fc.infiniteStream(fc.boolean()),
      (a, b, typeA, typeB, opts, coins) => {
        const cborA = cborBytes(a);
        const cborB = cborBytes(b);
        const encA = new UrFountainEncoder(typeA, cborA, opts);
        const encB = new UrFountainEncoder(typeB, cborB, opts);
        const decoder = new UrDecoder();
        decoder.receive(encA.nextPart());
        let n = 0;
        for (const fromA of coins) {
          decoder.receive(fromA ? encA.nextPart() : encB.nextPart());
          if (decoder.isComplete() || ++n > 40 * (encA.fragmentCount + encB.fragmentCount) + 200) break;
        }
        assert.ok(decoder.isComplete());
        assert.deepEqual(decoder.result(), { type: typeA, cbor: cborA });
      },
    ),
    { numRuns: 100 },
  );
});

test('property: random text never throws from receive() and never completes', () => {
  const urLike = fc.stringMatching(/^(ur|UR|Ur):[a-z0-9-]{0,12}(\/[0-9]{1,4}-[0-9]{1,4})?\/[a-zA-Z]{0,80}$/);
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), urLike), { maxLength: 20 }),
      (texts) => {
        const decoder = new UrDecoder();
        for (const t of texts) assert.equal(decoder.receive(t), 'corrupt');
        assert.equal(decoder.isComplete(), false);
        assert.equal(decoder.progress().state, 'waiting');
      },
    ),
    { numRuns: 300 },
  );
});

const mutationArb = fc.oneof(
  fc.record({
    kind: fc.constant('replace' as const),
    at: fc.nat(),
    char: fc.string({ minLength: 1, maxLength: 1 }),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    char: fc.string({ minLength: 1, maxLength: 2 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('upper' as const) }),
);

type Mutation = typeof mutationArb extends fc.Arbitrary<infer M> ? M : never;

/**
 * Applies `m` after the `ur:<type>/` prefix. The type is covered by no checksum in BCR-2020-005 (a
 * changed type is just another UR); callers check the type they expect. Everything after it is.
 */
function mutate(text: string, m: Mutation): string {
  const prefix = text.slice(0, text.indexOf('/') + 1);
  return prefix + mutateBody(text.slice(prefix.length), m);
}

function mutateBody(text: string, m: Mutation): string {
  if (text.length < 2) return text;
  switch (m.kind) {
    case 'replace': {
      const i = m.at % text.length;
      return text.slice(0, i) + m.char + text.slice(i + 1);
    }
    case 'insert': {
      const i = m.at % (text.length + 1);
      return text.slice(0, i) + m.char + text.slice(i);
    }
    case 'delete': {
      const i = m.at % text.length;
      return text.slice(0, i) + text.slice(i + m.count);
    }
    case 'swap': {
      const i = m.at % (text.length - 1);
      return text.slice(0, i) + text[i + 1] + text[i] + text.slice(i + 2);
    }
    case 'truncate':
      return text.slice(0, m.at % text.length);
    case 'upper':
      return text.toUpperCase();
  }
}

test('property: mutated valid parts never throw and never lead to wrong data', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 1200 }),
      optsArb,
      fc.array(fc.tuple(fc.boolean(), fc.array(mutationArb, { minLength: 1, maxLength: 3 })), {
        minLength: 1,
        maxLength: 120,
      }),
      (payload, opts, plan) => {
        const cbor = cborBytes(payload);
        const encoder = new UrFountainEncoder('bytes', cbor, opts);
        const decoder = new UrDecoder();
        for (const [keep, mutations] of plan) {
          const part = encoder.nextPart();
          const text = keep ? part : mutations.reduce(mutate, part);
          decoder.receive(text);
          if (decoder.isComplete()) break;
        }
        // Whatever got through, a completed transfer holds exactly the payload; a failed one says so.
        if (decoder.isComplete()) assert.deepEqual(decoder.result(), { type: 'bytes', cbor });
        const { state } = decoder.progress();
        assert.ok(state !== 'failed', 'a Bytewords-checked part was altered undetected');
        // Keep feeding clean parts: the transfer still completes with the right data.
        for (let i = 0; i < 10 * encoder.fragmentCount + 100 && !decoder.isComplete(); i++) {
          decoder.receive(encoder.nextPart());
        }
        assert.ok(decoder.isComplete());
        assert.deepEqual(decoder.result(), { type: 'bytes', cbor });
      },
    ),
    { numRuns: 200 },
  );
});
