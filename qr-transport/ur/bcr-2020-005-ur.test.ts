/**
 * BCR-2020-005 Uniform Resources with BCR-2024-001 multipart, through the public API (index.ts):
 * the single-part and 20-part vectors of bc-ur / URKit, the reference round trip, and the decoder's
 * rules: first part fixes the transfer, foreign and corrupt parts are ignored, hostile parts within the
 * caps, the message checksum, progress, and the typed errors of the throwing calls.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bcUr, fromHex, hex, makeMessage } from './bc-ur-vectors.node.js';
import { encodeBytewords } from './bytewords.js';
import { encodePartCbor, FountainEncoder } from './fountain-encoder.js';
import {
  cborBytes,
  cborBytesValue,
  decodeUr,
  encodeUr,
  UrDecoder,
  UrError,
  UrFountainEncoder,
} from './index.js';

const isUrError = (code: string) => (e: unknown) => e instanceof UrError && e.code === code;

/** A multipart part text with arbitrary fields, correctly framed (valid Bytewords CRC). */
function forgePart(
  type: string,
  fields: { seqNum: number; seqLen: number; messageLen: number; checksum: number; data: Uint8Array },
  path = `${fields.seqNum}-${fields.seqLen}`,
): string {
  return `ur:${type}/${path}/${encodeBytewords(encodePartCbor(fields), 'minimal')}`;
}

test('single-part UR vectors decode, and re-encode identically', () => {
  assert.equal(bcUr.singlePartUr.length, 2);
  for (const v of bcUr.singlePartUr) {
    const { type, cbor } = decodeUr(v.ur);
    assert.equal(type, v.type);
    assert.equal(hex(cbor), v.cborHex);
    assert.equal(encodeUr(type, cbor), v.ur);
    assert.deepEqual(decodeUr(v.ur.toUpperCase()), { type, cbor });
    if (v.messageHex !== undefined) {
      assert.equal(hex(cborBytesValue(cbor)), v.messageHex);
      assert.deepEqual(cborBytesValue(cbor), makeMessage(v.messageLen!));
      assert.equal(encodeUr('bytes', cborBytes(makeMessage(v.messageLen!))), v.ur);
    }
  }
});

test("the spec's illustrative single-part UR decodes; its multipart example is part 1 of 3", () => {
  const v = bcUr.illustrativeUrFromSpec;
  const { type, cbor } = decodeUr(v.singlePart);
  assert.equal(type, 'seed');
  assert.equal(hex(cbor), v.singlePartCborHex);
  assert.throws(() => decodeUr(v.multiPart), isUrError('UR_INVALID'));
  const decoder = new UrDecoder();
  assert.equal(decoder.receive(v.multiPart), 'accepted');
  assert.equal(decoder.progress().state, 'receiving');
  assert.equal(decoder.progress().framesStillExpected, 2);
  assert.throws(() => decoder.result(), isUrError('UR_INCOMPLETE'));
});

test('multipart UR vector: encoding gives exactly the 20 parts; the first 9 decode', () => {
  const v = bcUr.multipartUr;
  const cbor = fromHex(v.cborHex);
  assert.deepEqual(cbor, cborBytes(makeMessage(v.messageLen)));
  const encoder = new UrFountainEncoder(v.type, cbor, {
    maxFragmentLength: v.maxFragmentLen,
    firstSeqNum: v.firstSeqNum,
  });
  assert.equal(encoder.fragmentCount, 9);
  assert.equal(encoder.isSinglePart, false);
  assert.deepEqual(
    Array.from({ length: 20 }, () => encoder.nextPart()),
    v.parts,
  );
  const decoder = new UrDecoder();
  const verdicts = v.parts.slice(0, 9).map((p) => decoder.receive(p));
  assert.deepEqual(verdicts, new Array(9).fill('accepted'));
  assert.ok(decoder.isComplete());
  assert.deepEqual(decoder.result(), { type: 'bytes', cbor });
  assert.equal(hex(cborBytesValue(decoder.result().cbor)), v.messageHex);
  assert.equal(decoder.receive(v.parts[10]!), 'done');
});

