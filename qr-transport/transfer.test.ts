/**
 * The transfer layer (transfer.ts, docs/transport.md "Detection"): one decoder for UR, dense and BBQr
 * frames that detects the format from the first frame it understands, holds to that one transfer
 * (frames of other formats and other transfers are foreign, never mixed in), reports monotone
 * progress, and reads what other UR implementations (@ngraveio/bc-ur, Blockstream Jade) send.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import bcur from '@ngraveio/bc-ur';
import fc from 'fast-check';
import { readVector } from '../test-support/paths.js';
import { QrTransportError } from './errors.js';
import type { FrameContent, ScannedFrame, TransferFormat } from './frames.js';
import {
  createTransferEncoder,
  detectFrameFormat,
  type EncodeOptions,
  TransferDecoder,
  type TransferEncoder,
} from './index.js';
import { encodeUr } from './ur/index.js';

/** What a scanner reports for a frame: jsqr gives the raw bytes and their text reading. */
function scanned(content: FrameContent): ScannedFrame {
  if (content.mode === 'alphanumeric')
    return { text: content.text, bytes: new TextEncoder().encode(content.text) };
  return { text: Buffer.from(content.bytes).toString('latin1'), bytes: content.bytes };
}
const textFrame = (text: string): ScannedFrame => ({ text, bytes: new TextEncoder().encode(text) });

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

const sha256 = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();

function batch(n: number): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      withdrawals: Array.from({ length: n }, (_, i) => ({
        id: `w-${i}`,
        psbt: randomBytes(120).toString('base64'),
      })),
    }),
  );
}

const ALL_FORMATS: readonly EncodeOptions[] = [
  { format: 'ur' },
  { format: 'ur', urType: 'crypto-psbt', fragmentLength: 120 },
  { format: 'dense' },
  { format: 'dense', fragmentLength: 300, compress: false },
  { format: 'bbqr', fileType: 'J' },
  { format: 'bbqr', fragmentLength: 400, encoding: 'H' },
];

/** Feeds frames through a lossy camera until complete; returns the number of frames shown. */
function run(enc: TransferEncoder, dec: TransferDecoder, loss: number, seed: number): number {
  const rnd = prng(seed);
  let shown = 0;
  while (!dec.isComplete()) {
    const f = enc.nextFrame();
    if (++shown > 20 * enc.fragmentCount + 200) throw new Error(`no completion after ${shown} frames`);
    if (rnd() >= loss) dec.receive(scanned(f));
  }
  return shown;
}

test('format detection: UR, dense and BBQr each decode through one TransferDecoder', () => {
  const payload = batch(30);
  for (const opts of ALL_FORMATS) {
    const enc = createTransferEncoder(payload, opts);
    assert.equal(enc.format, opts.format);
    assert.equal(enc.payloadBytes, payload.length);
    const first = enc.nextFrame();
    assert.equal(detectFrameFormat(scanned(first)), opts.format);
    if (opts.format === 'dense') assert.equal(first.mode, 'byte');
    else
      assert.ok(first.mode === 'alphanumeric' && /^[0-9A-Z $%*+\-./:]+$/.test(first.text), 'QR alphanumeric');
    const dec = new TransferDecoder();
    dec.receive(scanned(first));
    assert.equal(dec.format, opts.format);
    run(enc, dec, 0.15, 1);
    const r = dec.result();
    assert.equal(r.format, opts.format);
    assert.deepEqual(r.payload, payload);
    assert.deepEqual(Buffer.from(r.sha256), sha256(payload));
    assert.equal(r.urType, opts.format === 'ur' ? (opts.urType ?? 'bytes') : null);
    assert.equal(r.bbqrFileType, opts.format === 'bbqr' ? (opts.fileType ?? 'B') : null);
  }
});

