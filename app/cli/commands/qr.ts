/**
 * `airlock qr …`: animated QR as files, for moving a batch or a result across the air gap by screen
 * and camera (docs/transport-video.md).
 *   encode <file> --out <dir|file.y4m|file.gif> [--format dense|ur|bbqr] [--ur-type bytes|crypto-psbt]
 *          [--fragment-length N] [--ec L|M|Q|H] [--fps N] [--frames N | --repeat-factor X]
 *                                 the payload as QR frames: numbered PNGs in a new directory, a y4m
 *                                 video or an animated GIF (1280x720)
 *   decode <video.y4m|image.png|dir...> --out <file>
 *                                 scans every frame (worker threads), feeds one transfer decoder and
 *                                 writes the payload only when it is complete and verified
 *   show <file> [--format ur|dense|bbqr] [--ec L|M|Q|H] [--invert]
 *                                 a small payload as one QR code in the terminal
 *
 * Outputs are written atomically and never replace an existing file: a temporary name, then a hard
 * link (files) or a rename (directories) into place.
 */
import {
  closeSync,
  createReadStream,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { bytesToHex } from '@noble/hashes/utils.js';
import { BBQR_LIMITS } from '../../../qr-transport/bbqr/index.js';
import { DENSE_LIMITS } from '../../../qr-transport/dense/index.js';
import { QrTransportError } from '../../../qr-transport/errors.js';
import type { ScannedFrame } from '../../../qr-transport/frames.js';
import { GifWriter } from '../../../qr-transport/image/gif.js';
import type { GrayImage } from '../../../qr-transport/image/gray-image.js';
import { decodePng, encodePng, isPng } from '../../../qr-transport/image/png.js';
import {
  DEFAULT_CANVAS,
  ERROR_CORRECTION_LEVELS,
  type ErrorCorrectionLevel,
  encodeQrMatrix,
  renderMatrix,
} from '../../../qr-transport/image/render.js';
import { ScannerPool } from '../../../qr-transport/image/scanner.node.js';
import { renderMatrixToTerminal } from '../../../qr-transport/image/terminal.js';
import { readY4m, Y4mWriter } from '../../../qr-transport/image/y4m.js';
import {
  createTransferEncoder,
  type EncodeOptions,
  PAYLOAD_UR_TYPES,
  type PayloadUrType,
  TransferDecoder,
  type TransferEncoder,
} from '../../../qr-transport/transfer.js';
import { type Command, out, UsageError } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { readInputFile, writeNewFileAtomic } from '../files.js';

/** The largest payload `qr encode` reads (the codecs' own limit is 16 MiB). */
const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
/** The largest PNG `qr decode` reads. */
const MAX_PNG_BYTES = 64 * 1024 * 1024;
/** The largest QR version `qr show` draws: 97 modules, 101 columns with the quiet zone. */
const MAX_SHOW_VERSION = 20;
/** Frames a transfer repeats by default: fountain formats send repair frames after the K fragments. */
const DEFAULT_REPEAT = { dense: 1.5, ur: 1.5, bbqr: 2 } as const;
const MAX_FRAMES = 100_000;

type Format = 'dense' | 'ur' | 'bbqr';
const FORMATS: readonly Format[] = ['dense', 'ur', 'bbqr'];

function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

function integer(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

function encodeOptions(
  format: Format,
  urType: PayloadUrType | undefined,
  fragmentLength: number | undefined,
): EncodeOptions {
  if (urType !== undefined && format !== 'ur') throw new UsageError('--ur-type applies to --format ur only');
  switch (format) {
    case 'dense':
      return { format, fragmentLength };
    case 'ur':
      return { format, urType, fragmentLength };
    case 'bbqr':
      return { format, fragmentLength };
    default:
      throw new UsageError(`unknown format ${String(format satisfies never)}`);
  }
}

/** Codec refusals of the options or the payload are the user's to fix: usage errors naming the code. */
function createEncoder(payload: Uint8Array, opts: EncodeOptions): TransferEncoder {
  try {
    return createTransferEncoder(payload, opts);
  } catch (err) {
    if (err instanceof QrTransportError) throw new UsageError(`${err.code}: ${err.message}`);
    throw err;
  }
}

type OutputKind = 'y4m' | 'gif' | 'png-dir';

function outputKind(path: string): OutputKind {
  const lower = path.toLowerCase();
  if (lower.endsWith('.y4m')) return 'y4m';
  if (lower.endsWith('.gif')) return 'gif';
  if (lower.endsWith('.png')) {
    throw new UsageError(
      `--out ${path}: PNG frames go into a directory (give a directory name, not a .png file)`,
    );
  }
  return 'png-dir';
}

function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now()}`);
}

/**
 * A file written as a stream to a temporary name, fsynced, then hard-linked into place (which fails
 * when the target exists, so nothing is ever replaced). `abort` removes the temporary file.
 */
class AtomicFileStream {
  private readonly tmp: string;
  private readonly fd: number;
  private open = true;

  constructor(private readonly path: string) {
    if (existsSync(path)) throw new UsageError(`${path} already exists; Airlock never overwrites an output`);
    this.tmp = tempName(path);
    this.fd = openSync(this.tmp, 'wx', 0o600);
  }

  write = (chunk: Uint8Array): void => {
    let at = 0;
    while (at < chunk.length) at += writeSync(this.fd, chunk, at, chunk.length - at);
  };

  commit(): void {
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.open = false;
    try {
      linkSync(this.tmp, this.path);
    } catch (err) {
      throw new UsageError(
        `cannot create ${this.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    } finally {
      unlinkSync(this.tmp);
    }
  }

  abort(): void {
    if (this.open) closeSync(this.fd);
    this.open = false;
    rmSync(this.tmp, { force: true });
  }
}

