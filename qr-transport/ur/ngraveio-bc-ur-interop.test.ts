/**
 * Interoperability with @ngraveio/bc-ur 1.1.13 (the JavaScript UR library Keystone and many web
 * wallets use; a devDependency, imported only here), both directions, over a simulated camera: parts
 * lost, duplicated and reordered. For each size (1 B, 200 B, 10 kB, 100 kB) and fragment length, our
 * encoder's parts must equal theirs bit for bit, theirs must decode with our UrDecoder, ours with
 * their URDecoder.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import bcur from '@ngraveio/bc-ur';
import { makeMessage } from './bc-ur-vectors.node.js';
import { cborBytes, UrDecoder, UrFountainEncoder } from './index.js';
import { Xoshiro256 } from './xoshiro256.js';

const { UR, UREncoder, URDecoder } = bcur;

interface Channel {
  /** Probability a frame is lost. */
  readonly loss: number;
  /** Probability a delivered frame is delivered twice. */
  readonly duplicate: number;
  /** Frames held back and released in random order. */
  readonly window: number;
}

/** Frames from `next`, through a lossy, duplicating, reordering channel (deterministic per seed). */
function* camera(next: () => string, channel: Channel, seed: string): Generator<string> {
  const rng = Xoshiro256.fromString(seed);
  const held: string[] = [];
  for (;;) {
    const frame = next();
    if (rng.nextDouble() < channel.loss) continue;
    held.push(frame);
    if (rng.nextDouble() < channel.duplicate) held.push(frame);
    while (held.length > channel.window) {
      yield held.splice(rng.nextInt(0, held.length - 1), 1)[0]!;
    }
  }
}

interface Case {
  readonly size: number;
  readonly maxFragmentLength: number;
  readonly type: string;
  readonly firstSeqNum: number;
  readonly channel: Channel;
}

const lossy: Channel = { loss: 0.3, duplicate: 0.2, window: 6 };
const clean: Channel = { loss: 0, duplicate: 0, window: 0 };

const cases: Case[] = [
  { size: 1, maxFragmentLength: 200, type: 'bytes', firstSeqNum: 0, channel: lossy },
  { size: 200, maxFragmentLength: 200, type: 'bytes', firstSeqNum: 0, channel: clean },
  { size: 200, maxFragmentLength: 30, type: 'crypto-psbt', firstSeqNum: 0, channel: lossy },
  { size: 10_000, maxFragmentLength: 100, type: 'bytes', firstSeqNum: 0, channel: lossy },
  { size: 10_000, maxFragmentLength: 250, type: 'psbt', firstSeqNum: 1000, channel: lossy },
  { size: 100_000, maxFragmentLength: 400, type: 'bytes', firstSeqNum: 0, channel: lossy },
  {
    size: 100_000,
    maxFragmentLength: 1000,
    type: 'bytes',
    firstSeqNum: 7,
    channel: { loss: 0.5, duplicate: 0.3, window: 12 },
  },
];

function label(c: Case): string {
  return `${c.size} B as ${c.type}, fragments <= ${c.maxFragmentLength}, first seqNum ${c.firstSeqNum}, loss ${c.channel.loss}`;
}

for (const c of cases) {
  const cbor = cborBytes(makeMessage(c.size, `interop-${c.size}`));

  test(`same parts as @ngraveio/bc-ur: ${label(c)}`, () => {
    const ours = new UrFountainEncoder(c.type, cbor, {
      maxFragmentLength: c.maxFragmentLength,
      firstSeqNum: c.firstSeqNum,
    });
    const theirs = new UREncoder(new UR(Buffer.from(cbor), c.type), c.maxFragmentLength, c.firstSeqNum, 10);
    assert.equal(ours.fragmentCount, theirs.fragmentsLength);
    const count = Math.min(ours.fragmentCount + 30, 400);
    for (let i = 0; i < count; i++) assert.equal(ours.nextPart(), theirs.nextPart(), `part ${i + 1}`);
  });

  test(`@ngraveio/bc-ur encoder -> our UrDecoder: ${label(c)}`, () => {
    const theirs = new UREncoder(new UR(Buffer.from(cbor), c.type), c.maxFragmentLength, c.firstSeqNum, 10);
    const decoder = new UrDecoder();
    const limit = 4 * theirs.fragmentsLength + 50;
    let frames = 0;
    for (const frame of camera(() => theirs.nextPart(), c.channel, `camera-${label(c)}`)) {
      const verdict = decoder.receive(frames % 2 === 0 ? frame : frame.toUpperCase());
      assert.notEqual(verdict, 'corrupt');
      assert.notEqual(verdict, 'foreign');
      if (decoder.isComplete() || ++frames > limit) break;
    }
    assert.ok(
      decoder.isComplete(),
      `not complete after ${frames} frames (${theirs.fragmentsLength} fragments)`,
    );
    assert.deepEqual(decoder.result(), { type: c.type, cbor });
  });

  test(`our UrFountainEncoder -> @ngraveio/bc-ur decoder: ${label(c)}`, () => {
    const ours = new UrFountainEncoder(c.type, cbor, {
      maxFragmentLength: c.maxFragmentLength,
      firstSeqNum: c.firstSeqNum,
    });
    const decoder = new URDecoder();
    const limit = 4 * ours.fragmentCount + 50;
    let frames = 0;
    for (const frame of camera(() => ours.nextPart(), c.channel, `camera2-${label(c)}`)) {
      decoder.receivePart(frame);
      if (decoder.isComplete() || ++frames > limit) break;
    }
    assert.ok(decoder.isComplete(), `not complete after ${frames} frames (${ours.fragmentCount} fragments)`);
    assert.ok(decoder.isSuccess());
    const ur = decoder.resultUR();
    assert.equal(ur.type, c.type);
    assert.deepEqual(new Uint8Array(ur.cbor), cbor);
  });
}