test('a UR transfer with foreign dense and BBQr frames interleaved: they are foreign and never mixed in', () => {
  const payload = batch(40);
  const ur = createTransferEncoder(payload, { format: 'ur' });
  const dense = createTransferEncoder(batch(40), { format: 'dense', fragmentLength: 200 });
  const bbqr = createTransferEncoder(batch(5), { format: 'bbqr' });
  const otherUr = createTransferEncoder(batch(40), { format: 'ur' });
  const dec = new TransferDecoder();
  const verdicts = { dense: 0, bbqr: 0, otherUr: 0 };
  while (!dec.isComplete()) {
    const v = dec.receive(scanned(ur.nextFrame()));
    assert.ok(v === 'accepted' || v === 'duplicate', v);
    if (dec.isComplete()) break;
    if (dec.receive(scanned(dense.nextFrame())) === 'foreign') verdicts.dense++;
    if (dec.receive(scanned(bbqr.nextFrame())) === 'foreign') verdicts.bbqr++;
    if (dec.receive(scanned(otherUr.nextFrame())) === 'foreign') verdicts.otherUr++;
  }
  assert.deepEqual(dec.result().payload, payload);
  assert.equal(dec.result().format, 'ur');
  assert.ok(verdicts.dense > 10 && verdicts.dense === verdicts.bbqr && verdicts.bbqr === verdicts.otherUr);
  assert.equal(dec.progress().framesIgnored >= 3 * verdicts.dense, true);
});

test('a dense transfer with UR, BBQr and another dense transfer interleaved', () => {
  const payload = batch(60);
  const mine = createTransferEncoder(payload, { format: 'dense', fragmentLength: 400 });
  const others = [
    createTransferEncoder(batch(60), { format: 'dense', fragmentLength: 400 }),
    createTransferEncoder(batch(3), { format: 'ur' }),
    createTransferEncoder(batch(3), { format: 'bbqr' }),
  ];
  const dec = new TransferDecoder();
  // Garbage before anything: corrupt, the decoder still waits.
  assert.equal(dec.receive(textFrame('https://example.com')), 'corrupt');
  assert.equal(dec.receive({ text: '', bytes: Uint8Array.of(0xa1, 0x7c, 1) }), 'corrupt');
  assert.equal(dec.progress().state, 'waiting');
  while (!dec.isComplete()) {
    dec.receive(scanned(mine.nextFrame()));
    if (dec.isComplete()) break;
    for (const o of others) assert.equal(dec.receive(scanned(o.nextFrame())), 'foreign');
  }
  assert.deepEqual(dec.result().payload, payload);
  assert.equal(dec.receive(scanned(mine.nextFrame())), 'done');
});

test('frames of another format that are malformed are corrupt, not foreign', () => {
  const dec = new TransferDecoder();
  const enc = createTransferEncoder(batch(20), { format: 'dense', fragmentLength: 500 });
  dec.receive(scanned(enc.nextFrame()));
  assert.equal(dec.format, 'dense');
  assert.equal(dec.receive(textFrame('B$HQ0100AB')), 'corrupt'); // reserved file type
  assert.equal(dec.receive(textFrame('B$HP0100AB')), 'foreign');
  assert.equal(dec.receive(textFrame('UR:BYTES')), 'corrupt');
});

test('a UR of a type that carries no payload bytes is foreign and does not fix the format', () => {
  const seed = encodeUr('crypto-seed', Uint8Array.of(0xa1, 0x01, 0x50, ...new Uint8Array(16)));
  const dec = new TransferDecoder();
  assert.equal(dec.receive(textFrame(seed.toUpperCase())), 'foreign');
  assert.equal(dec.progress().state, 'waiting');
  const payload = batch(5);
  const bbqr = createTransferEncoder(payload, { format: 'bbqr' });
  run(bbqr, dec, 0, 2);
  assert.equal(dec.result().format, 'bbqr');
});