test('multipart UR vector, upper case and in reverse order, with the mixed parts', () => {
  const v = bcUr.multipartUr;
  const decoder = new UrDecoder();
  for (const p of [...v.parts].reverse()) {
    decoder.receive(p.toUpperCase());
    if (decoder.isComplete()) break;
  }
  assert.ok(decoder.isComplete());
  assert.equal(hex(decoder.result().cbor), v.cborHex);
});

test('round trip (bc-ur test_multipart_ur): makeMessageUR(32767), fragments of 1000, first seqNum 100', () => {
  const v = bcUr.roundTripOnly.find((r) => r.what.startsWith('UR'))!;
  const cbor = cborBytes(makeMessage(32767));
  const encoder = new UrFountainEncoder('bytes', cbor, {
    maxFragmentLength: v.maxFragmentLen,
    firstSeqNum: v.firstSeqNum,
  });
  const decoder = new UrDecoder();
  let sent = 0;
  while (!decoder.isComplete()) {
    const part = encoder.nextPart();
    assert.match(part, /^ur:bytes\/(\d+)-33\//);
    decoder.receive(part);
    assert.ok(++sent < 330, 'decoder did not converge');
  }
  assert.deepEqual(decoder.result(), { type: 'bytes', cbor });
});

test('a small CBOR is one part: the single-part UR, repeated', () => {
  const cbor = cborBytes(new Uint8Array([1, 2, 3]));
  const encoder = new UrFountainEncoder('bytes', cbor);
  assert.equal(encoder.isSinglePart, true);
  assert.equal(encoder.fragmentCount, 1);
  const single = encodeUr('bytes', cbor);
  assert.equal(encoder.nextPart(), single);
  assert.equal(encoder.nextPart(), single);
  const decoder = new UrDecoder();
  assert.equal(decoder.receive(single.toUpperCase()), 'accepted');
  assert.deepEqual(decoder.result(), { type: 'bytes', cbor });
  assert.deepEqual(decoder.progress(), {
    state: 'complete',
    format: 'ur',
    percent: 100,
    framesAccepted: 1,
    framesIgnored: 0,
    framesStillExpected: 0,
    error: null,
  });
});

test('the first part fixes the transfer: other types and other messages are foreign', () => {
  const a = new UrFountainEncoder('bytes', cborBytes(makeMessage(500, 'A')), { maxFragmentLength: 50 });
  const b = new UrFountainEncoder('bytes', cborBytes(makeMessage(500, 'B')), { maxFragmentLength: 50 });
  const psbtA = new UrFountainEncoder('crypto-psbt', cborBytes(makeMessage(500, 'A')), {
    maxFragmentLength: 50,
  });
  const otherLength = new UrFountainEncoder('bytes', cborBytes(makeMessage(500, 'A')), {
    maxFragmentLength: 60,
  });
  const decoder = new UrDecoder();
  assert.deepEqual(decoder.progress().state, 'waiting');
  assert.equal(decoder.receive(a.nextPart()), 'accepted');
  assert.equal(decoder.receive(b.nextPart()), 'foreign');
  assert.equal(decoder.receive(psbtA.nextPart()), 'foreign');
  assert.equal(decoder.receive(otherLength.nextPart()), 'foreign');
  // A single-part UR of another message is foreign too; one of this message completes it.
  assert.equal(decoder.receive(encodeUr('bytes', cborBytes(makeMessage(10)))), 'foreign');
  assert.equal(decoder.receive(encodeUr('crypto-psbt', cborBytes(makeMessage(500, 'A')))), 'foreign');
  const p = decoder.progress();
  assert.equal(p.framesAccepted, 1);
  assert.equal(p.framesIgnored, 5);
  assert.equal(decoder.receive(encodeUr('bytes', cborBytes(makeMessage(500, 'A')))), 'accepted');
  assert.deepEqual(decoder.result(), { type: 'bytes', cbor: cborBytes(makeMessage(500, 'A')) });
});

test('corrupt frames: not a UR, bad Bytewords CRC, bad CBOR, path disagreeing with CBOR', () => {
  const encoder = new UrFountainEncoder('bytes', cborBytes(makeMessage(300)), { maxFragmentLength: 40 });
  const part = encoder.nextPart();
  const body = part.slice(part.lastIndexOf('/') + 1);
  const flipped = body.slice(0, 10) + (body[10] === 'a' ? 'b' : 'a') + body.slice(11);
  const corrupt = [
    '',
    'hello',
    'ur:',
    'ur:bytes',
    'ur:bytes/',
    'ur:bytes/1-9/',
    part.replace(body, flipped),
    part.replace('/1-', '/2-'),
    part.replace('/1-', '/01-'),
    part.replace('ur:bytes', 'ur:by_tes'),
    part.replace('ur:', 'urn:'),
    `${part}/extra`,
    `ur:bytes/1-9/${encodeBytewords(new Uint8Array([0x83, 1, 2, 3]), 'minimal')}`,
    `ur:bytes/1-9/${encodeBytewords(fromHex('8501091901001a0167aa07401d'), 'minimal')}`,
    `${part} `,
    part.replace('ur:', 'ür:'),
  ];
  const decoder = new UrDecoder();
  for (const text of corrupt)
    assert.equal(decoder.receive(text), 'corrupt', JSON.stringify(text.slice(0, 40)));
  assert.equal(decoder.progress().state, 'waiting');
  assert.equal(decoder.progress().framesIgnored, corrupt.length);
  assert.equal(decoder.receive(part), 'accepted');
  assert.equal(decoder.receive(part.toUpperCase()), 'duplicate');
});

test('hostile parts within the framing are refused by the caps and consistency checks', () => {
  const data = new Uint8Array(10);
  const hostile = [
    { seqNum: 1, seqLen: 70000, messageLen: 700000, checksum: 1, data }, // seqLen above 65536
    { seqNum: 1, seqLen: 2, messageLen: 16 * 1024 * 1024 + 1, checksum: 1, data }, // message above 16 MiB
    { seqNum: 1, seqLen: 3, messageLen: 10, checksum: 1, data }, // 10 bytes are 1 fragment of 10, not 3
    { seqNum: 1, seqLen: 1, messageLen: 5, checksum: 1, data }, // fragment longer than the message
    { seqNum: 1, seqLen: 1, messageLen: 0, checksum: 1, data: new Uint8Array(0) },
    { seqNum: 0, seqLen: 1, messageLen: 10, checksum: 1, data },
  ];
  const decoder = new UrDecoder();
  for (const fields of hostile) {
    const path = `${Math.max(1, fields.seqNum)}-${fields.seqLen}`;
    assert.equal(
      decoder.receive(forgePart('bytes', fields, path)),
      'corrupt',
      JSON.stringify({ ...fields, data: 0 }),
    );
  }
  assert.equal(decoder.progress().state, 'waiting');
  // A huge seqNum is fine: the fragments are chosen from it in O(seqLen).
  const encoder = new UrFountainEncoder('bytes', cborBytes(makeMessage(300)), {
    maxFragmentLength: 40,
    firstSeqNum: 2 ** 32 - 5,
  });
  assert.equal(decoder.receive(encoder.nextPart()), 'accepted');
});

test('forged mixed parts at the largest seqLen are taken without throwing, within the caps', () => {
  const decoder = new UrDecoder();
  const data = new Uint8Array(256);
  const fields = { seqLen: 65536, messageLen: 65536 * 256, checksum: 0x12345678, data };
  for (let i = 0; i < 20; i++) {
    const verdict = decoder.receive(forgePart('bytes', { ...fields, seqNum: 2 ** 32 - 1 - i }));
    assert.ok(verdict === 'accepted' || verdict === 'duplicate', verdict);
  }
  const p = decoder.progress();
  assert.equal(p.state, 'receiving');
  assert.ok(p.framesStillExpected! >= 65536 - 20);
  assert.equal(
    decoder.receive(forgePart('bytes', { ...fields, seqLen: 65537, messageLen: 65537 * 256, seqNum: 1 })),
    'corrupt',
  );
});

test('a part forged with valid framing makes the transfer fail on the message checksum, not throw', () => {
  const message = cborBytes(makeMessage(300));
  const fountain = new FountainEncoder(message, { maxFragmentLength: 40 });
  const decoder = new UrDecoder();
  for (let i = 0; i < fountain.seqLen; i++) {
    const part = fountain.nextPart();
    const data = i === 2 ? part.data.map((b) => b ^ 0x80) : part.data;
    assert.equal(decoder.receive(forgePart('bytes', { ...part, data })), 'accepted');
  }
  const p = decoder.progress();
  assert.equal(p.state, 'failed');
  assert.equal(p.error?.code, 'UR_CHECKSUM');
  assert.match(p.error!.message, /checksum/);
  assert.equal(decoder.isComplete(), false);
  assert.throws(() => decoder.result(), isUrError('UR_CHECKSUM'));
  assert.equal(decoder.receive(forgePart('bytes', fountain.nextPart())), 'done');
});

test('progress: percent rises, framesStillExpected is a lower bound that reaches 0', () => {
  const cbor = cborBytes(makeMessage(2000));
  const encoder = new UrFountainEncoder('bytes', cbor, { maxFragmentLength: 100 });
  const decoder = new UrDecoder();
  assert.deepEqual(decoder.progress(), {
    state: 'waiting',
    format: 'ur',
    percent: 0,
    framesAccepted: 0,
    framesIgnored: 0,
    framesStillExpected: null,
    error: null,
  });
  let last = 0;
  const bounds: number[] = [];
  while (!decoder.isComplete()) {
    decoder.receive(encoder.nextPart());
    const after = decoder.progress();
    if (after.state === 'receiving') {
      assert.ok(after.percent >= last && after.percent <= 99);
      last = after.percent;
      assert.ok(after.framesStillExpected! >= 1);
      bounds.push(after.framesStillExpected!);
    }
  }
  const frames = bounds.length + 1;
  // Lower bound: after frame i (1-based), completing took at least bounds[i-1] more frames.
  bounds.forEach((bound, i) => {
    assert.ok(frames - (i + 1) >= bound, `after frame ${i + 1}`);
  });
  assert.ok(frames >= encoder.fragmentCount);
  assert.equal(decoder.progress().percent, 100);
  assert.equal(decoder.progress().framesStillExpected, 0);
});

test('encodeUr / decodeUr / cborBytesValue refuse with typed errors', () => {
  assert.throws(() => encodeUr('Bytes', cborBytes(new Uint8Array(1))), isUrError('UR_ARGUMENT'));
  assert.throws(() => encodeUr('', cborBytes(new Uint8Array(1))), isUrError('UR_ARGUMENT'));
  assert.throws(() => encodeUr('bytes', new Uint8Array(0)), isUrError('UR_ARGUMENT'));
  assert.throws(() => new UrFountainEncoder('by tes', new Uint8Array(1)), isUrError('UR_ARGUMENT'));
  assert.throws(() => decodeUr('bytes/aeadaolazmjendeoti'), isUrError('UR_INVALID'));
  assert.throws(() => decodeUr('ur:bytes/aeadaolazmjendeowf'), isUrError('UR_CHECKSUM'));
  assert.throws(() => decodeUr('ur:bytes/aeadaolazmjendeoxx'), isUrError('UR_BYTEWORDS'));
  assert.throws(() => decodeUr('ur:bytes/1-2/aeadaolazmjendeoti'), isUrError('UR_INVALID'));
  assert.throws(() => decodeUr(`ur:bytes/${'ae'.repeat(17 * 1024 * 1024)}`), isUrError('UR_TOO_LARGE'));
  assert.throws(() => cborBytesValue(fromHex('8102')), isUrError('UR_CBOR'));
  assert.throws(() => cborBytesValue(fromHex('4301')), isUrError('UR_CBOR'));
  assert.throws(() => cborBytesValue(fromHex('420102ff')), isUrError('UR_CBOR'));
  assert.throws(() => cborBytesValue(fromHex('5801ff')), isUrError('UR_CBOR')); // not shortest form
  assert.throws(() => cborBytesValue(fromHex('5f41ffff')), isUrError('UR_CBOR')); // indefinite
  assert.throws(() => cborBytesValue(fromHex('6161')), isUrError('UR_CBOR')); // text string
  assert.throws(() => cborBytesValue(new Uint8Array(0)), isUrError('UR_CBOR'));
  assert.deepEqual(cborBytesValue(fromHex('40')), new Uint8Array(0));
  assert.throws(() => new UrDecoder().result(), isUrError('UR_INCOMPLETE'));
});

test('receive() never throws, whatever it is given', () => {
  const decoder = new UrDecoder();
  const odd: unknown[] = [undefined, null, 42, {}, [], Symbol('x'), 'ur:bytes/1-1/'.repeat(1000)];
  for (const x of odd) assert.equal(decoder.receive(x as string), 'corrupt');
});
