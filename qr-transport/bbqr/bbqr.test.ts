/**
 * BBQr as coinkite/BBQr BBQr.md specifies it: the 8-character header, base-36 counts, hex / base32 /
 * Z encodings, equal parts but the last, any order; the spec's own example split; and a decoder that
 * refuses what the spec forbids without ever throwing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { base32nopad } from '@scure/base';
import fc from 'fast-check';
import {
  BBQR_LIMITS,
  BbqrDecoder,
  type BbqrEncoding,
  encodeBbqr,
  parseBbqrPart,
  toBase36Pair,
} from './bbqr.js';

function decodeAll(parts: readonly string[]): BbqrDecoder {
  const dec = new BbqrDecoder();
  for (const p of parts) dec.receive(p);
  return dec;
}

test('base 36: two digits 00 .. ZZ for 0 .. 1295, upper case', () => {
  for (let n = 0; n <= 1295; n++) {
    const s = toBase36Pair(n);
    assert.equal(s.length, 2);
    assert.equal(s, s.toUpperCase());
    assert.equal(Number.parseInt(s, 36), n);
  }
  assert.throws(() => toBase36Pair(1296), RangeError);
  assert.throws(() => toBase36Pair(-1), RangeError);
});

test('BBQr.md example: a 2150-byte PSBT as B$HP0300, B$HP0301 (2000 hex digits each), B$HP0302 (300)', () => {
  const psbt = randomBytes(2150);
  const hex = psbt.toString('hex').toUpperCase();
  const parts = [
    `B$HP0300${hex.slice(0, 2000)}`,
    `B$HP0301${hex.slice(2000, 4000)}`,
    `B$HP0302${hex.slice(4000)}`,
  ];
  assert.deepEqual(
    parts.map((p) => p.length),
    [2008, 2008, 308],
  );
  for (const order of [
    [0, 1, 2],
    [2, 0, 1],
    [1, 2, 0],
  ]) {
    const dec = decodeAll(order.map((i) => parts[i]!));
    assert.ok(dec.isComplete());
    assert.deepEqual(Buffer.from(dec.result().payload), psbt);
    assert.equal(dec.result().fileType, 'P');
    assert.equal(dec.result().encoding, 'H');
  }
  // Airlock's encoder gives the same headers; it evens the parts out, as the spec recommends.
  const ours = encodeBbqr(psbt, { fileType: 'P', encoding: 'H', partBytes: 1000 }).parts;
  assert.deepEqual(
    ours.map((p) => p.slice(0, 8)),
    ['B$HP0300', 'B$HP0301', 'B$HP0302'],
  );
  assert.deepEqual(
    ours.map((p) => p.length - 8),
    [1434, 1434, 1432],
  );
});

test('BBQr.md: the unsplit form B$HP0100 carries the whole file in one part', () => {
  const dec = decodeAll(['B$HT0100DEADBEEF']);
  assert.deepEqual([...dec.result().payload], [0xde, 0xad, 0xbe, 0xef]);
  assert.equal(dec.result().fileType, 'T');
});

test('round trips in H, 2 and Z, any order, with duplicates, for all file types', () => {
  const json = new TextEncoder().encode(
    JSON.stringify(Array.from({ length: 400 }, (_, i) => ({ id: `w-${i}`, amount: String(i * 1000) }))),
  );
  for (const encoding of ['H', '2', 'Z'] as const) {
    for (const fileType of ['P', 'T', 'J', 'C', 'U', 'B', 'X']) {
      const enc = encodeBbqr(json, { encoding, fileType, partBytes: 500 });
      assert.equal(enc.encoding, encoding);
      assert.ok(enc.parts.length > 1);
      const shuffled = [...enc.parts].reverse();
      const dec = new BbqrDecoder();
      for (const p of shuffled) {
        assert.equal(dec.receive(p), 'accepted');
        if (!dec.isComplete()) assert.equal(dec.receive(p), 'duplicate');
      }
      assert.deepEqual(dec.result().payload, json);
      assert.equal(dec.result().fileType, fileType);
    }
  }
});

test('encoding: Z by default when it helps, 2 when it does not; every part is upper-case alphanumeric', () => {
  const json = new TextEncoder().encode(JSON.stringify({ a: 'x'.repeat(5000) }));
  assert.equal(encodeBbqr(json).encoding, 'Z');
  const random = randomBytes(3000);
  const r = encodeBbqr(random);
  assert.equal(r.encoding, '2');
  for (const p of [...r.parts, ...encodeBbqr(json).parts, ...encodeBbqr(random, { encoding: 'H' }).parts]) {
    assert.match(p, /^[0-9A-Z$%*+\-./:]+$/);
  }
});

test('parts: equal but the last, base32 parts a multiple of 8 characters, no runt at the end', () => {
  for (const n of [1, 4, 5, 6, 999, 1000, 1001, 4999, 5001]) {
    for (const encoding of ['H', '2'] as const) {
      const { parts } = encodeBbqr(randomBytes(n), { encoding, partBytes: 1000 });
      const bodies = parts.map((p) => p.length - 8);
      const full = bodies[0]!;
      for (const b of bodies.slice(0, -1)) assert.equal(b, full);
      assert.ok(bodies.at(-1)! <= full && bodies.at(-1)! > 0);
      if (encoding === '2' && parts.length > 1) assert.equal(full % 8, 0);
      if (parts.length > 1) assert.ok(bodies.at(-1)! > full / 2 - 8, `runt last part: ${bodies.join(',')}`);
    }
  }
});

test('encoder refusals: empty payload, reserved file type or encoding, part size, more than 1295 parts', () => {
  assert.throws(() => encodeBbqr(new Uint8Array(0)), { code: 'BBQR_EMPTY_PAYLOAD' });
  assert.throws(() => encodeBbqr(new Uint8Array(5), { fileType: 'Q' }), { code: 'BBQR_INVALID_OPTION' });
  assert.throws(() => encodeBbqr(new Uint8Array(5), { encoding: 'b' as BbqrEncoding }), {
    code: 'BBQR_INVALID_OPTION',
  });
  assert.throws(() => encodeBbqr(new Uint8Array(5), { encoding: '2', partBytes: 4 }), {
    code: 'BBQR_INVALID_OPTION',
  });
  assert.throws(() => encodeBbqr(new Uint8Array(5), { encoding: 'H', partBytes: 2145 }), {
    code: 'BBQR_INVALID_OPTION',
  });
  assert.throws(() => encodeBbqr(randomBytes(1296), { encoding: 'H', partBytes: 1 }), {
    code: 'BBQR_TOO_MANY_PARTS',
  });
  assert.equal(
    encodeBbqr(randomBytes(1295), { encoding: 'H', partBytes: 1 }).parts.at(-1)!.slice(0, 8),
    'B$HBZZZY',
  );
});

test('parser refusals: header, reserved codes, counts, alphabet, whole bytes', () => {
  const bad = [
    '',
    'B$HP0100',
    'X$HP0100AB',
    'B$QP0100AB', // reserved encoding
    'B$HQ0100AB', // reserved file type
    'B$HP0000AB', // zero parts
    'B$HP0101AB', // index = total
    'B$HP01!0AB',
    'B$HP0100ABC', // odd hex digits
    'B$HP0100GG',
    'B$2P0100A', // 1 base32 char is not a whole byte
    'B$2P0100ABC',
    'B$2P0100ABCDEF',
    'B$2P010018', // base32 has no 1 or 8
    'B$2P0100AB', // non-zero padding bits
    `B$HP0100${'A'.repeat(BBQR_LIMITS.maxPartChars + 2)}`,
  ];
  for (const text of bad) assert.equal(parseBbqrPart(text), null, text);
  assert.deepEqual(
    parseBbqrPart('b$hp0100abcd')?.bytes,
    Uint8Array.from([0xab, 0xcd]),
    'letters in any case',
  );
  assert.equal(parseBbqrPart('B$2U0100AA')?.bytes.length, 1);
  assert.equal(parseBbqrPart('B$ZB0100')?.bytes, undefined);
});

test('decoder: other headers are foreign, conflicting parts are foreign, bad parts corrupt', () => {
  const a = encodeBbqr(randomBytes(3000), { encoding: 'H', partBytes: 1000 }).parts;
  const b = encodeBbqr(randomBytes(3000), { encoding: 'H', partBytes: 1000 }).parts;
  const other = encodeBbqr(randomBytes(3000), { encoding: 'H', fileType: 'P', partBytes: 1000 }).parts;
  const dec = new BbqrDecoder();
  assert.equal(dec.receive(a[0]!), 'accepted');
  assert.equal(dec.receive(other[1]!), 'foreign', 'another file type');
  assert.equal(dec.receive(b[0]!), 'foreign', 'same index, another body');
  assert.equal(dec.receive('hello'), 'corrupt');
  assert.equal(
    dec.receive(`${a[1]!.slice(0, 8)}${'AB'.repeat(10)}`),
    'foreign',
    'a non-final part of another length',
  );
  assert.equal(dec.receive(`${a[1]!.slice(0, 8)}A`), 'corrupt');
  assert.equal(dec.receive(b[1]!), 'accepted', 'same header and no conflict yet: BBQr cannot tell');
  assert.equal(dec.receive(a[2]!), 'accepted');
  assert.equal(dec.progress().state, 'complete');
  assert.equal(dec.receive(a[1]!), 'done');
});

test('decoder: progress counts parts; result() before completion throws BBQR_INCOMPLETE', () => {
  const { parts } = encodeBbqr(randomBytes(5000), { encoding: '2', partBytes: 1000 });
  const dec = new BbqrDecoder();
  assert.throws(() => dec.result(), { code: 'BBQR_INCOMPLETE' });
  assert.equal(dec.progress().state, 'waiting');
  dec.receive(parts[3]!);
  assert.deepEqual(
    { ...dec.progress(), error: null },
    {
      state: 'receiving',
      format: 'bbqr',
      percent: 20,
      framesAccepted: 1,
      framesIgnored: 0,
      framesStillExpected: 4,
      error: null,
    },
  );
  assert.throws(() => dec.result(), { code: 'BBQR_INCOMPLETE', message: /4 of 5 part/ });
});

test('Z: a stream that does not inflate fails BBQR_INFLATE_FAILED; a bomb stops at the 16 MiB cap', () => {
  const garbage = `B$ZB0100${base32nopad.encode(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff]))}`;
  const dec = decodeAll([garbage]);
  assert.equal(dec.progress().state, 'failed');
  assert.equal(dec.progress().error?.code, 'BBQR_INFLATE_FAILED');
  assert.throws(() => dec.result(), { code: 'BBQR_INFLATE_FAILED' });

  const bomb = deflateRawSync(new Uint8Array(BBQR_LIMITS.maxPayloadBytes + 1), { level: 9 });
  const body = base32nopad.encode(bomb);
  const per = 4000;
  const total = Math.ceil(body.length / per);
  assert.ok(total <= 10, `the bomb fits in ${total} parts`);
  const parts = Array.from(
    { length: total },
    (_, i) => `B$ZB${toBase36Pair(total)}${toBase36Pair(i)}${body.slice(i * per, (i + 1) * per)}`,
  );
  const t0 = performance.now();
  const bombed = decodeAll(parts);
  assert.equal(bombed.progress().error?.code, 'BBQR_INFLATE_FAILED');
  assert.ok(performance.now() - t0 < 5000);
});

test('property: random payloads round-trip in every encoding and part size', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 3000 }),
      fc.constantFrom<BbqrEncoding>('H', '2', 'Z'),
      fc.integer({ min: 5, max: 1200 }),
      (payload, encoding, partBytes) => {
        const enc = encodeBbqr(payload, { encoding, partBytes });
        const dec = decodeAll([...enc.parts].reverse());
        assert.deepEqual(dec.result().payload, payload);
      },
    ),
    { numRuns: 200 },
  );
});

test('property: random text never throws the decoder; with all our parts among it, it yields our payload', () => {
  const payload = randomBytes(2000);
  const { parts } = encodeBbqr(payload, { partBytes: 300 });
  assert.equal(parts[0]!.slice(0, 4), 'B$2B');
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.string({ maxLength: 60 }),
          // Well-formed-looking parts of other transfers (file types other than ours, B).
          fc.stringMatching(/^B\$[HZ2][PTJCUX][0-9A-Z]{4}[A-Z2-7]{0,40}$/),
          fc.constantFrom(...parts),
        ),
        { maxLength: 80 },
      ),
      fc.boolean(),
      (texts, appendAll) => {
        const stream = appendAll ? [...texts, ...parts] : texts;
        const dec = new BbqrDecoder();
        const first = stream.find((t) => parseBbqrPart(t) !== null);
        for (const t of stream) dec.receive(t);
        if (first !== undefined && parts.includes(first) && parts.every((p) => stream.includes(p))) {
          assert.ok(dec.isComplete());
        }
        if (dec.isComplete() && parts.includes(first!))
          assert.deepEqual(Buffer.from(dec.result().payload), payload);
      },
    ),
    { numRuns: 500 },
  );
});
