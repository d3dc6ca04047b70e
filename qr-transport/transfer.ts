/**
 * The transfer layer of Airlock's QR hand-off (docs/transport.md): one encoder facade over the three
 * framings (BC-UR, Airlock's dense frames, BBQr) and one decoder that detects the framing from the
 * first frame it understands and then holds to that transfer.
 *
 * Detection looks at the frame itself, never at the order frames come in: dense frames begin with the
 * bytes `A1 7C` (QR byte mode); UR text begins with `ur:` and BBQr text with `B$` (any case, QR
 * alphanumeric mode). The first frame a codec *accepts* fixes the format and the transfer; from then on
 * frames of another format, or of another transfer of the same format (another payload digest, another
 * UR transfer, a conflicting BBQr part), are `foreign` and never mixed in.
 *
 * For UR, the payload is the content of the CBOR byte string (UR types `bytes`, `crypto-psbt`, `psbt`).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { BbqrDecoder, type BbqrEncoding, encodeBbqr, parseBbqrPart } from './bbqr/bbqr.js';
import { DenseDecoder } from './dense/decoder.js';
import { DenseEncoder } from './dense/encoder.js';
import { hasDenseMagic, parseDenseFrame } from './dense/frame.js';
import { QrTransportError } from './errors.js';
import type { FrameContent, FrameVerdict, ScannedFrame, TransferFormat, TransferProgress } from './frames.js';
import { cborBytes, cborBytesValue, UrDecoder, UrFountainEncoder } from './ur/index.js';

/** UR types whose CBOR is a byte string holding the payload. */
export const PAYLOAD_UR_TYPES = Object.freeze(['bytes', 'crypto-psbt', 'psbt'] as const);
export type PayloadUrType = (typeof PAYLOAD_UR_TYPES)[number];

/** Default UR fragment length in bytes (about QR version 11 at level L once upper-cased). */
export const DEFAULT_UR_FRAGMENT_LENGTH = 200;

export type EncodeOptions =
  | { format: 'ur'; urType?: PayloadUrType; fragmentLength?: number /* default 200 */ }
  | { format: 'dense'; fragmentLength?: number /* default 1200 */; compress?: boolean /* default true */ }
  | {
      format: 'bbqr';
      /** One of BBQr's file types (default `B`, binary; `J` for JSON, `P` for a PSBT). */
      fileType?: string;
      /** Data bytes per part (default 1000). */
      fragmentLength?: number;
      /** Default: `Z` when compression helps, else `2`. */
      encoding?: BbqrEncoding;
    };

export interface TransferEncoder {
  readonly format: TransferFormat;
  /** K (for UR the seqLen, for BBQr the number of parts). */
  readonly fragmentCount: number;
  readonly payloadBytes: number;
  /** Endless: fragments then repair frames (BBQr: its parts over and over); UR and BBQr as upper-case text. */
  nextFrame(): FrameContent;
}

/** Stable machine codes of the transfer layer. Append-only. */
export const TRANSFER_ERROR_CODES = [
  /** `result()` before the transfer completed. */
  'TRANSFER_INCOMPLETE',
  /** `result()` of a transfer that ended `failed`; `cause` holds the codec's error. */
  'TRANSFER_FAILED',
  /** An empty payload: every format refuses to send zero bytes. */
  'TRANSFER_EMPTY_PAYLOAD',
  /** An unknown format or UR type in the options. */
  'TRANSFER_INVALID_OPTION',
  /** A complete UR whose CBOR is not a byte string. */
  'TRANSFER_UR_NOT_BYTES',
] as const;
export type TransferErrorCode = (typeof TRANSFER_ERROR_CODES)[number];

