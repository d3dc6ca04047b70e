/**
 * Benchmark: the QR channel end to end (issue 5). Frames are rendered at 1280x720 exactly as
 * `airlock qr encode` renders them, pass through the channel simulator (qr-transport/image/channel.ts:
 * a little blur and sensor noise, 20 % of frames dropped at random with a seeded PRNG) and are decoded
 * with jsqr (scanGray, on this thread: one core) into a decoder, until the transfer completes. Side by
 * side in the same run, on the same channel: Airlock's dense mode, Airlock's UR mode (fragment length
 * 200) and @ngraveio/bc-ur at fragment length 200 (a devDependency, the reference), on a realistic
 * payload — a signed 100-withdrawal batch built by the online node's builder from test-support's
 * `manyIntents(100)`, each withdrawal given its own destination and amount (so that it compresses like
 * a real batch, not like four payments repeated) — and on 8 KiB of random bytes; plus dense alone on
 * 64 KiB of random bytes (a larger K).
 *
 * Airlock's UR parts are bc-ur's bit for bit (checked on every frame), so one rendering and one scan of
 * each UR frame feed both decoders; each decoder is timed on its own.
 *
 * Reported per payload and mode: frames shown against the ideal (payload fragments / (1 - loss)), mean
 * over seeded rounds; decode time per camera frame (scan + decoder: median, mean, 10th percentile);
 * payload bytes per shown frame. Targets, as figures of this one run: decode >= 20 frames/s at 720p on
 * one core (median dense frame); at 20 % loss dense needs <= 1.1x the ideal number of frames; dense
 * carries >= 5x the payload bytes per shown frame of bc-ur at fragment length 200; >= 12 kB/s of batch
 * payload at 10 frames/s with 20 % loss. Also an error-correction sweep (L against M on dense-sized
 * frames under harsher channels), the measurement behind DENSE_DEFAULT_EC. The machine's load average
 * is recorded: decode times are absolute and suffer when other processes share the cores. And, on the
 * same captured dense frames, scanGray (region search, then jsqr on the region resampled to 2 pixels a
 * module) against the crop at full resolution (scanGrayFullResolution, what scanGray did before) and
 * jsqr on the whole frame (scanGrayFullFrame), in rotating order, so all see the same load.
 */
import { loadavg } from 'node:os';
import bcur from '@ngraveio/bc-ur';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { bech32 } from '@scure/base';
import type { FrameContent, ScannedFrame } from '../qr-transport/frames.js';
import { type ChannelConfig, createChannel, createPrng } from '../qr-transport/image/channel.js';
import { type ErrorCorrectionLevel, encodeQrMatrix, renderFrame } from '../qr-transport/image/render.js';
import {
  scanGray,
  scanGrayFullFrame,
  scanGrayFullResolution,
  scanGrayResampled,
} from '../qr-transport/image/scan.js';
import { createTransferEncoder, TransferDecoder } from '../qr-transport/transfer.js';
import type { AdapterContext, EnrolledKey } from '../signer/chains/adapter.js';
import { toChecksumAddress } from '../signer/chains/ethereum/address.js';
import { buildSignedBatch } from '../signer/online/build.js';
import { BTC_KEY, BUILT_AT, COORDINATOR, ETH_KEY, manyIntents } from '../test-support/batch-fixture.js';
import { type BenchResult, median } from './report.js';

const { UR, UREncoder, URDecoder } = bcur;

const LOSS = 0.2;
const FPS = 10;
const UR_FRAGMENT_LENGTH = 200;
/** The camera of the main runs: slightly out of focus, a little sensor noise, one frame in five lost. */
const CHANNEL: Omit<ChannelConfig, 'seed'> = {
  blur: { kind: 'gaussian', radius: 1 },
  noiseSigma: 4,
  loss: LOSS,
};
const RANDOM_PAYLOAD_BYTES = 8 * 1024;
const EC_TRIALS = 12;
const SCAN_COMPARE_FRAMES = 40;