/** Numbered PNGs written into a temporary directory, renamed into place at the end. */
class AtomicPngDirectory {
  private readonly tmp: string;
  private count = 0;

  constructor(private readonly path: string) {
    if (existsSync(path) && (!statSync(path).isDirectory() || readdirSync(path).length > 0)) {
      throw new UsageError(
        `${path} already exists and is not an empty directory; Airlock never overwrites an output`,
      );
    }
    this.tmp = tempName(path);
    mkdirSync(this.tmp, { mode: 0o700 });
  }

  writeFrame(img: GrayImage): void {
    this.count++;
    writeFileSync(join(this.tmp, `frame-${String(this.count).padStart(5, '0')}.png`), encodePng(img), {
      flag: 'wx',
      mode: 0o600,
    });
  }

  commit(): void {
    try {
      // rename replaces only an empty directory; a directory that filled up meanwhile makes it fail.
      renameSync(this.tmp, this.path);
    } catch (err) {
      this.abort();
      throw new UsageError(
        `cannot create ${this.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  }

  abort(): void {
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

export const qrEncode: Command = {
  name: 'qr encode',
  usage:
    'airlock qr encode <file> --out <dir|file.y4m|file.gif> [--format dense|ur|bbqr] [--ur-type bytes|crypto-psbt] ' +
    '[--fragment-length N] [--ec L|M|Q|H] [--fps N] [--frames N | --repeat-factor X]',
  summary: 'a file as animated QR: numbered PNGs, a y4m video or a GIF (1280x720)',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        out: { type: 'string' },
        format: { type: 'string' },
        'ur-type': { type: 'string' },
        'fragment-length': { type: 'string' },
        ec: { type: 'string' },
        fps: { type: 'string' },
        frames: { type: 'string' },
        'repeat-factor': { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one input file');
    const input = positionals[0]!;
    const outPath = values.out;
    if (!outPath) throw new UsageError('--out is required');
    const format = oneOf('format', values.format, FORMATS) ?? 'dense';
    const urType = oneOf('ur-type', values['ur-type'], PAYLOAD_UR_TYPES);
    const fragmentLength = integer('fragment-length', values['fragment-length'], 1, 1_000_000);
    const ec = oneOf<ErrorCorrectionLevel>('ec', values.ec, ERROR_CORRECTION_LEVELS);
    const kind = outputKind(outPath);
    const fps = integer('fps', values.fps, 1, kind === 'gif' ? 50 : 120) ?? 10;
    if (values.frames !== undefined && values['repeat-factor'] !== undefined) {
      throw new UsageError('give --frames or --repeat-factor, not both');
    }
    const frameCount = integer('frames', values.frames, 1, MAX_FRAMES);
    let repeat: number = DEFAULT_REPEAT[format];
    if (values['repeat-factor'] !== undefined) {
      repeat = Number(values['repeat-factor']);
      if (!/^\d+(\.\d+)?$/.test(values['repeat-factor']) || !(repeat > 0 && repeat <= 1000)) {
        throw new UsageError(
          `--repeat-factor must be a number above 0 and up to 1000, got ${values['repeat-factor']}`,
        );
      }
    }

    const payload = new Uint8Array(readInputFile(input, MAX_PAYLOAD_BYTES));
    const encoder = createEncoder(payload, encodeOptions(format, urType, fragmentLength));
    const total = frameCount ?? Math.max(1, Math.ceil(encoder.fragmentCount * repeat));
    if (total > MAX_FRAMES) {
      throw new UsageError(
        `${total} frames is more than ${MAX_FRAMES}; use a larger --fragment-length or a smaller --repeat-factor`,
      );
    }
    if (total < encoder.fragmentCount) {
      process.stderr.write(
        `warning: ${total} frames is fewer than the ${encoder.fragmentCount} fragments of this payload; ` +
          'the output alone cannot be decoded\n',
      );
    }

    const { width, height } = DEFAULT_CANVAS;
    const sink = kind === 'png-dir' ? new AtomicPngDirectory(outPath) : new AtomicFileStream(outPath);
    let version = 0;
    let level: ErrorCorrectionLevel = 'L';
    try {
      let writeFrame: (img: GrayImage) => void;
      let finish = () => {};
      if (sink instanceof AtomicPngDirectory) writeFrame = (img) => sink.writeFrame(img);
      else if (kind === 'y4m') {
        const y4m = new Y4mWriter(sink.write, { width, height, fps });
        writeFrame = (img) => y4m.writeFrame(img);
      } else {
        const gif = new GifWriter(sink.write, { width, height, fps });
        writeFrame = (img) => gif.writeFrame(img);
        finish = () => gif.finish();
      }
      for (let i = 0; i < total; i++) {
        const content = encoder.nextFrame();
        let matrix: ReturnType<typeof encodeQrMatrix>;
        try {
          matrix = encodeQrMatrix(content, ec);
        } catch (err) {
          if (err instanceof QrTransportError) {
            throw new UsageError(
              `${err.code}: ${err.message}; use a smaller --fragment-length or a lower --ec`,
            );
          }
          throw err;
        }
        version = Math.max(version, matrix.version);
        level = matrix.errorCorrection;
        writeFrame(renderMatrix(matrix, { width, height }));
      }
      finish();
      sink.commit();
    } catch (err) {
      sink.abort();
      throw err;
    }
    out(
      `wrote ${total} frames to ${outPath} (${kind === 'png-dir' ? 'PNG files' : kind}): ${encoder.format}, ` +
        `${encoder.fragmentCount} fragment(s) of a ${encoder.payloadBytes}-byte payload, QR version ${version} at ${level}, ` +
        `${width}x${height}, ${fps} fps`,
    );
    return EXIT.OK;
  },
};

/** The images of one input: a y4m stream, a PNG, or the PNGs of a directory in name order. */
async function* inputFrames(path: string): AsyncGenerator<{ img: GrayImage; where: string }> {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (err) {
    throw new UsageError(
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  if (st.isDirectory()) {
    const names = readdirSync(path)
      .filter((n) => n.toLowerCase().endsWith('.png'))
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    if (names.length === 0) throw new UsageError(`${path} holds no .png file`);
    for (const name of names) yield* inputFrames(join(path, name));
    return;
  }
  if (!st.isFile()) throw new UsageError(`${path} is not a regular file or a directory`);
  const head = new Uint8Array(9);
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const magic = head.subarray(0, n);
  if (isPng(magic)) {
    yield { img: decodePng(new Uint8Array(readInputFile(path, MAX_PNG_BYTES))), where: basename(path) };
    return;
  }
  if (new TextDecoder('latin1').decode(magic) === 'YUV4MPEG2') {
    let index = 0;
    for await (const img of readY4m(createReadStream(path, { highWaterMark: 1 << 20 }))) {
      index++;
      yield { img, where: `${basename(path)} frame ${index}` };
    }
    return;
  }
  const gif = new TextDecoder('latin1').decode(magic.subarray(0, 3)) === 'GIF';
  throw new UsageError(
    `${path} is neither a PNG nor a y4m video` +
      (gif ? ' (GIF is written, not read: encode to .y4m or a PNG directory to decode later)' : '') +
      '; convert a camera recording with: ffmpeg -i REC.mp4 -pix_fmt gray REC.y4m',
  );
}

type ScanOutcome = { ok: true; frame: ScannedFrame | null } | { ok: false; err: unknown };

export const qrDecode: Command = {
  name: 'qr decode',
  usage: 'airlock qr decode <video.y4m|image.png|dir...> --out <file>',
  summary: 'scan animated QR from y4m videos and PNGs; write the payload once complete and verified',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { out: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length === 0)
      throw new UsageError('give at least one y4m video, PNG image or directory of PNGs');
    const outPath = values.out;
    if (!outPath) throw new UsageError('--out is required');
    if (existsSync(outPath))
      throw new UsageError(`${outPath} already exists; Airlock never overwrites an output`);

    const decoder = new TransferDecoder();
    const pool = new ScannerPool();
    const inFlight: { outcome: Promise<ScanOutcome>; where: string }[] = [];
    const window = pool.size * 2;
    let frames = 0;
    let unread = 0;
    const take = async () => {
      const next = inFlight.shift()!;
      const outcome = await next.outcome;
      if (!outcome.ok) throw outcome.err;
      frames++;
      if (outcome.frame === null) {
        unread++;
        return;
      }
      const verdict = decoder.receive(outcome.frame);
      const p = decoder.progress();
      if (verdict === 'accepted' || frames % 25 === 0) {
        process.stderr.write(
          `${next.where}: ${verdict}; ${p.format ?? 'no format yet'} ${p.percent}% ` +
            `(${p.framesAccepted} accepted, ${p.framesIgnored} ignored, ${unread} without a code` +
            `${p.framesStillExpected === null || p.state === 'complete' ? '' : `, at least ${p.framesStillExpected} more needed`})\n`,
        );
      }
    };
    try {
      outer: for (const path of positionals) {
        for await (const { img, where } of inputFrames(path)) {
          // Outcomes never reject, so frames still in flight when the transfer completes (and the
          // pool closes) leave no unhandled rejection behind.
          const outcome = pool.scan(img, { transfer: true }).then(
            (frame): ScanOutcome => ({ ok: true, frame }),
            (err): ScanOutcome => ({ ok: false, err }),
          );
          inFlight.push({ outcome, where });
          while (inFlight.length >= window) await take();
          if (decoder.isComplete() || decoder.progress().state === 'failed') break outer;
        }
      }
      while (inFlight.length > 0 && !decoder.isComplete() && decoder.progress().state !== 'failed')
        await take();
    } finally {
      await pool.close();
    }
    const p = decoder.progress();
    process.stderr.write(
      `scanned ${frames} frame(s): ${frames - unread} with a code, ${p.framesAccepted} accepted, ${p.framesIgnored} ignored; ` +
        `${p.state}${p.format ? ` (${p.format})` : ''}\n`,
    );
    // result() throws TransferError TRANSFER_INCOMPLETE or TRANSFER_FAILED: nothing is written then.
    const received = decoder.result();
    writeNewFileAtomic(outPath, received.payload);
    out(
      `${outPath}\t${received.payload.length} bytes\t${received.format}` +
        `${received.urType ? ` ur:${received.urType}` : ''}\tsha256 ${bytesToHex(received.sha256)}`,
    );
    return EXIT.OK;
  },
};

export const qrShow: Command = {
  name: 'qr show',
  usage: 'airlock qr show <file> [--format ur|dense|bbqr] [--ec L|M|Q|H] [--invert]',
  summary: 'a small file as one QR code drawn in the terminal',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { format: { type: 'string' }, ec: { type: 'string' }, invert: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one input file');
    const format = oneOf('format', values.format, FORMATS) ?? 'ur';
    const ec = oneOf<ErrorCorrectionLevel>('ec', values.ec, ERROR_CORRECTION_LEVELS);
    const payload = new Uint8Array(readInputFile(positionals[0]!, MAX_PAYLOAD_BYTES));
    const tooLarge = (why: string) =>
      new UsageError(
        `${positionals[0]} (${payload.length} bytes) is too large to show as one QR code: ${why}; ` +
          'use `airlock qr encode` for an animated transfer',
      );
    // Fragments as long as each format allows, so that a payload that fits in one frame gets one.
    const single: EncodeOptions =
      format === 'ur'
        ? { format, fragmentLength: payload.length + 16 }
        : format === 'dense'
          ? { format, fragmentLength: DENSE_LIMITS.maxFragmentLength }
          : { format, fragmentLength: Math.floor(BBQR_LIMITS.maxPartChars / 8) * 5 };
    const encoder = createEncoder(payload, single);
    if (encoder.fragmentCount > 1) throw tooLarge(`${format} needs ${encoder.fragmentCount} frames`);
    let matrix: ReturnType<typeof encodeQrMatrix>;
    try {
      matrix = encodeQrMatrix(encoder.nextFrame(), ec);
    } catch (err) {
      if (err instanceof QrTransportError) throw tooLarge(err.message);
      throw err;
    }
    if (matrix.version > MAX_SHOW_VERSION) {
      throw tooLarge(
        `it needs QR version ${matrix.version} (${matrix.size} modules wide); a terminal shows at most version ${MAX_SHOW_VERSION}`,
      );
    }
    const text = renderMatrixToTerminal(matrix, { invert: values.invert === true });
    const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
    const width = text.indexOf('\n');
    if (columns !== undefined && columns < width) {
      throw new UsageError(
        `the QR code is ${width} columns wide; the terminal has ${columns}: widen it and try again`,
      );
    }
    process.stdout.write(text);
    process.stderr.write(
      `${encoder.format}, ${payload.length} bytes, QR version ${matrix.version} at ${matrix.errorCorrection}` +
        `${values.invert ? ', inverted (dark modules drawn)' : ' (light modules drawn; --invert for light terminals)'}\n`,
    );
    return EXIT.OK;
  },
};
