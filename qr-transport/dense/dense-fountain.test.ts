/**
 * The dense transfer end to end (encoder.ts, decoder.ts, fountain.ts, fountain-gf2.ts, gf256.ts;
 * docs/transport.md "Fountain code"): the field GF(2^8) / 0x11d, the documented derivation of the
 * GF(256) coefficients and GF(2) subsets, round trips from 1 byte to 1 MB, any order, duplicates,
 * loss, frames of other transfers and damaged frames in the stream, compression on and off, hostile
 * frames, version-1 frames, the GF(2) code of large transfers, and the loss overhead target: at 20%
 * random loss the receiver needs on average at most 1.1 times the ideal K / (1 - loss) frames, at
 * every K >= 5, and any K distinct frames decode with probability >= 0.98.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { crc32 } from '../crc32.js';
import { DenseDecoder } from './decoder.js';
import { DenseEncoder } from './encoder.js';
import { combineFragmentsGf256, REPAIR_TAG, repairCoefficients } from './fountain.js';
import { frameCoefficients, GF2_REPAIR_TAG } from './fountain-gf2.js';
import { DENSE_LIMITS, parseDenseFrame } from './frame.js';
import { GF_EXP, GF_INV, GF_LOG, GF256_POLYNOMIAL, gfMul } from './gf256.js';

/** mulberry32: a small seeded PRNG, so every statistical test is reproducible. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomPayload(n: number, rnd: () => number): Uint8Array {
  const p = new Uint8Array(n);
  for (let i = 0; i < n; i++) p[i] = Math.floor(rnd() * 256);
  return p;
}

/** A batch-like JSON document of about `n` withdrawals (compresses well, as real batches do). */
function batchJson(n: number): Uint8Array {
  const withdrawals = Array.from({ length: n }, (_, i) => ({
    id: `w-${i}`,
    chain: i % 2 ? 'bitcoin' : 'ethereum',
    destination: `bc1q${(i * 7919).toString(36).padStart(38, 'x')}`,
    amount: String(1000 + i * 13),
    rawTx: randomBytes(180).toString('base64'),
  }));
  return new TextEncoder().encode(JSON.stringify({ version: 1, withdrawals }));
}

/** Shows frames in order, dropping each with probability `loss`; returns how many were shown. */
function transmit(
  enc: DenseEncoder,
  dec: DenseDecoder,
  loss: number,
  rnd: () => number,
  maxShown: number,
): number {
  let shown = 0;
  while (!dec.isComplete()) {
    const frame = enc.nextFrame();
    shown++;
    if (shown > maxShown) throw new Error(`not complete after ${maxShown} frames`);
    if (rnd() < loss) continue;
    dec.receive(frame);
  }
  return shown;
}

test('an empty payload is refused with DENSE_EMPTY_PAYLOAD', () => {
  assert.throws(() => new DenseEncoder(new Uint8Array(0)), {
    code: 'DENSE_EMPTY_PAYLOAD',
    name: 'DenseError',
  });
});

test('round trips without loss need exactly the K plain frames: 1 B, 1 kB, 100 kB, 1 MB', () => {
  const rnd = prng(1);
  for (const n of [1, 1000, 100_000, 1_000_000]) {
    for (const payload of [
      randomPayload(n, rnd),
      n >= 1000 ? batchJson(Math.ceil(n / 400)) : randomPayload(n, rnd),
    ]) {
      const enc = new DenseEncoder(payload);
      const dec = new DenseDecoder();
      for (let i = 0; i < enc.fragmentCount; i++) {
        assert.equal(dec.isComplete(), false);
        assert.equal(dec.receive(enc.nextFrame()), 'accepted');
      }
      assert.ok(dec.isComplete(), `${payload.length} bytes: complete after K = ${enc.fragmentCount} frames`);
      assert.deepEqual(dec.result().payload, payload);
      assert.equal(dec.receive(enc.nextFrame()), 'done');
    }
  }
});