test('a complete ur:bytes whose CBOR is not a byte string fails TRANSFER_UR_NOT_BYTES', () => {
  const dec = new TransferDecoder();
  assert.equal(dec.receive(textFrame(encodeUr('bytes', Uint8Array.of(0x18, 0x2a)))), 'accepted');
  const p = dec.progress();
  assert.equal(p.state, 'failed');
  assert.equal(p.error?.code, 'TRANSFER_UR_NOT_BYTES');
  assert.throws(() => dec.result(), { code: 'TRANSFER_FAILED' });
});

test('progress: percent never falls, frames still expected never rise, states waiting -> receiving -> complete', () => {
  for (const opts of ALL_FORMATS) {
    const enc = createTransferEncoder(batch(50), opts);
    const dec = new TransferDecoder();
    assert.deepEqual(dec.progress(), {
      state: 'waiting',
      format: null,
      percent: 0,
      framesAccepted: 0,
      framesIgnored: 0,
      framesStillExpected: null,
      error: null,
    });
    const rnd = prng(3);
    let lastPercent = 0;
    let lastStill = Number.POSITIVE_INFINITY;
    let lastAccepted = 0;
    while (!dec.isComplete()) {
      const f = enc.nextFrame();
      if (rnd() < 0.25) continue;
      dec.receive(scanned(f));
      const p = dec.progress();
      assert.equal(p.format, opts.format);
      assert.ok(p.percent >= lastPercent, `${opts.format}: percent fell from ${lastPercent} to ${p.percent}`);
      assert.ok(p.framesAccepted >= lastAccepted);
      if (opts.format !== 'ur') {
        assert.ok(p.framesStillExpected! <= lastStill, `${opts.format}: frames still expected rose`);
        lastStill = p.framesStillExpected!;
      }
      assert.equal(p.state, dec.isComplete() ? 'complete' : 'receiving');
      assert.ok(p.percent < 100 || dec.isComplete());
      lastPercent = p.percent;
      lastAccepted = p.framesAccepted;
    }
    const done = dec.progress();
    assert.equal(done.percent, 100);
    assert.equal(done.framesStillExpected, 0);
  }
});

test('dense progress: frames still expected is K minus the rank', () => {
  const enc = createTransferEncoder(randomBytes(5000), { format: 'dense', fragmentLength: 500 });
  assert.equal(enc.fragmentCount, 10);
  const dec = new TransferDecoder();
  for (let i = 1; i <= 4; i++) {
    dec.receive(scanned(enc.nextFrame()));
    assert.equal(dec.progress().framesStillExpected, 10 - i);
    assert.equal(dec.progress().percent, 10 * i);
  }
});

test('result() before completion throws QrTransportError TRANSFER_INCOMPLETE', () => {
  const dec = new TransferDecoder();
  assert.throws(
    () => dec.result(),
    (e: unknown) => e instanceof QrTransportError && e.code === 'TRANSFER_INCOMPLETE',
  );
  const enc = createTransferEncoder(randomBytes(3000), { format: 'dense', fragmentLength: 1000 });
  dec.receive(scanned(enc.nextFrame()));
  assert.throws(() => dec.result(), { code: 'TRANSFER_INCOMPLETE', message: /dense .*at least 2 more/ });
});

test('a forged dense frame makes the transfer fail with the codec code, and result() throws TRANSFER_FAILED', () => {
  const enc = createTransferEncoder(randomBytes(3000), {
    format: 'dense',
    fragmentLength: 1000,
    compress: false,
  });
  const frames = [enc.nextFrame(), enc.nextFrame(), enc.nextFrame()].map(
    (f) => (f.mode === 'byte' ? f.bytes : null)!,
  );
  const forged = frames[1]!.slice();
  forged[100]! ^= 1;
  const view = new DataView(forged.buffer);
  view.setUint32(forged.length - 4, Number.parseInt(createCrc(forged.subarray(0, forged.length - 4)), 16));
  const dec = new TransferDecoder();
  for (const f of [frames[0]!, forged, frames[2]!]) dec.receive({ text: '', bytes: f });
  assert.equal(dec.progress().state, 'failed');
  assert.equal(dec.progress().error?.code, 'DENSE_DIGEST_MISMATCH');
  assert.throws(() => dec.result(), { code: 'TRANSFER_FAILED', message: /DENSE_DIGEST_MISMATCH/ });
  assert.equal(dec.receive({ text: '', bytes: frames[0]! }), 'done');
});

