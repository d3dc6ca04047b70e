/**
 * BCR-2024-001 multipart fountain codes, against the Blockchain Commons vectors (bc-ur test.cpp and
 * the bcr-2024-001 paper): SHA-256 seeding, Xoshiro256**, XOR, the alias sampler, fragment length,
 * partition, shuffle, degree (both test designs), fragment choice, part CBOR and the encoder's first
 * 20 parts; then the decoder on the reference round trip and on hostile parts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { bcUr, fromHex, hex, makeMessage } from './bc-ur-vectors.node.js';
import { crc32 } from './crc32.js';
import { UrError } from './errors.js';
import { FountainDecoder } from './fountain-decoder.js';
import { decodePartCbor, encodePartCbor, FountainEncoder, type FountainPart } from './fountain-encoder.js';
import {
  chooseDegree,
  chooseFragments,
  findNominalFragmentLength,
  joinFragments,
  partitionMessage,
  shuffle,
  shuffledPrefix,
  xorInto,
} from './fountain-utils.js';
import { RandomSampler } from './random-sampler.js';
import { Xoshiro256 } from './xoshiro256.js';

test('SHA-256 vector (bcr-2024-001 testSHA256)', () => {
  for (const v of bcUr.sha256) assert.equal(hex(sha256(new TextEncoder().encode(v.inputUtf8))), v.sha256Hex);
});

test('Xoshiro256** vectors: string seed, crc32 seed, nextInt', () => {
  assert.equal(bcUr.xoshiro256.length, 3);
  const [v1, v2, v3] = bcUr.xoshiro256;
  const r1 = Xoshiro256.fromString(v1!.seed);
  assert.deepEqual(
    Array.from({ length: v1!.count }, () => Number(r1.next() % 100n)),
    v1!.expected,
  );
  const r2 = Xoshiro256.fromCrc32(crc32(new TextEncoder().encode('Wolf')));
  assert.equal(crc32(new TextEncoder().encode('Wolf')), 0x598c84dc);
  assert.deepEqual(
    Array.from({ length: v2!.count }, () => Number(r2.next() % 100n)),
    v2!.expected,
  );
  const r3 = Xoshiro256.fromString(v3!.seed);
  assert.deepEqual(
    Array.from({ length: v3!.count }, () => r3.nextInt(1, 10)),
    v3!.expected,
  );
});

test('nextDouble is the 64-bit output rounded to a double over 2^64 (checked against BigInt)', () => {
  const a = Xoshiro256.fromString('Wolf');
  const b = Xoshiro256.fromString('Wolf');
  for (let i = 0; i < 2000; i++) assert.equal(a.nextDouble(), Number(b.next()) / 2 ** 64);
});

test('XOR vector (bc-ur test_xor)', () => {
  const rng = Xoshiro256.fromString(bcUr.xor.seed);
  const data1 = rng.nextData(10);
  const data2 = rng.nextData(10);
  assert.equal(hex(data1), bcUr.xor.data1Hex);
  assert.equal(hex(data2), bcUr.xor.data2Hex);
  const x = data1.slice();
  xorInto(x, data2);
  assert.equal(hex(x), bcUr.xor.xorHex);
  xorInto(x, data2);
  assert.deepEqual(x, data1);
});

test('random sampler vector (bc-ur test_random_sampler)', () => {
  const v = bcUr.randomSampler;
  const sampler = new RandomSampler(v.probs);
  const rng = Xoshiro256.fromString(v.seed);
  assert.deepEqual(
    Array.from({ length: v.count }, () => sampler.next(() => rng.nextDouble())),
    v.expected,
  );
  assert.throws(
    () => new RandomSampler([]),
    (e: unknown) => e instanceof UrError && e.code === 'UR_ARGUMENT',
  );
  assert.throws(() => new RandomSampler([0, 0]), UrError);
  assert.throws(() => new RandomSampler([1, -1]), UrError);
});

test('findNominalFragmentLength vectors', () => {
  for (const v of bcUr.findNominalFragmentLength) {
    assert.equal(findNominalFragmentLength(v.messageLen, v.minFragmentLen, v.maxFragmentLen), v.expected);
  }
  // Shorter than the minimum: one fragment of the whole message (the C++ reference asserts here).
  assert.equal(findNominalFragmentLength(1, 10, 200), 1);
  assert.throws(() => findNominalFragmentLength(0, 10, 200), UrError);
  assert.throws(() => findNominalFragmentLength(100, 10, 9), UrError);
});

test('partition and join vector (bc-ur test_partition_and_join)', () => {
  const v = bcUr.partition;
  const message = makeMessage(v.messageLen);
  assert.equal(hex(message), v.messageHex);
  const fragmentLen = findNominalFragmentLength(v.messageLen, v.minFragmentLen, v.maxFragmentLen);
  const fragments = partitionMessage(message, fragmentLen);
  assert.deepEqual(fragments.map(hex), v.fragmentsHex);
  assert.deepEqual(joinFragments(fragments, v.messageLen), message);
});

test('shuffle vectors: successive full shuffles, and fresh partial shuffles', () => {
  const [full, partial] = bcUr.shuffle;
  const rng = Xoshiro256.fromString(full!.seed);
  for (const expected of full!.expected) assert.deepEqual(shuffle(full!.values, rng), expected);
  partial!.expected.forEach((expected, i) => {
    const count = i + 1;
    const prefix = shuffledPrefix(partial!.values.length, count, Xoshiro256.fromString(partial!.seed));
    assert.deepEqual(
      prefix.map((index) => partial!.values[index]),
      expected,
    );
  });
});

test('property: shuffledPrefix equals the prefix of the reference shuffle', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.string(), (n, c, seed) => {
      const count = (c % n) + 1;
      const items = Array.from({ length: n }, (_, i) => i);
      const expected = shuffle(items, Xoshiro256.fromString(seed)).slice(0, count);
      assert.deepEqual(shuffledPrefix(n, count, Xoshiro256.fromString(seed)), expected);
    }),
  );
});

test('chooseDegree, design 1 (bc-ur test_choose_degree): a fresh rng "Wolf-<nonce>" per draw', () => {
  const v = bcUr.chooseDegree[0]!;
  assert.equal(v.expected.length, 200);
  const got = v.expected.map((_, i) => chooseDegree(v.seqLen, Xoshiro256.fromString(`Wolf-${i + 1}`)));
  assert.deepEqual(got, v.expected);
});

test('chooseDegree, design 2 (bcr-2024-001 testDegreeChooser): one rng "Wolf", 1000 draws', () => {
  const v = bcUr.chooseDegree[1]!;
  assert.equal(v.expected.length, 1000);
  const rng = Xoshiro256.fromString('Wolf');
  const got = v.expected.map(() => chooseDegree(v.seqLen, rng));
  assert.deepEqual(got, v.expected);
  const histogram = new Array(v.seqLen).fill(0);
  for (const d of got) histogram[d - 1]++;
  assert.deepEqual(histogram, v.expectedHistogram);
});

test('chooseFragments vector (50 parts of makeMessage(1024), fragments 10..100)', () => {
  const v = bcUr.chooseFragments;
  const message = makeMessage(1024);
  const checksum = crc32(message);
  const fragmentLen = findNominalFragmentLength(1024, 10, 100);
  assert.equal(partitionMessage(message, fragmentLen).length, v.seqLen);
  v.expected.forEach((expected, i) => {
    assert.deepEqual(chooseFragments(i + 1, v.seqLen, checksum), expected, `seqNum ${i + 1}`);
  });
});

test('part CBOR vector (bcr-2024-001 testCBOR) and its strict decoding', () => {
  for (const v of bcUr.partCbor) {
    const fields = { seqNum: v.seqNum, seqLen: v.seqLen, messageLen: v.messageLen, checksum: v.checksum };
    const part: FountainPart = { ...fields, data: fromHex(v.dataHex) };
    assert.equal(hex(encodePartCbor(part)), v.cborHex);
    const back = decodePartCbor(fromHex(v.cborHex));
    assert.deepEqual({ ...back, data: hex(back.data) }, { ...fields, data: v.dataHex });
  }
  const bad = [
    '840c0818641a12345678', // 4 items
    '850c0818641a123456784501050303', // data runs short
    '850c0818641a1234567840', // empty data
    '850c0818641b00000001000000004501050303', // checksum >= 2^32
    '850c18081864', // truncated
    '850c0818641a12345678450105030305ff', // trailing byte
    '850c1808 18641a12345678450105030305'.replace(' ', ''), // 8 encoded in two bytes: not canonical
    '9f0c0818641a12345678450105030305ff', // indefinite array
    '850c0818641a12345678650105030305', // data as a text string
    'a10102', // a map
  ];
  for (const cborHex of bad) {
    assert.throws(
      () => decodePartCbor(fromHex(cborHex)),
      (e: unknown) => e instanceof UrError && e.code === 'UR_CBOR',
      cborHex,
    );
  }
});

test('fountain encoder vector: the first 20 parts of makeMessage(256), fragments up to 30', () => {
  const v = bcUr.fountainEncoder;
  const message = makeMessage(v.messageLen);
  assert.equal(hex(message), v.messageHex);
  const encoder = new FountainEncoder(message, {
    maxFragmentLength: v.maxFragmentLen,
    firstSeqNum: v.firstSeqNum,
  });
  assert.equal(v.parts.length, 20);
  for (const expected of v.parts) {
    const part = encoder.nextPart();
    assert.deepEqual(
      { seqNum: part.seqNum, seqLen: part.seqLen, messageLen: part.messageLen, checksum: part.checksum },
      {
        seqNum: expected.seqNum,
        seqLen: expected.seqLen,
        messageLen: expected.messageLen,
        checksum: expected.checksum,
      },
    );
    assert.equal(hex(part.data), expected.dataHex, `data of part ${expected.seqNum}`);
    assert.equal(hex(encodePartCbor(part)), expected.cborHex, `CBOR of part ${expected.seqNum}`);
  }
});

function decoderFor(encoder: FountainEncoder): FountainDecoder {
  return new FountainDecoder({
    seqLen: encoder.seqLen,
    messageLen: encoder.messageLen,
    checksum: encoder.checksum,
    fragmentLen: encoder.fragmentLen,
  });
}

test('round trip (bc-ur test_fountain_decoder): 32767 bytes, fragments of 1000, first seqNum 100', () => {
  const v = bcUr.roundTripOnly.find((r) => r.what.startsWith('fountain'))!;
  const message = makeMessage(32767);
  const encoder = new FountainEncoder(message, {
    maxFragmentLength: v.maxFragmentLen,
    firstSeqNum: v.firstSeqNum,
  });
  const decoder = decoderFor(encoder);
  let sent = 0;
  // Every part is past seqLen, so every one is mixed: only the peeling recovers the fragments.
  while (decoder.status === 'receiving') {
    const part = encoder.nextPart();
    assert.ok(part.seqNum > part.seqLen);
    decoder.receive(part);
    sent++;
    assert.ok(sent < 10 * encoder.seqLen, 'decoder did not converge');
  }
  assert.equal(decoder.status, 'complete');
  assert.deepEqual(decoder.result(), message);
});

test('decoder: duplicates and parts implied by known fragments are "duplicate"', () => {
  const message = makeMessage(256);
  const encoder = new FountainEncoder(message, { maxFragmentLength: 30 });
  const parts = Array.from({ length: 30 }, () => encoder.nextPart());
  const decoder = decoderFor(encoder);
  assert.equal(decoder.receive(parts[0]!), 'accepted');
  assert.equal(decoder.receive(parts[0]!), 'duplicate');
  assert.equal(decoder.knownFragments, 1);
  for (const p of parts.slice(1, 9)) decoder.receive(p);
  assert.equal(decoder.status, 'complete');
  assert.deepEqual(decoder.result(), message);
  // After completion nothing more is taken.
  assert.equal(decoder.receive(parts[20]!), 'duplicate');
});

test('decoder: a forged fragment with the right framing ends in checksum-mismatch, no result', () => {
  const message = makeMessage(256);
  const encoder = new FountainEncoder(message, { maxFragmentLength: 30 });
  const decoder = decoderFor(encoder);
  for (let i = 0; i < encoder.seqLen; i++) {
    const part = encoder.nextPart();
    const data = i === 3 ? part.data.map((b) => b ^ 1) : part.data;
    decoder.receive({ ...part, data });
  }
  assert.equal(decoder.status, 'checksum-mismatch');
  assert.equal(decoder.result(), null);
});

test('encoder arguments are checked and named', () => {
  const cases: [() => unknown, string][] = [
    [() => new FountainEncoder(new Uint8Array(0)), 'message'],
    [() => new FountainEncoder(new Uint8Array(10), { maxFragmentLength: 0 }), 'maxFragmentLength'],
    [() => new FountainEncoder(new Uint8Array(10), { minFragmentLength: 0 }), 'minFragmentLength'],
    [() => new FountainEncoder(new Uint8Array(10), { firstSeqNum: -1 }), 'firstSeqNum'],
    [() => new FountainEncoder(new Uint8Array(10), { firstSeqNum: 2 ** 32 }), 'firstSeqNum'],
  ];
  for (const [f, name] of cases) {
    assert.throws(
      f,
      (e: unknown) => e instanceof UrError && e.code === 'UR_ARGUMENT' && e.message.includes(name),
    );
  }
  assert.throws(
    () => new FountainEncoder(new Uint8Array(70000), { maxFragmentLength: 1, minFragmentLength: 1 }),
    (e: unknown) => e instanceof UrError && e.code === 'UR_TOO_LARGE',
  );
});

test('seqNum wraps from 2^32 - 1 to 1', () => {
  const encoder = new FountainEncoder(makeMessage(100), { maxFragmentLength: 30, firstSeqNum: 2 ** 32 - 2 });
  assert.equal(encoder.nextPart().seqNum, 2 ** 32 - 1);
  assert.equal(encoder.nextPart().seqNum, 1);
});