test('1 MB batch-like JSON through 20% loss', () => {
  const payload = batchJson(2900);
  assert.ok(payload.length > 1_000_000);
  const enc = new DenseEncoder(payload);
  assert.equal(enc.params.compressed, true);
  const dec = new DenseDecoder();
  transmit(enc, dec, 0.2, prng(2), 4 * enc.fragmentCount);
  assert.deepEqual(dec.result().payload, payload);
  assert.equal(dec.result().compressed, true);
});

test('frames in any order, plain and repair mixed, and a receiver that starts late (repair frames only)', () => {
  const rnd = prng(3);
  for (let trial = 0; trial < 20; trial++) {
    const payload = randomPayload(500 + Math.floor(rnd() * 3000), rnd);
    const enc = new DenseEncoder(payload, { fragmentLength: 100, compress: false });
    const k = enc.fragmentCount;
    const frames = Array.from({ length: k + 40 }, (_, s) => enc.frame(s));
    for (let i = frames.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [frames[i], frames[j]] = [frames[j]!, frames[i]!];
    }
    const dec = new DenseDecoder();
    for (const f of frames) if (!dec.isComplete()) dec.receive(f);
    assert.deepEqual(dec.result().payload, payload);

    const late = new DenseDecoder();
    let seq = k + 1000 * trial;
    while (!late.isComplete()) late.receive(enc.frame(seq++));
    assert.ok(seq - (k + 1000 * trial) <= k + 20, 'repair frames alone decode with a few frames of overhead');
    assert.deepEqual(late.result().payload, payload);
  }
});

test('duplicates are reported and change nothing', () => {
  const payload = randomPayload(1000, prng(4));
  const enc = new DenseEncoder(payload, { fragmentLength: 100, compress: false });
  const dec = new DenseDecoder();
  const f0 = enc.frame(0);
  assert.equal(dec.receive(f0), 'accepted');
  assert.equal(dec.receive(f0), 'duplicate');
  assert.equal(dec.receive(f0.slice()), 'duplicate');
  assert.equal(dec.progress().framesStillExpected, 9);
  for (let s = 1; s < 10; s++) dec.receive(enc.frame(s));
  assert.ok(dec.isComplete());
  assert.deepEqual(dec.result().payload, payload);
  assert.deepEqual(
    { accepted: dec.progress().framesAccepted, ignored: dec.progress().framesIgnored },
    { accepted: 10, ignored: 2 },
  );
});

test('GF(2) repair subsets: about K/2 fragments each, reproducible from (digest, seqNum), plain frames a single bit', () => {
  const digest = new Uint8Array(32).fill(9);
  const k = 1000;
  let total = 0;
  for (let s = k; s < k + 200; s++) {
    const row = frameCoefficients(digest, k, s);
    assert.deepEqual(row, frameCoefficients(digest, k, s));
    let bits = 0;
    for (let i = 0; i < k; i++) bits += (row[i >>> 5]! >>> (i & 31)) & 1;
    for (let i = k; i < row.length * 32; i++) assert.equal((row[i >>> 5]! >>> (i & 31)) & 1, 0);
    total += bits;
  }
  const mean = total / 200;
  assert.ok(mean > 480 && mean < 520, `mean subset size ${mean}, expected about 500`);
  const plain = frameCoefficients(digest, k, 37);
  assert.equal(plain[1], 1 << 5);
  assert.equal(
    plain.reduce((a, w) => a + (w === 0 ? 0 : 1), 0),
    1,
  );
  assert.notDeepEqual(frameCoefficients(new Uint8Array(32).fill(8), k, k), frameCoefficients(digest, k, k));
});