export class TransferError extends QrTransportError {
  declare readonly code: TransferErrorCode;
  constructor(code: TransferErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

function missingCaseError(x: never): Error {
  return new TransferError(
    'TRANSFER_INVALID_OPTION',
    `"format" expected ur, dense or bbqr, got ${JSON.stringify(x)}`,
  );
}

export function createTransferEncoder(payload: Uint8Array, opts: EncodeOptions): TransferEncoder {
  if (!(payload instanceof Uint8Array)) throw new TypeError('"payload" expected Uint8Array');
  if (payload.length === 0) {
    throw new TransferError('TRANSFER_EMPTY_PAYLOAD', 'the payload is empty; Airlock never sends zero bytes');
  }
  const payloadBytes = payload.length;
  switch (opts.format) {
    case 'ur': {
      const urType = opts.urType ?? 'bytes';
      if (!PAYLOAD_UR_TYPES.includes(urType)) {
        throw new TransferError(
          'TRANSFER_INVALID_OPTION',
          `"urType" expected one of ${PAYLOAD_UR_TYPES.join(', ')}, got ${JSON.stringify(urType)}`,
        );
      }
      const enc = new UrFountainEncoder(urType, cborBytes(payload), {
        maxFragmentLength: opts.fragmentLength ?? DEFAULT_UR_FRAGMENT_LENGTH,
      });
      return {
        format: 'ur',
        fragmentCount: enc.fragmentCount,
        payloadBytes,
        nextFrame: () => ({ mode: 'alphanumeric', text: enc.nextPart().toUpperCase() }),
      };
    }
    case 'dense': {
      const enc = new DenseEncoder(payload, { fragmentLength: opts.fragmentLength, compress: opts.compress });
      return {
        format: 'dense',
        fragmentCount: enc.fragmentCount,
        payloadBytes,
        nextFrame: () => ({ mode: 'byte', bytes: enc.nextFrame() }),
      };
    }
    case 'bbqr': {
      const { parts } = encodeBbqr(payload, {
        fileType: opts.fileType,
        partBytes: opts.fragmentLength,
        encoding: opts.encoding,
      });
      let next = 0;
      return {
        format: 'bbqr',
        fragmentCount: parts.length,
        payloadBytes,
        nextFrame: () => {
          const text = parts[next]!;
          next = (next + 1) % parts.length;
          return { mode: 'alphanumeric', text };
        },
      };
    }
    default:
      throw missingCaseError(opts);
  }
}

export interface ReceivedTransfer {
  readonly format: TransferFormat;
  readonly payload: Uint8Array;
  /** SHA-256 of `payload` (for dense, the digest every frame announced and the payload matched). */
  readonly sha256: Uint8Array;
  /** The UR type for UR transfers (`bytes`, `crypto-psbt`, `psbt`), else null. */
  readonly urType: string | null;
  /** The BBQr file type letter for BBQr transfers (`P`, `J`, `B`, …), else null. */
  readonly bbqrFileType: string | null;
}

const UR_PREFIX = /^ur:([a-z0-9-]+)\//i;

/**
 * The format a frame claims by its first bytes or characters, or null. Cheap and total; it does not
 * check the frame (the codec does).
 */
export function detectFrameFormat(frame: ScannedFrame): TransferFormat | null {
  if (hasDenseMagic(frame.bytes)) return 'dense';
  const head = frame.text.trimStart().slice(0, 3).toLowerCase();
  if (head === 'ur:') return 'ur';
  if (head.startsWith('b$')) return 'bbqr';
  return null;
}

type Codec =
  | { readonly format: 'dense'; readonly decoder: DenseDecoder }
  | { readonly format: 'ur'; readonly decoder: UrDecoder }
  | { readonly format: 'bbqr'; readonly decoder: BbqrDecoder };

/**
 * Receives one transfer from scanned frames of any of the three formats. `receive()` never throws.
 * After completion (or failure) every frame is `done`.
 */
export class TransferDecoder {
  private codec: Codec | null = null;
  private resultValue: ReceivedTransfer | null = null;
  private failure: QrTransportError | null = null;
  private accepted = 0;
  private ignored = 0;
  private maxPercent = 0;

  get format(): TransferFormat | null {
    return this.codec?.format ?? null;
  }

  receive(frame: ScannedFrame): FrameVerdict {
    let verdict: FrameVerdict;
    try {
      verdict = this.take(frame);
    } catch {
      verdict = 'corrupt'; // the codecs never throw while scanning; this only guards the promise
    }
    if (verdict === 'accepted') this.accepted++;
    else if (verdict !== 'done') this.ignored++;
    return verdict;
  }

  private take(frame: ScannedFrame): FrameVerdict {
    if (this.resultValue !== null || this.failure !== null) return 'done';
    const claimed = detectFrameFormat(frame);
    if (claimed === null) return 'corrupt';
    if (this.codec !== null && this.codec.format !== claimed) {
      return isWellFormed(claimed, frame) ? 'foreign' : 'corrupt';
    }
    const codec = this.codec ?? newCodec(claimed);
    let verdict: FrameVerdict;
    switch (codec.format) {
      case 'dense':
        verdict = codec.decoder.receive(frame.bytes);
        break;
      case 'ur': {
        const text = frame.text.trim();
        const type = UR_PREFIX.exec(text)?.[1]?.toLowerCase();
        if (type === undefined) return 'corrupt';
        if (!(PAYLOAD_UR_TYPES as readonly string[]).includes(type)) return 'foreign';
        verdict = codec.decoder.receive(text);
        break;
      }
      case 'bbqr':
        verdict = codec.decoder.receive(frame.text.trim());
        break;
      default:
        throw missingCaseError(codec);
    }
    if (this.codec === null && verdict === 'accepted') this.codec = codec;
    if (this.codec === codec) this.settle(codec);
    return verdict;
  }

  /** Moves a finished codec's outcome into this transfer's result or failure. */
  private settle(codec: Codec): void {
    const p = codec.decoder.progress();
    if (p.state === 'failed') {
      const code = p.error?.code ?? 'TRANSFER_FAILED';
      this.failure = new QrTransportError(code, p.error?.message ?? 'the transfer failed');
      return;
    }
    if (!codec.decoder.isComplete()) return;
    switch (codec.format) {
      case 'dense': {
        const r = codec.decoder.result();
        this.resultValue = Object.freeze({
          format: 'dense',
          payload: r.payload,
          sha256: r.sha256,
          urType: null,
          bbqrFileType: null,
        });
        return;
      }
      case 'ur': {
        const r = codec.decoder.result();
        let payload: Uint8Array;
        try {
          payload = cborBytesValue(r.cbor);
        } catch (e) {
          this.failure = new TransferError(
            'TRANSFER_UR_NOT_BYTES',
            `the ur:${r.type} carries CBOR that is not a byte string: ${(e as Error).message}`,
          );
          return;
        }
        this.resultValue = Object.freeze({
          format: 'ur',
          payload,
          sha256: sha256(payload),
          urType: r.type,
          bbqrFileType: null,
        });
        return;
      }
      case 'bbqr': {
        const r = codec.decoder.result();
        this.resultValue = Object.freeze({
          format: 'bbqr',
          payload: r.payload,
          sha256: r.sha256,
          urType: null,
          bbqrFileType: r.fileType,
        });
        return;
      }
      default:
        throw missingCaseError(codec);
    }
  }

  isComplete(): boolean {
    return this.resultValue !== null;
  }

  /**
   * Progress of the transfer. `percent` never goes down; `framesStillExpected` is the codec's lower
   * bound (dense: K minus the rank; BBQr: parts missing; UR: fragments not yet pinned down).
   */
  progress(): TransferProgress {
    const base = { framesAccepted: this.accepted, framesIgnored: this.ignored };
    if (this.failure !== null) {
      return {
        ...base,
        state: 'failed',
        format: this.format,
        percent: this.maxPercent,
        framesStillExpected: null,
        error: { code: this.failure.code, message: this.failure.message },
      };
    }
    if (this.codec === null) {
      return { ...base, state: 'waiting', format: null, percent: 0, framesStillExpected: null, error: null };
    }
    const p = this.codec.decoder.progress();
    this.maxPercent = Math.max(this.maxPercent, this.resultValue ? 100 : Math.min(99, p.percent));
    return {
      ...base,
      state: this.resultValue ? 'complete' : 'receiving',
      format: this.codec.format,
      percent: this.maxPercent,
      framesStillExpected: this.resultValue ? 0 : p.framesStillExpected,
      error: null,
    };
  }

  /** The received payload; throws `TRANSFER_INCOMPLETE` before completion, `TRANSFER_FAILED` after a failure. */
  result(): ReceivedTransfer {
    if (this.resultValue !== null) return this.resultValue;
    if (this.failure !== null) {
      throw new TransferError(
        'TRANSFER_FAILED',
        `the transfer failed (${this.failure.code}): ${this.failure.message}`,
        {
          cause: this.failure,
        },
      );
    }
    const p = this.progress();
    throw new TransferError(
      'TRANSFER_INCOMPLETE',
      this.codec === null
        ? 'the transfer is incomplete: no frame of a known format has been accepted yet'
        : `the ${this.codec.format} transfer is incomplete (${p.percent}%` +
            (p.framesStillExpected === null
              ? ')'
              : `, at least ${p.framesStillExpected} more frame(s) needed)`),
    );
  }
}

function newCodec(format: TransferFormat): Codec {
  switch (format) {
    case 'dense':
      return { format, decoder: new DenseDecoder() };
    case 'ur':
      return { format, decoder: new UrDecoder() };
    case 'bbqr':
      return { format, decoder: new BbqrDecoder() };
    default:
      throw missingCaseError(format);
  }
}

/** Whether a frame of another format than the transfer's is a valid frame of its own format. */
function isWellFormed(format: TransferFormat, frame: ScannedFrame): boolean {
  switch (format) {
    case 'dense':
      return parseDenseFrame(frame.bytes).ok;
    case 'ur':
      return UR_PREFIX.test(frame.text.trim());
    case 'bbqr':
      return parseBbqrPart(frame.text.trim()) !== null;
    default:
      throw missingCaseError(format);
  }
}