/** A signed 100-withdrawal batch (the batch file's bytes), built as `airlock online build` builds it. */
export async function batchPayload(count = 100): Promise<Uint8Array> {
  const h = (seed: string) => sha256(new TextEncoder().encode(`airlock qr bench ${seed}`));
  const key = (label: string): EnrolledKey => ({
    label,
    curve: 'secp256k1',
    publicKey: secp256k1.getPublicKey(h(`key ${label}`), true),
  });
  const keys: AdapterContext['keys'] = new Map([
    [BTC_KEY, key(BTC_KEY)],
    [ETH_KEY, key(ETH_KEY)],
  ]);
  const base = manyIntents(count);
  const withdrawals = base.withdrawals.map((w, i) => {
    const r = h(`amount ${i}`);
    const n = BigInt((r[0]! << 16) | (r[1]! << 8) | r[2]!);
    if (w.chain === 'bitcoin') {
      // Within the fixture's UTXOs (500,000 sat for P2WPKH, 4,500,000 for the 2-of-3).
      const max = w.bitcoin?.inputType === 'p2wpkh' ? 300_000n : 4_000_000n;
      return {
        ...w,
        destination: bech32.encode('tb', [0, ...bech32.toWords(h(`btc ${i}`).slice(0, 20))]),
        amount: 10_000n + (n % max),
      };
    }
    return {
      ...w,
      destination: toChecksumAddress(`0x${bytesToHex(h(`eth ${i}`).slice(0, 20))}`),
      amount: w.asset === 'native' ? n * 10n ** 12n : n * 1_000n,
    };
  });
  const { json } = await buildSignedBatch(
    { ...base, withdrawals },
    {
      keys,
      coordinatorKeyId: COORDINATOR.keyId,
      signDigest: async (d) => ed25519.sign(d, COORDINATOR.secretKey),
      now: BUILT_AT,
    },
  );
  return new TextEncoder().encode(json);
}

type ModeName = 'dense' | 'ur' | 'bc-ur';

/** One receiver of a run: a decoder fed every frame the camera read. */
interface Receiver {
  receive(frame: ScannedFrame): void;
  complete(): boolean;
  payload(): Uint8Array;
}

function airlockReceiver(): Receiver {
  const decoder = new TransferDecoder();
  return {
    receive: (frame) => {
      decoder.receive(frame);
    },
    complete: () => decoder.isComplete(),
    payload: () => decoder.result().payload,
  };
}

function bcurReceiver(): Receiver {
  const decoder = new URDecoder();
  return {
    receive: (frame) => {
      decoder.receivePart(frame.text.toLowerCase());
    },
    complete: () => decoder.isComplete(),
    payload: () => {
      if (!decoder.isSuccess()) throw new Error(`bc-ur decoder failed: ${decoder.resultError()}`);
      return new Uint8Array(decoder.resultUR().decodeCBOR() as Buffer);
    },
  };
}

/**
 * The frames a run shows and who receives them. Airlock's UR encoder and bc-ur's make the same parts
 * bit for bit (qr-transport/ur/ngraveio-bc-ur-interop.test.ts; checked again here on every frame), so
 * one rendering and one scan of each UR frame feed both decoders: the same camera, twice the work
 * saved. Each decoder is timed on its own.
 */
function source(kind: 'dense' | 'ur', payload: Uint8Array) {
  if (kind === 'dense') {
    const encoder = createTransferEncoder(payload, { format: 'dense' });
    return {
      fragments: encoder.fragmentCount,
      next: () => encoder.nextFrame(),
      receivers: { dense: airlockReceiver() },
    };
  }
  const ours = createTransferEncoder(payload, { format: 'ur', fragmentLength: UR_FRAGMENT_LENGTH });
  const theirs = new UREncoder(UR.fromBuffer(Buffer.from(payload)), UR_FRAGMENT_LENGTH, 0, 10);
  if (theirs.fragmentsLength !== ours.fragmentCount)
    throw new Error('bc-ur and Airlock UR split the payload differently');
  return {
    fragments: ours.fragmentCount,
    next: (): FrameContent => {
      const frame = ours.nextFrame();
      // Upper case, as wallets show UR, so that it travels in QR alphanumeric mode.
      const reference = theirs.nextPart().toUpperCase();
      if (frame.mode !== 'alphanumeric' || frame.text !== reference)
        throw new Error('bc-ur and Airlock UR parts differ');
      return frame;
    },
    receivers: { ur: airlockReceiver(), 'bc-ur': bcurReceiver() } as Partial<Record<ModeName, Receiver>>,
  };
}