test('GF(2) repair subsets follow the documented derivation: bit i of SHA-256(tag ‖ digest ‖ s ‖ block) ...', () => {
  // An independent reading of docs/transport.md "Fountain code", with node:crypto.
  function documented(digest: Uint8Array, k: number, s: number): number[] {
    const stream: number[] = [];
    for (let block = 0; stream.length < k; block++) {
      const be = Buffer.alloc(8);
      be.writeUInt32BE(s, 0);
      be.writeUInt32BE(block, 4);
      const h = createHash('sha256').update(GF2_REPAIR_TAG, 'ascii').update(digest).update(be).digest();
      for (const byte of h) for (let bit = 0; bit < 8; bit++) stream.push((byte >> bit) & 1);
    }
    const subset = stream.slice(0, k).flatMap((b, i) => (b ? [i] : []));
    return subset.length > 0 ? subset : [s % k];
  }
  const members = (row: Uint32Array, k: number): number[] =>
    Array.from({ length: k }, (_, i) => i).filter((i) => (row[i >>> 5]! >>> (i & 31)) & 1);
  const digest = createHash('sha256').update('abc').digest();
  for (const k of [1, 2, 3, 31, 32, 33, 255, 256, 257, 1000]) {
    for (const s of [k, k + 1, k + 7, 4_000_000_000]) {
      assert.deepEqual(
        members(frameCoefficients(digest, k, s), k),
        documented(digest, k, s),
        `K=${k} s=${s}`,
      );
    }
  }
});

test('GF(2) (repairField gf2): any K + m distinct frames decode with probability about 1 - 2^-m', () => {
  const k = 30;
  let atK2 = 0;
  let atK10 = 0;
  const trials = 200;
  for (let t = 0; t < trials; t++) {
    const rnd = prng(1000 + t);
    const enc = new DenseEncoder(randomPayload(k * 8, rnd), {
      fragmentLength: 8,
      compress: false,
      repairField: 'gf2',
    });
    // K + 10 distinct sequence numbers drawn from the first 3K (plain and repair alike).
    const pool = Array.from({ length: 3 * k }, (_, i) => i);
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    const dec = new DenseDecoder();
    for (const s of pool.slice(0, k + 2)) dec.receive(enc.frame(s));
    if (dec.isComplete()) atK2++;
    for (const s of pool.slice(k + 2, k + 10)) dec.receive(enc.frame(s));
    if (dec.isComplete()) atK10++;
  }
  assert.ok(atK2 / trials >= 0.65, `K+2 decoded ${atK2}/${trials}`);
  assert.ok(atK10 / trials >= 0.98, `K+10 decoded ${atK10}/${trials}`);
});

/** Carry-less product reduced by x^8 + x^4 + x^3 + x^2 + 1: the field's definition, bit by bit. */
function slowMul(a: number, b: number): number {
  let p = 0;
  for (let i = 0; i < 8; i++) if ((b >> i) & 1) p ^= a << i;
  for (let bit = 15; bit >= 8; bit--) if ((p >> bit) & 1) p ^= 0x11d << (bit - 8);
  return p;
}

test('GF(2^8) / 0x11d: the product table is the carry-less product mod the polynomial; 2 generates the group', () => {
  assert.equal(GF256_POLYNOMIAL, 0x11d);
  for (let a = 0; a < 256; a++) for (let b = 0; b < 256; b++) assert.equal(gfMul(a, b), slowMul(a, b));
  const seen = new Set<number>();
  for (let i = 0; i < 255; i++) {
    seen.add(GF_EXP[i]!);
    assert.equal(GF_LOG[GF_EXP[i]!], i);
  }
  assert.equal(seen.size, 255, 'α = 2 is primitive');
  for (let a = 1; a < 256; a++) assert.equal(gfMul(a, GF_INV[a]!), 1);
});

test('GF(256) coefficients follow the documented derivation: the non-zero bytes of SHA-256(tag ‖ digest ‖ s ‖ block) ...', () => {
  // An independent reading of docs/transport.md "Fountain code", with node:crypto.
  function documented(digest: Uint8Array, k: number, s: number): number[] {
    const out: number[] = [];
    for (let block = 0; out.length < k; block++) {
      const be = Buffer.alloc(8);
      be.writeUInt32BE(s, 0);
      be.writeUInt32BE(block, 4);
      const h = createHash('sha256').update(REPAIR_TAG, 'ascii').update(digest).update(be).digest();
      for (const byte of h) if (byte !== 0 && out.length < k) out.push(byte);
    }
    return out;
  }
  assert.equal(REPAIR_TAG, 'airlock-dense-v2/repair');
  const digest = createHash('sha256').update('abc').digest();
  for (const k of [1, 2, 3, 31, 32, 33, 255, 256, 257, 1000]) {
    for (const s of [k, k + 1, k + 7, 4_000_000_000]) {
      assert.deepEqual([...repairCoefficients(digest, k, s)], documented(digest, k, s), `K=${k} s=${s}`);
    }
  }
  assert.notDeepEqual(
    repairCoefficients(new Uint8Array(32).fill(8), 50, 50),
    repairCoefficients(digest, 50, 50),
  );
  assert.throws(() => repairCoefficients(digest, 10, 9), RangeError);
});