function createCrc(bytes: Uint8Array): string {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ((c ^ 0xffffffff) >>> 0).toString(16);
}

test('encoder refusals: empty payload for every format, unknown UR type, unknown format', () => {
  for (const opts of ALL_FORMATS) {
    assert.throws(() => createTransferEncoder(new Uint8Array(0), opts), { code: 'TRANSFER_EMPTY_PAYLOAD' });
  }
  assert.throws(
    () => createTransferEncoder(Uint8Array.of(1), { format: 'ur', urType: 'crypto-seed' as 'bytes' }),
    {
      code: 'TRANSFER_INVALID_OPTION',
    },
  );
  assert.throws(() => createTransferEncoder(Uint8Array.of(1), { format: 'qr' } as unknown as EncodeOptions), {
    code: 'TRANSFER_INVALID_OPTION',
  });
});

test('@ngraveio/bc-ur ur:bytes parts (upper case, as a QR shows them) decode through the transfer layer', () => {
  const { UR, UREncoder } = bcur;
  const payload = batch(20);
  const theirs = new UREncoder(UR.fromBuffer(Buffer.from(payload)), 150, 0, 10);
  const dec = new TransferDecoder();
  const rnd = prng(4);
  for (let i = 0; i < 10 * theirs.fragmentsLength && !dec.isComplete(); i++) {
    const part = theirs.nextPart();
    if (rnd() < 0.2) continue;
    dec.receive(textFrame(i % 2 ? part.toUpperCase() : part));
  }
  assert.deepEqual(dec.result().payload, payload);
  assert.equal(dec.result().urType, 'bytes');
});

interface JadeVector {
  readonly cryptoPsbtMultiPart: {
    readonly parts: readonly string[];
    readonly psbtHex: string;
    readonly type: string;
  };
}

test('Blockstream Jade crypto-psbt parts (ur_psbt_interop.json) decode to the PSBT bytes', () => {
  const v = readVector<JadeVector>('bc-ur/ur_psbt_interop.json').cryptoPsbtMultiPart;
  const dec = new TransferDecoder();
  for (const p of v.parts) dec.receive(textFrame(p));
  assert.ok(dec.isComplete());
  const r = dec.result();
  assert.equal(r.format, 'ur');
  assert.equal(r.urType, 'crypto-psbt');
  assert.equal(Buffer.from(r.payload).toString('hex'), v.psbtHex);
});

test('property: arbitrary scanned frames never throw and never complete a transfer', () => {
  const formats: (TransferFormat | null)[] = [];
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.record({ text: fc.string({ maxLength: 80 }), bytes: fc.uint8Array({ maxLength: 200 }) }),
          fc.string({ maxLength: 80 }).map((s) => textFrame(`UR:BYTES/${s}`)),
          fc.string({ maxLength: 80 }).map((s) => textFrame(`B$ZB0201${s}`)),
          fc
            .uint8Array({ maxLength: 200 })
            .map((b) => ({ text: '', bytes: Uint8Array.of(0xa1, 0x7c, 1, ...b) })),
        ),
        { maxLength: 30 },
      ),
      (frames) => {
        const dec = new TransferDecoder();
        for (const f of frames) {
          const v = dec.receive(f);
          assert.ok(['corrupt', 'foreign', 'accepted', 'duplicate', 'done'].includes(v));
        }
        assert.equal(dec.isComplete(), false);
        formats.push(dec.format);
      },
    ),
    { numRuns: 500 },
  );
  assert.ok(formats.length === 500);
});