interface TransferRun {
  readonly complete: boolean;
  readonly fragments: number;
  /** Frames shown until this receiver completed (or the limit). */
  readonly shown: number;
  readonly captured: number;
  readonly unreadable: number;
  readonly qrVersion: number;
  /** Per captured frame: scanGray + this receiver, in ms. */
  readonly decodeMs: number[];
}

function runTransfer(
  kind: 'dense' | 'ur',
  payload: Uint8Array,
  channel: ChannelConfig,
): Partial<Record<ModeName, TransferRun>> {
  const src = source(kind, payload);
  const receivers = Object.entries(src.receivers) as [ModeName, Receiver][];
  const ch = createChannel(channel);
  const limit = 4 * src.fragments + 50;
  const decodeMs = new Map<ModeName, number[]>(receivers.map(([name]) => [name, []]));
  const shownAt = new Map<ModeName, number>();
  let unreadable = 0;
  let qrVersion = 0;
  while (shownAt.size < receivers.length && ch.stats.shown < limit) {
    const content = src.next();
    if (qrVersion === 0) qrVersion = encodeQrMatrix(content).version;
    const seen = ch.transmit(renderFrame(content));
    if (seen === null) continue;
    const t0 = performance.now();
    const frame = scanGray(seen);
    const scanMs = performance.now() - t0;
    if (frame === null) unreadable++;
    for (const [name, receiver] of receivers) {
      if (shownAt.has(name)) continue;
      const t1 = performance.now();
      if (frame !== null) receiver.receive(frame);
      decodeMs.get(name)!.push(scanMs + performance.now() - t1);
      if (receiver.complete()) shownAt.set(name, ch.stats.shown);
    }
  }
  const runs: Partial<Record<ModeName, TransferRun>> = {};
  for (const [name, receiver] of receivers) {
    const complete = receiver.complete();
    if (complete) {
      const got = receiver.payload();
      if (got.length !== payload.length || !got.every((b, i) => b === payload[i])) {
        throw new Error(`${name}: the received payload differs from the one sent`);
      }
    }
    runs[name] = {
      complete,
      fragments: src.fragments,
      shown: shownAt.get(name) ?? ch.stats.shown,
      captured: ch.stats.shown - ch.stats.dropped,
      unreadable,
      qrVersion,
      decodeMs: decodeMs.get(name)!,
    };
  }
  return runs;
}

interface ModeSummary {
  readonly rounds: number;
  readonly completed: number;
  readonly fragments: number;
  readonly qrVersion: number;
  readonly idealFrames: number;
  /** Means over the rounds. */
  readonly framesShown: number;
  readonly shownOverIdeal: number;
  readonly payloadBytesPerShownFrame: number;
  /** Over every captured frame of every round. */
  readonly decodeMsMedian: number;
  readonly decodeMsMean: number;
  readonly decodeMsP10: number;
  readonly unreadableShare: number;
  readonly shownPerRound: number[];
}

function summarise(runs: TransferRun[], payloadBytes: number): ModeSummary {
  const fragments = runs[0]!.fragments;
  const ideal = fragments / (1 - LOSS);
  const shown = runs.reduce((n, r) => n + r.shown, 0) / runs.length;
  const ms = runs.flatMap((r) => r.decodeMs).sort((a, b) => a - b);
  const captured = runs.reduce((n, r) => n + r.captured, 0);
  return {
    rounds: runs.length,
    completed: runs.filter((r) => r.complete).length,
    fragments,
    qrVersion: runs[0]!.qrVersion,
    idealFrames: round(ideal),
    framesShown: round(shown, 1),
    shownOverIdeal: round(shown / ideal, 3),
    payloadBytesPerShownFrame: Math.round(payloadBytes / shown),
    decodeMsMedian: round(median(ms)),
    decodeMsMean: round(ms.reduce((a, b) => a + b, 0) / ms.length),
    decodeMsP10: round(ms[Math.floor(ms.length / 10)]!),
    unreadableShare: round(runs.reduce((n, r) => n + r.unreadable, 0) / captured, 3),
    shownPerRound: runs.map((r) => r.shown),
  };
}