test('a GF(256) repair frame carries Σ c_i · fragment_i, byte by byte (checked with the slow product)', () => {
  const rnd = prng(12);
  const payload = randomPayload(1000, rnd);
  const enc = new DenseEncoder(payload, { fragmentLength: 100, compress: false });
  assert.equal(enc.params.repairField, 'gf256');
  const k = enc.fragmentCount;
  const len = enc.params.fragmentLength;
  assert.deepEqual([k, len], [10, 100]);
  const words = len / 4;
  const fragments = Array.from({ length: k }, (_, i) => {
    const f = new Uint8Array(len);
    f.set(payload.subarray(i * len, (i + 1) * len));
    return f;
  });
  for (const s of [k, k + 1, k + 1000]) {
    const parsed = parseDenseFrame(enc.frame(s));
    assert.ok(parsed.ok);
    const c = repairCoefficients(enc.params.sha256, k, s);
    assert.ok(c.every((x) => x !== 0));
    const want = new Uint8Array(len);
    for (let i = 0; i < k; i++) for (let j = 0; j < len; j++) want[j]! ^= slowMul(c[i]!, fragments[i]![j]!);
    assert.deepEqual(parsed.frame.data, want, `s=${s}`);
    // The word-wise combination the encoder uses gives the same bytes.
    const acc = new Uint32Array(words);
    combineFragmentsGf256(
      enc.params.sha256,
      s,
      fragments.map((f) => {
        const w = new Uint32Array(words);
        new Uint8Array(w.buffer).set(f);
        return w;
      }),
      acc,
    );
    assert.deepEqual(new Uint8Array(acc.buffer, 0, len), want);
  }
});

test('GF(256): any K distinct frames decode with probability >= 0.98 (K = 11 and 30), any K + 1 almost surely', (t) => {
  const figures: string[] = [];
  for (const k of [11, 30]) {
    const trials = k === 11 ? 1000 : 300;
    let atK = 0;
    let atK1 = 0;
    for (let trial = 0; trial < trials; trial++) {
      const rnd = prng(k * 7919 + trial);
      const enc = new DenseEncoder(randomPayload(k * 8, rnd), { fragmentLength: 8, compress: false });
      assert.equal(enc.params.repairField, 'gf256');
      // K + 1 distinct sequence numbers drawn from the first 3K (plain and repair alike).
      const pool = Array.from({ length: 3 * k }, (_, i) => i);
      for (let i = pool.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [pool[i], pool[j]] = [pool[j]!, pool[i]!];
      }
      const dec = new DenseDecoder();
      for (const s of pool.slice(0, k)) dec.receive(enc.frame(s));
      if (dec.isComplete()) atK++;
      dec.receive(enc.frame(pool[k]!));
      if (dec.isComplete()) atK1++;
      if (dec.isComplete()) assert.deepEqual(dec.result().payload.length, k * 8);
    }
    figures.push(`K=${k}: any K decode ${atK}/${trials}, any K+1 ${atK1}/${trials}`);
    assert.ok(atK / trials >= 0.98, `K=${k}: any K decoded ${atK}/${trials}`);
    assert.ok(atK1 / trials >= 0.995, `K=${k}: any K+1 decoded ${atK1}/${trials}`);
  }
  t.diagnostic(figures.join('; '));
});

