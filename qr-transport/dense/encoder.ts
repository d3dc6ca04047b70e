/**
 * The sending side of the dense framing (frame.ts) and its fountain code (fountain.ts): splits one
 * payload into K equal fragments and produces an endless run of frames, the K plain fragments first,
 * then repair frames: GF(256) sums up to `DENSE_LIMITS.maxGf256FragmentCount` fragments, GF(2) XOR
 * subsets (fountain-gf2.ts) above. Writes version 2. Deterministic: the same payload and options
 * give the same frames.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { DenseError } from './errors.js';
import { combineFragmentsGf256, type RepairField } from './fountain.js';
import { combineFragments, frameCoefficients } from './fountain-gf2.js';
import {
  DEFAULT_DENSE_FRAGMENT_LENGTH,
  DENSE_LIMITS,
  DENSE_VERSION,
  type DenseTransferParams,
  encodeDenseFrame,
  FRAME_OVERHEAD,
} from './frame.js';
import { deflateRaw } from './raw-deflate.js';

export interface DenseEncodeOptions {
  /**
   * Largest fragment length in bytes (default 1200: 1256-byte frames, QR version 25 at level L). The
   * fragments are then evened out, so every frame has the same size and QR version.
   */
  readonly fragmentLength?: number;
  /** Send raw-DEFLATE compressed when that is smaller (default true). */
  readonly compress?: boolean;
  /**
   * The field repair frames are mixed in. Default: gf256 up to `DENSE_LIMITS.maxGf256FragmentCount`
   * fragments, gf2 above (where gf256 is refused with DENSE_INVALID_OPTION).
   */
  readonly repairField?: RepairField;
}

export class DenseEncoder {
  readonly params: DenseTransferParams;
  /** Bytes of one frame (every frame of a transfer has the same size). */
  readonly frameBytes: number;
  private readonly fragments: Uint32Array[];
  private readonly fragmentBytes: Uint8Array[];
  private seq = 0;

  constructor(payload: Uint8Array, opts: DenseEncodeOptions = {}) {
    if (!(payload instanceof Uint8Array)) throw new TypeError('"payload" expected Uint8Array');
    if (payload.length === 0) {
      throw new DenseError(
        'DENSE_EMPTY_PAYLOAD',
        'the payload is empty; a dense transfer carries at least one byte',
      );
    }
    if (payload.length > DENSE_LIMITS.maxPayloadBytes) {
      throw new DenseError(
        'DENSE_PAYLOAD_TOO_LARGE',
        `the payload is ${payload.length} bytes; dense transfers carry at most ${DENSE_LIMITS.maxPayloadBytes}`,
      );
    }
    const maxFragment = opts.fragmentLength ?? DEFAULT_DENSE_FRAGMENT_LENGTH;
    if (
      !Number.isInteger(maxFragment) ||
      maxFragment < DENSE_LIMITS.minFragmentLength ||
      maxFragment > DENSE_LIMITS.maxFragmentLength
    ) {
      throw new DenseError(
        'DENSE_INVALID_OPTION',
        `"fragmentLength" expected an integer from ${DENSE_LIMITS.minFragmentLength} to ${DENSE_LIMITS.maxFragmentLength}, got ${maxFragment}`,
      );
    }
    let sent = payload;
    let compressed = false;
    if (opts.compress ?? true) {
      const z = deflateRaw(payload);
      if (z.length < payload.length) {
        sent = z;
        compressed = true;
      }
    }
    const k = Math.ceil(sent.length / maxFragment);
    if (k > DENSE_LIMITS.maxFragmentCount) {
      throw new DenseError(
        'DENSE_TOO_MANY_FRAGMENTS',
        `${sent.length} bytes at ${maxFragment} bytes a fragment need ${k} fragments; the limit is ${DENSE_LIMITS.maxFragmentCount} (use a longer fragment length)`,
      );
    }
    const repairField = opts.repairField ?? (k <= DENSE_LIMITS.maxGf256FragmentCount ? 'gf256' : 'gf2');
    if (repairField !== 'gf256' && repairField !== 'gf2') {
      throw new DenseError(
        'DENSE_INVALID_OPTION',
        `"repairField" expected gf256 or gf2, got ${JSON.stringify(repairField)}`,
      );
    }
    if (repairField === 'gf256' && k > DENSE_LIMITS.maxGf256FragmentCount) {
      throw new DenseError(
        'DENSE_INVALID_OPTION',
        `"repairField" gf256 allows at most ${DENSE_LIMITS.maxGf256FragmentCount} fragments; this payload needs ${k} (use gf2)`,
      );
    }
    // Even the fragments out so the last one is not a runt: same frame size, same QR version throughout.
    const fragmentLength = Math.ceil(sent.length / k);
    this.params = Object.freeze({
      version: DENSE_VERSION,
      repairField,
      sha256: sha256(payload),
      compressed,
      originalLength: payload.length,
      sentLength: sent.length,
      fragmentCount: k,
      fragmentLength,
    });
    this.frameBytes = FRAME_OVERHEAD + fragmentLength;
    const words = (fragmentLength + 3) >>> 2;
    this.fragments = [];
    this.fragmentBytes = [];
    for (let i = 0; i < k; i++) {
      const bytes = new Uint8Array(words * 4);
      bytes.set(sent.subarray(i * fragmentLength, Math.min((i + 1) * fragmentLength, sent.length)));
      this.fragmentBytes.push(bytes);
      this.fragments.push(new Uint32Array(bytes.buffer));
    }
  }

  get fragmentCount(): number {
    return this.params.fragmentCount;
  }

  /** The frame with a given sequence number (0 .. K-1 plain, K and above repair). */
  frame(seqNum: number): Uint8Array {
    if (!Number.isInteger(seqNum) || seqNum < 0 || seqNum > DENSE_LIMITS.maxSeqNum) {
      throw new RangeError(`"seqNum" expected an integer from 0 to ${DENSE_LIMITS.maxSeqNum}, got ${seqNum}`);
    }
    const { params } = this;
    if (seqNum < params.fragmentCount) {
      return encodeDenseFrame(params, seqNum, this.fragmentBytes[seqNum]!.subarray(0, params.fragmentLength));
    }
    const acc = new Uint32Array(this.fragments[0]!.length);
    if (params.repairField === 'gf256') {
      combineFragmentsGf256(params.sha256, seqNum, this.fragments, acc);
      return encodeDenseFrame(params, seqNum, new Uint8Array(acc.buffer, 0, params.fragmentLength));
    }
    combineFragments(frameCoefficients(params.sha256, params.fragmentCount, seqNum), this.fragments, acc);
    return encodeDenseFrame(params, seqNum, new Uint8Array(acc.buffer, 0, params.fragmentLength));
  }

  /** The next frame of the endless run: the K plain fragments, then repair frames. */
  nextFrame(): Uint8Array {
    const f = this.frame(this.seq);
    // After 2^32 frames, start the repair frames again: they are as good as new to any receiver.
    this.seq = this.seq >= DENSE_LIMITS.maxSeqNum ? this.params.fragmentCount : this.seq + 1;
    return f;
  }
}