/**
 * scanGray (region search, module grid, jsqr on the region resampled to 2 pixels a module; then the
 * crop at full resolution; then the whole frame) against the crop at full resolution
 * (scanGrayFullResolution, what scanGray did before resampling) and jsqr on the whole frame
 * (scanGrayFullFrame), on the same captured frames of the batch's dense transfer through the main
 * channel; the order rotates frame by frame, so that all three see the same load. Also how many frames
 * the resampled step read on its own (the rest fell back).
 */
function compareScans(payload: Uint8Array, frames: number): Record<string, number> {
  const encoder = createTransferEncoder(payload, { format: 'dense' });
  const ch = createChannel({ seed: 4242, ...CHANNEL, loss: 0 });
  const scans = [scanGray, scanGrayFullResolution, scanGrayFullFrame] as const;
  const ms: number[][] = scans.map(() => []);
  let same = 0;
  let resampledReads = 0;
  for (let i = 0; i < frames; i++) {
    const seen = ch.transmit(renderFrame(encoder.nextFrame()))!;
    const got: (ScannedFrame | null)[] = [];
    for (let k = 0; k < scans.length; k++) {
      const which = (i + k) % scans.length;
      const t0 = performance.now();
      got[which] = scans[which]!(seen);
      ms[which]!.push(performance.now() - t0);
    }
    const equal = (a: ScannedFrame | null, b: ScannedFrame | null) =>
      a !== null &&
      b !== null &&
      a.bytes.length === b.bytes.length &&
      a.bytes.every((x, j) => x === b.bytes[j]);
    if (equal(got[0]!, got[1]!) && equal(got[0]!, got[2]!)) same++;
    if (scanGrayResampled(seen) !== null) resampledReads++;
  }
  const [resampled, fullResolution, fullFrame] = ms.map((m) => median(m)) as [number, number, number];
  return {
    scanCompare_scanGrayMsMedian: round(resampled),
    scanCompare_fullResolutionCropMsMedian: round(fullResolution),
    scanCompare_fullFrameMsMedian: round(fullFrame),
    scanCompare_speedupOverFullResolutionCrop: round(fullResolution / resampled),
    scanCompare_speedupOverFullFrame: round(fullFrame / resampled),
    scanCompare_sameResult: same,
    scanCompare_resampledStepReads: resampledReads,
  };
}

/** L against M on frames of the dense default size, under harsher channels than the main runs. */
function ecSweep(frameBytes: number, trials: number): Record<string, number> {
  const conditions: [string, Omit<ChannelConfig, 'seed'>][] = [
    [
      'gauss2-noise8-scale0.75',
      {
        scale: { width: 960, height: 540, method: 'bilinear' },
        blur: { kind: 'gaussian', radius: 2 },
        noiseSigma: 8,
      },
    ],
    [
      'gauss3-noise4-scale0.75',
      {
        scale: { width: 960, height: 540, method: 'bilinear' },
        blur: { kind: 'gaussian', radius: 3 },
        noiseSigma: 4,
      },
    ],
    [
      'box2-noise4-scale0.75',
      {
        scale: { width: 960, height: 540, method: 'bilinear' },
        blur: { kind: 'box', radius: 2 },
        noiseSigma: 4,
      },
    ],
    ['gauss4-noise4', { blur: { kind: 'gaussian', radius: 4 }, noiseSigma: 4 }],
  ];
  const figures: Record<string, number> = {};
  for (const ec of ['L', 'M'] as ErrorCorrectionLevel[]) {
    let ok = 0;
    let ms = 0;
    for (const [name, config] of conditions) {
      const ch = createChannel({ seed: 77, ...config });
      const prng = createPrng(78);
      let okHere = 0;
      for (let t = 0; t < trials; t++) {
        const bytes = Uint8Array.from({ length: frameBytes }, () => Math.floor(prng() * 256));
        const seen = ch.transmit(renderFrame({ mode: 'byte', bytes }, { errorCorrection: ec }))!;
        const t0 = performance.now();
        const got = scanGray(seen);
        ms += performance.now() - t0;
        if (got !== null && got.bytes.length === bytes.length && got.bytes.every((b, i) => b === bytes[i]))
          okHere++;
      }
      figures[`ec${ec}_${name}_read`] = okHere;
      ok += okHere;
    }
    figures[`ec${ec}_readShare`] = round(ok / (trials * conditions.length), 3);
    figures[`ec${ec}_decodeMsPerFrame`] = round(ms / (trials * conditions.length));
    figures[`ec${ec}_qrVersion`] = encodeQrMatrix(
      { mode: 'byte', bytes: new Uint8Array(frameBytes) },
      ec,
    ).version;
  }
  return figures;
}