test('GF(256): a receiver that sees only repair frames (in any order) decodes from K of them, almost always', () => {
  let exactlyK = 0;
  const trials = 100;
  for (let trial = 0; trial < trials; trial++) {
    const rnd = prng(500 + trial);
    const payload = randomPayload(2000, rnd);
    const enc = new DenseEncoder(payload, { fragmentLength: 100, compress: false });
    const dec = new DenseDecoder();
    let used = 0;
    let seq = enc.fragmentCount + Math.floor(rnd() * 1_000_000);
    while (!dec.isComplete()) {
      dec.receive(enc.frame(seq));
      seq += 1 + Math.floor(rnd() * 5);
      used++;
    }
    if (used === enc.fragmentCount) exactlyK++;
    assert.deepEqual(dec.result().payload, payload);
  }
  assert.ok(exactlyK >= 97, `${exactlyK}/${trials} decoded from exactly K repair frames`);
});

test('loss overhead target: at 20% random loss, mean shown frames <= 1.1 x K / 0.8 (K = 5 to 300)', (t) => {
  const loss = 0.2;
  const figures: string[] = [];
  for (const [k, seeds] of [
    [5, 1000],
    [8, 1000],
    [11, 1000],
    [20, 300],
    [50, 200],
    [100, 100],
    [300, 30],
  ] as const) {
    let sum = 0;
    let worst = 0;
    for (let seed = 0; seed < seeds; seed++) {
      const rnd = prng(k * 100_000 + seed);
      const payload = randomPayload(k * 16, rnd);
      const enc = new DenseEncoder(payload, { fragmentLength: 16, compress: false });
      assert.equal(enc.fragmentCount, k);
      const dec = new DenseDecoder();
      const shown = transmit(enc, dec, loss, rnd, 10 * k);
      assert.deepEqual(dec.result().payload, payload);
      const ratio = shown / (k / (1 - loss));
      sum += ratio;
      worst = Math.max(worst, ratio);
    }
    const mean = sum / seeds;
    figures.push(`K=${k}: mean ${mean.toFixed(3)}x, worst ${worst.toFixed(3)}x over ${seeds} seeds`);
    assert.ok(mean <= 1.1, `K=${k}: mean ${mean.toFixed(3)}x the ideal`);
  }
  t.diagnostic(figures.join('; '));
});

test('frames of another transfer interleaved are foreign and never mixed in, even for the same payload', () => {
  const rnd = prng(5);
  const a = randomPayload(5000, rnd);
  const b = randomPayload(5000, rnd);
  const encA = new DenseEncoder(a, { fragmentLength: 200, compress: false });
  const encB = new DenseEncoder(b, { fragmentLength: 200, compress: false });
  const encA2 = new DenseEncoder(a, { fragmentLength: 300, compress: false }); // same digest, other split
  const dec = new DenseDecoder();
  let foreign = 0;
  while (!dec.isComplete()) {
    assert.equal(dec.receive(encA.nextFrame()), 'accepted');
    for (const other of [encB, encA2]) if (dec.receive(other.nextFrame()) === 'foreign') foreign++;
  }
  assert.deepEqual(dec.result().payload, a);
  // The two frames shown after the completing one get 'done'.
  assert.equal(foreign, 2 * (encA.fragmentCount - 1));
});

test('damaged frames in the stream are refused as corrupt (CRC) and the transfer still completes', () => {
  const rnd = prng(6);
  const payload = randomPayload(20_000, rnd);
  const enc = new DenseEncoder(payload, { fragmentLength: 500, compress: false });
  const dec = new DenseDecoder();
  let corrupt = 0;
  while (!dec.isComplete()) {
    let f = enc.nextFrame();
    const r = rnd();
    if (r < 0.2) {
      f = f.slice();
      f[Math.floor(rnd() * f.length)]! ^= 1 << Math.floor(rnd() * 8);
    } else if (r < 0.3) {
      f = f.subarray(0, Math.floor(rnd() * f.length));
    }
    const v = dec.receive(f);
    if (r < 0.3) {
      assert.equal(v, 'corrupt');
      corrupt++;
    }
  }
  assert.ok(corrupt > 0);
  assert.deepEqual(dec.result().payload, payload);
});

