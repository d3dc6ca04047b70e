/**
 * Properties of the dense codec (fast-check): any payload, fragment length and compression setting
 * round-trips through any loss pattern; random bytes, random mutations of valid frames and forged
 * frames never make the decoder throw, and never make it complete with anything but the payload.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { crc32 } from '../crc32.js';
import { DenseDecoder } from './decoder.js';
import { DenseEncoder } from './encoder.js';
import { DENSE_MAGIC } from './frame.js';

test('property: random payloads round-trip for any fragment length, compression, repair field and loss pattern', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 4000 }),
      fc.integer({ min: 1, max: 400 }),
      fc.boolean(),
      fc.constantFrom('gf256' as const, 'gf2' as const),
      fc.infiniteStream(fc.boolean()),
      (payload, fragmentLength, compress, repairField, drops) => {
        const enc = new DenseEncoder(payload, { fragmentLength, compress, repairField });
        const dec = new DenseDecoder();
        const it = drops[Symbol.iterator]();
        let shown = 0;
        while (!dec.isComplete()) {
          const f = enc.nextFrame();
          shown++;
          if (it.next().value === true) continue; // dropped (about half the frames)
          const v = dec.receive(f);
          assert.ok(v === 'accepted' || v === 'duplicate');
          assert.ok(shown < 6 * enc.fragmentCount + 80, 'decoding stalled');
        }
        assert.deepEqual(dec.result().payload, payload);
      },
    ),
    { numRuns: 150 },
  );
});

test('property: random byte strings (with or without the magic) never throw and never complete', () => {
  const dec = new DenseDecoder();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), fc.boolean(), (bytes, withMagic) => {
      if (withMagic && bytes.length >= 3) bytes.set([DENSE_MAGIC[0], DENSE_MAGIC[1], 1 + (bytes[2]! & 1)]);
      const v = dec.receive(bytes);
      assert.equal(v, 'corrupt');
      assert.equal(dec.isComplete(), false);
    }),
    { numRuns: 2000 },
  );
});

test('property: mutated and forged frames mixed into a transfer never yield a wrong payload', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 2000 }),
      fc.integer({ min: 8, max: 200 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean()), { maxLength: 40 }),
      (payload, fragmentLength, mutations) => {
        const enc = new DenseEncoder(payload, { fragmentLength });
        const dec = new DenseDecoder();
        let seq = 0;
        for (const [where, xor, reseal] of mutations) {
          const f = enc.frame(seq++).slice();
          f[where % f.length]! ^= xor;
          if (reseal) {
            new DataView(f.buffer).setUint32(f.length - 4, crc32(f, 0, f.length - 4));
          }
          dec.receive(f); // must not throw, whatever the verdict
        }
        for (let i = 0; i < 4 * enc.fragmentCount + 40 && !dec.isComplete(); i++)
          dec.receive(enc.frame(seq++));
        const p = dec.progress();
        if (dec.isComplete()) {
          assert.deepEqual(dec.result().payload, payload);
        } else if (p.state === 'failed') {
          // A forged frame of this transfer passed its CRC and was mixed in: the digest check caught it.
          assert.match(p.error!.code, /^DENSE_(DIGEST_MISMATCH|INFLATE_FAILED|PADDING_NONZERO)$/);
          assert.throws(() => dec.result());
        } else {
          // A forged first frame with another digest or shape fixed a transfer of its own (which can
          // never complete): the genuine frames are foreign to it, and nothing wrong is delivered.
          assert.equal(p.state, 'receiving');
          assert.ok(p.framesIgnored > 0);
          assert.throws(() => dec.result(), { code: 'DENSE_INCOMPLETE' });
        }
      },
    ),
    { numRuns: 200 },
  );
});