export async function benchQrChannel(): Promise<BenchResult> {
  const started = performance.now();
  const loadStart = loadavg().map((x) => round(x));
  const batch = await batchPayload(100);
  const randomBytes = (n: number, seed: number) => {
    const prng = createPrng(seed);
    return Uint8Array.from({ length: n }, () => Math.floor(prng() * 256));
  };
  const random = randomBytes(RANDOM_PAYLOAD_BYTES, 2026);
  const random64k = randomBytes(64 * 1024, 2027);
  // Warm-up: jsqr, the renderer and the decoders get compiled before anything is timed.
  for (const kind of ['dense', 'ur'] as const) runTransfer(kind, random, { seed: 1, ...CHANNEL });
  // Rounds differ only in the channel's seed (which frames drop, the noise). The long UR transfer of
  // the batch (about 300 fragments) runs once; the short ones several times.
  const plan: [string, Uint8Array, 'dense' | 'ur', number][] = [
    // 30 rounds of the short dense transfers: the mean of shown / ideal over 10 rounds at K = 11 has a
    // standard error of about 0.04 from the loss draws alone.
    ['batch', batch, 'dense', 30],
    ['batch', batch, 'ur', 1],
    ['random', random, 'dense', 30],
    ['random', random, 'ur', 3],
    // Dense only: a larger K.
    ['random64k', random64k, 'dense', 3],
  ];
  const summaries: Record<string, ModeSummary> = {};
  for (const [payloadName, payload, kind, rounds] of plan) {
    const runs = Array.from({ length: rounds }, (_, r) =>
      runTransfer(kind, payload, { seed: 1000 + r, ...CHANNEL }),
    );
    for (const name of Object.keys(runs[0]!) as ModeName[]) {
      summaries[`${payloadName}/${name}`] = summarise(
        runs.map((r) => r[name]!),
        payload.length,
      );
    }
  }
  const scanCompare = compareScans(batch, SCAN_COMPARE_FRAMES);
  const denseFrameBytes = createTransferEncoder(batch, { format: 'dense' }).nextFrame();
  const sweep = ecSweep(denseFrameBytes.mode === 'byte' ? denseFrameBytes.bytes.length : 1256, EC_TRIALS);

  const s = (key: string) => summaries[key]!;
  const denseFps = 1000 / s('batch/dense').decodeMsMedian;
  const worstOverIdeal = Math.max(s('batch/dense').shownOverIdeal, s('random/dense').shownOverIdeal);
  const bytesRatioBatch =
    s('batch/dense').payloadBytesPerShownFrame / s('batch/bc-ur').payloadBytesPerShownFrame;
  const bytesRatioRandom =
    s('random/dense').payloadBytesPerShownFrame / s('random/bc-ur').payloadBytesPerShownFrame;
  const kBps = batch.length / (s('batch/dense').framesShown / FPS) / 1000;
  const targets = {
    decodeFps: {
      met: denseFps >= 20,
      text: `decode >= 20 frames/s at 720p on one core (dense, median frame: ${round(denseFps, 1)})`,
    },
    overIdeal: {
      met: worstOverIdeal <= 1.1,
      text: `dense <= 1.1x the ideal frames at 20 % loss (${worstOverIdeal})`,
    },
    bytesRatio: {
      met: bytesRatioBatch >= 5 && bytesRatioRandom >= 5,
      text: `dense >= 5x bc-ur@200 payload bytes per shown frame (batch ${round(bytesRatioBatch, 1)}x, random ${round(bytesRatioRandom, 1)}x)`,
    },
    throughput: {
      met: kBps >= 12,
      text: `>= 12 kB/s of batch payload at 10 frames/s, 20 % loss (${round(kBps, 1)} kB/s)`,
    },
  };
  const figures: Record<string, number> = {};
  for (const [key, v] of Object.entries(summaries)) {
    const p = key.replace('/', '_').replace('-', '');
    figures[`${p}_fragments`] = v.fragments;
    figures[`${p}_qrVersion`] = v.qrVersion;
    figures[`${p}_idealFrames`] = v.idealFrames;
    figures[`${p}_framesShown`] = v.framesShown;
    figures[`${p}_shownOverIdeal`] = v.shownOverIdeal;
    figures[`${p}_payloadBytesPerShownFrame`] = v.payloadBytesPerShownFrame;
    figures[`${p}_decodeMsMedian`] = v.decodeMsMedian;
    figures[`${p}_decodeMsMean`] = v.decodeMsMean;
    figures[`${p}_decodeMsP10`] = v.decodeMsP10;
    figures[`${p}_unreadableShare`] = v.unreadableShare;
    figures[`${p}_completedRounds`] = v.completed;
  }
  Object.assign(figures, {
    denseDecodeFramesPerSecond: round(denseFps, 1),
    denseWorstShownOverIdeal: worstOverIdeal,
    denseOverBcurBytesPerFrame_batch: round(bytesRatioBatch, 2),
    denseOverBcurBytesPerFrame_random: round(bytesRatioRandom, 2),
    denseBatchKilobytesPerSecondAt10fps: round(kBps, 1),
    ...scanCompare,
    ...sweep,
    benchSeconds: round((performance.now() - started) / 1000, 1),
  });
  const all = Object.values(targets);
  return {
    name: 'qr-channel',
    command: 'npx tsc -p tsconfig.json && node dist/bench/run.js qr-channel',
    params: {
      canvas: '1280x720',
      channel: { ...CHANNEL, note: 'gaussian blur radius 1 (sigma 0.5), Gaussian noise sigma 4 grey levels' },
      fps: FPS,
      urFragmentLength: UR_FRAGMENT_LENGTH,
      denseFragmentLength: 'default (1200)',
      batchPayloadBytes: batch.length,
      batchPayload:
        'signed 100-withdrawal batch (airlock.batch/v1) from test-support manyIntents(100), own destination and amount per withdrawal',
      randomPayloadBytes: random.length,
      rounds: Object.fromEntries(plan.map(([p, , m, r]) => [`${p}/${m}`, r])),
      loadAverageAtStart: loadStart,
      loadAverageAtEnd: loadavg().map((x) => round(x)),
      ecSweepTrialsPerCondition: EC_TRIALS,
      scanCompareFrames: SCAN_COMPARE_FRAMES,
      random64kPayloadBytes: random64k.length,
      targets: Object.fromEntries(
        Object.entries(targets).map(([k, v]) => [k, { met: v.met, description: v.text }]),
      ),
    },
    figures,
    target: {
      description: all.map((t) => `${t.text}: ${t.met ? 'met' : 'NOT met'}`).join('; '),
      met: all.every((t) => t.met),
    },
    rounds: Object.fromEntries(
      Object.entries(summaries).map(([k, v]) => [`${k} framesShown`, v.shownPerRound]),
    ),
  };
}

function round(x: number, digits = 2): number {
  return Number(x.toFixed(digits));
}