test('compression: on by default when smaller, off on request, skipped for incompressible data', () => {
  const json = batchJson(200);
  const on = new DenseEncoder(json);
  const off = new DenseEncoder(json, { compress: false });
  assert.equal(on.params.compressed, true);
  assert.ok(on.fragmentCount < off.fragmentCount);
  assert.equal(off.params.compressed, false);
  const random = randomPayload(10_000, prng(7));
  assert.equal(new DenseEncoder(random).params.compressed, false);
  for (const enc of [on, off]) {
    const dec = new DenseDecoder();
    while (!dec.isComplete()) dec.receive(enc.nextFrame());
    assert.deepEqual(dec.result().payload, json);
  }
});

test('progress: framesStillExpected is K minus the rank and never rises; percent never falls', () => {
  const enc = new DenseEncoder(randomPayload(3000, prng(8)), { fragmentLength: 100, compress: false });
  const dec = new DenseDecoder();
  assert.deepEqual(dec.progress(), {
    state: 'waiting',
    format: 'dense',
    percent: 0,
    framesAccepted: 0,
    framesIgnored: 0,
    framesStillExpected: null,
    error: null,
  });
  const rnd = prng(9);
  let lastStill = Number.POSITIVE_INFINITY;
  let lastPercent = 0;
  while (!dec.isComplete()) {
    const f = enc.nextFrame();
    if (rnd() < 0.3) continue;
    dec.receive(f);
    const p = dec.progress();
    assert.ok(p.framesStillExpected! <= lastStill && p.percent >= lastPercent);
    lastStill = p.framesStillExpected!;
    lastPercent = p.percent;
  }
  assert.equal(dec.progress().state, 'complete');
  assert.equal(dec.progress().percent, 100);
  assert.equal(dec.progress().framesStillExpected, 0);
});

test('result() before completion throws DENSE_INCOMPLETE naming the frames still needed', () => {
  const dec = new DenseDecoder();
  assert.throws(() => dec.result(), { code: 'DENSE_INCOMPLETE', message: /no dense frame/ });
  const enc = new DenseEncoder(randomPayload(1000, prng(10)), { fragmentLength: 100, compress: false });
  dec.receive(enc.frame(0));
  assert.throws(() => dec.result(), { code: 'DENSE_INCOMPLETE', message: /at least 9 more/ });
});

/** Re-seals a frame after editing its data, with a correct CRC: what a hostile sender can do. */
function reseal(frame: Uint8Array): Uint8Array {
  const view = new DataView(frame.buffer, frame.byteOffset);
  view.setUint32(frame.length - 4, crc32(frame, 0, frame.length - 4));
  return frame;
}

test('a forged frame (valid CRC, right digest, wrong data) ends in failed DENSE_DIGEST_MISMATCH, never in wrong data', () => {
  const payload = randomPayload(1000, prng(11));
  const enc = new DenseEncoder(payload, { fragmentLength: 100, compress: false });
  const dec = new DenseDecoder();
  const forged = enc.frame(3).slice();
  forged[60]! ^= 0xff;
  assert.equal(dec.receive(reseal(forged)), 'accepted');
  for (let s = 0; s < 10; s++) dec.receive(enc.frame(s));
  assert.equal(dec.isComplete(), false);
  const p = dec.progress();
  assert.equal(p.state, 'failed');
  assert.equal(p.error?.code, 'DENSE_DIGEST_MISMATCH');
  assert.throws(() => dec.result(), { code: 'DENSE_DIGEST_MISMATCH' });
  assert.equal(dec.receive(enc.frame(20)), 'done');
});

test('a forged compressed transfer that does not inflate to its announced length fails DENSE_INFLATE_FAILED', () => {
  const json = new TextEncoder().encode(
    JSON.stringify(Array.from({ length: 300 }, (_, id) => ({ id, kind: 'w' }))),
  );
  const enc = new DenseEncoder(json, { fragmentLength: 2000 });
  assert.equal(enc.fragmentCount, 1);
  const forged = enc.frame(0).slice();
  // Corrupt the DEFLATE stream's first block header: BTYPE 11 is reserved.
  forged[52] = forged[52]! | 0x06;
  const dec = new DenseDecoder();
  assert.equal(dec.receive(reseal(forged)), 'accepted');
  assert.equal(dec.progress().error?.code, 'DENSE_INFLATE_FAILED');
});

test('encoder limits: payload above 16 MiB, more than 65535 fragments', () => {
  assert.throws(() => new DenseEncoder(new Uint8Array(16 * 1024 * 1024 + 1)), {
    code: 'DENSE_PAYLOAD_TOO_LARGE',
  });
  assert.throws(() => new DenseEncoder(new Uint8Array(70_000), { fragmentLength: 1, compress: false }), {
    code: 'DENSE_TOO_MANY_FRAGMENTS',
  });
});

/** A version-2 frame of the GF(2) code rewritten as the version-1 frame an older Airlock sends. */
function asVersion1(frame: Uint8Array): Uint8Array {
  const f = frame.slice();
  assert.equal(f[2], 2);
  assert.equal(f[3]! & 0x02, 0x02);
  f[2] = 1;
  f[3] = f[3]! & ~0x02;
  return reseal(f);
}

test('large transfers: above 1,000 fragments the encoder mixes in GF(2) (flag bit 1) and still decodes through loss', () => {
  assert.equal(DENSE_LIMITS.maxGf256FragmentCount, 1000);
  const payload = randomPayload(1200, prng(13));
  const enc = new DenseEncoder(payload, { fragmentLength: 1, compress: false });
  assert.equal(enc.fragmentCount, 1200);
  assert.equal(enc.params.repairField, 'gf2');
  assert.equal(enc.frame(0)[3], 0x02);
  const dec = new DenseDecoder();
  transmit(enc, dec, 0.2, prng(14), 4 * enc.fragmentCount);
  assert.deepEqual(dec.result().payload, payload);
  assert.throws(
    () => new DenseEncoder(payload, { fragmentLength: 1, compress: false, repairField: 'gf256' }),
    {
      code: 'DENSE_INVALID_OPTION',
    },
  );
  const at1000 = new DenseEncoder(randomPayload(1000, prng(15)), { fragmentLength: 1, compress: false });
  assert.equal(at1000.params.repairField, 'gf256');
  assert.throws(() => new DenseEncoder(payload, { repairField: 'gf3' as unknown as 'gf2' }), {
    code: 'DENSE_INVALID_OPTION',
  });
});

test('version-1 frames (GF(2) only, from an older Airlock) still decode; they never mix with version 2', () => {
  const payload = randomPayload(3000, prng(16));
  const enc = new DenseEncoder(payload, { fragmentLength: 100, compress: false, repairField: 'gf2' });
  const k = enc.fragmentCount;
  const dec = new DenseDecoder();
  const rnd = prng(17);
  let seq = 0;
  while (!dec.isComplete()) {
    const f = enc.frame(seq++);
    if (rnd() < 0.3) continue;
    assert.equal(dec.receive(asVersion1(f)), 'accepted');
    // The same equation sent as version 2 belongs to another transfer: foreign, never mixed in.
    if (!dec.isComplete()) assert.equal(dec.receive(f), 'foreign');
  }
  assert.ok(seq > k);
  assert.equal(dec.transfer?.version, 1);
  assert.equal(dec.transfer?.repairField, 'gf2');
  assert.deepEqual(dec.result().payload, payload);
});

test('the same payload sent with GF(256) and with GF(2) repair frames: two transfers, foreign to each other', () => {
  const payload = randomPayload(2000, prng(18));
  const a = new DenseEncoder(payload, { fragmentLength: 100, compress: false });
  const b = new DenseEncoder(payload, { fragmentLength: 100, compress: false, repairField: 'gf2' });
  const dec = new DenseDecoder();
  assert.equal(dec.receive(a.frame(0)), 'accepted');
  assert.equal(dec.receive(b.frame(1)), 'foreign');
  assert.equal(dec.receive(b.frame(25)), 'foreign');
  for (let s = 30; !dec.isComplete(); s++) dec.receive(a.frame(s));
  assert.deepEqual(dec.result().payload, payload);
});
