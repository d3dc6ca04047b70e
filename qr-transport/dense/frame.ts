/**
 * Airlock's dense frame: one QR code in *byte* mode, Airlock to Airlock (docs/transport.md, "Dense
 * frames"). All integers big-endian.
 *
 * | offset | size | field                                                                     |
 * |-------:|-----:|---------------------------------------------------------------------------|
 * |      0 |    2 | magic `A1 7C`                                                             |
 * |      2 |    1 | version, 2 (version 1, the GF(2)-only code, is still read)                |
 * |      3 |    1 | flags: bit 0 = payload sent raw-DEFLATE compressed; bit 1 = repair frames |
 * |        |      | are GF(2) XOR subsets, not GF(256) sums (version 2 only); bits 2-7 are 0  |
 * |      4 |   32 | SHA-256 of the whole (uncompressed) payload: the transfer's identity      |
 * |     36 |    4 | original length: payload bytes, 1 .. 16 MiB                               |
 * |     40 |    4 | sent length: bytes after compression (= original when not compressed)    |
 * |     44 |    2 | K, the fragment count, 1 .. 65535; K = ceil(sent length / fragment length) |
 * |     46 |    2 | fragment length L, 1 .. 2897 (so a frame fits a version-40-L QR code)     |
 * |     48 |    4 | sequence number: < K the plain fragment of that index, >= K a repair frame |
 * |     52 |    L | fragment data (the last plain fragment is zero-padded to L)               |
 * |   52+L |    4 | CRC-32 (zlib/PNG) of bytes 0 .. 52+L-1                                    |
 *
 * A frame is exactly 56 + L bytes. Parsing is total: any byte string yields either a frame whose every
 * field is within the limits and mutually consistent, or a reason it is not one. A version-2 frame of
 * the GF(256) code announcing more than `DENSE_LIMITS.maxGf256FragmentCount` fragments is refused
 * (`bad-header`): that cap bounds what a hostile sender can make the decoder spend.
 */

import { crc32 } from '../crc32.js';
import type { RepairField } from './fountain.js';

export const DENSE_MAGIC: readonly [number, number] = Object.freeze([0xa1, 0x7c]) as readonly [
  number,
  number,
];
/** The version this code writes. */
export const DENSE_VERSION = 2;
/** The versions this code reads: 1 (GF(2) repair frames only) and 2. */
export const DENSE_READ_VERSIONS: readonly number[] = Object.freeze([1, 2]);
export const FLAG_COMPRESSED = 0x01;
/** Version 2: repair frames are GF(2) XOR subsets (fountain-gf2.ts) instead of GF(256) sums. */
export const FLAG_GF2_REPAIR = 0x02;

/** Offsets of the header fields (see the table above). */
export const OFFSET = Object.freeze({
  magic: 0,
  version: 2,
  flags: 3,
  sha256: 4,
  originalLength: 36,
  sentLength: 40,
  fragmentCount: 44,
  fragmentLength: 46,
  seqNum: 48,
  data: 52,
});
export const HEADER_BYTES = 52;
export const CRC_BYTES = 4;
export const FRAME_OVERHEAD = HEADER_BYTES + CRC_BYTES;

/** Limits a frame must respect, whoever made it. */
export const DENSE_LIMITS = Object.freeze({
  /** Payload bytes, before and after compression. */
  maxPayloadBytes: 16 * 1024 * 1024,
  /** K: fragments in one transfer. */
  maxFragmentCount: 0xffff,
  /**
   * K of a transfer whose repair frames are GF(256) sums: above it the encoder mixes in GF(2) and the
   * parser refuses a GF(256) frame (a repair frame costs the decoder up to K row operations of K + L
   * bytes, and each held repair row K bytes).
   */
  maxGf256FragmentCount: 1000,
  /** L: bytes of data in one frame; 2897 + 56 = 2953 bytes, the capacity of a version-40-L QR code. */
  maxFragmentLength: 2953 - FRAME_OVERHEAD,
  minFragmentLength: 1,
  /** The highest sequence number a frame may carry. */
  maxSeqNum: 0xffffffff,
});

/** The default fragment length: 1256-byte frames, QR version 25 at level L, version 29 at level M. */
export const DEFAULT_DENSE_FRAGMENT_LENGTH = 1200;

/** What every frame of one transfer repeats; two frames belong together when all of it is equal. */
export interface DenseTransferParams {
  /** The frame version (1 or 2); frames of both versions never mix in one transfer. */
  readonly version: number;
  /** The field repair frames are mixed in: gf256, or gf2 (flag bit 1; always for version 1). */
  readonly repairField: RepairField;
  readonly sha256: Uint8Array;
  readonly compressed: boolean;
  readonly originalLength: number;
  readonly sentLength: number;
  readonly fragmentCount: number;
  readonly fragmentLength: number;
}

export interface DenseFrame extends DenseTransferParams {
  readonly seqNum: number;
  /** `fragmentLength` bytes (a view into the scanned bytes). */
  readonly data: Uint8Array;
}

export type DenseParseFailure =
  /** Does not start with the dense magic: not a dense frame at all. */
  | 'not-dense'
  /** The magic is there but the version is one this code does not read. */
  | 'unknown-version'
  /** Shorter than a header, or not exactly 56 + L bytes. */
  | 'bad-length'
  /** The CRC-32 does not match: damaged in transit. */
  | 'bad-crc'
  /** The CRC matches but a field is out of range or inconsistent with the others. */
  | 'bad-header';

export type DenseParseResult =
  | { readonly ok: true; readonly frame: DenseFrame }
  | { readonly ok: false; readonly reason: DenseParseFailure };

/** True when `bytes` starts with the dense magic (the cheap test the transfer layer uses to route). */
export function hasDenseMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === DENSE_MAGIC[0] && bytes[1] === DENSE_MAGIC[1];
}

/** Checks the fields shared by every frame of a transfer; returns null when they are consistent. */
export function transferParamsProblem(p: Omit<DenseTransferParams, 'sha256'>): string | null {
  const { originalLength, sentLength, fragmentCount, fragmentLength, compressed, version, repairField } = p;
  if (!DENSE_READ_VERSIONS.includes(version)) return 'version';
  if (repairField !== 'gf256' && repairField !== 'gf2') return 'repair field';
  if (version === 1 && repairField !== 'gf2') return 'repair field';
  if (!(originalLength >= 1 && originalLength <= DENSE_LIMITS.maxPayloadBytes)) return 'original length';
  if (!(sentLength >= 1 && sentLength <= DENSE_LIMITS.maxPayloadBytes)) return 'sent length';
  // Compression is used only when it makes the payload smaller.
  if (compressed ? sentLength >= originalLength : sentLength !== originalLength) return 'sent length';
  if (
    !(fragmentLength >= DENSE_LIMITS.minFragmentLength && fragmentLength <= DENSE_LIMITS.maxFragmentLength)
  ) {
    return 'fragment length';
  }
  if (!(fragmentCount >= 1 && fragmentCount <= DENSE_LIMITS.maxFragmentCount)) return 'fragment count';
  if (fragmentCount !== Math.ceil(sentLength / fragmentLength)) return 'fragment count';
  if (repairField === 'gf256' && fragmentCount > DENSE_LIMITS.maxGf256FragmentCount) return 'fragment count';
  return null;
}

/** Builds one frame. The caller (the encoder) has validated the parameters. */
export function encodeDenseFrame(params: DenseTransferParams, seqNum: number, data: Uint8Array): Uint8Array {
  if (data.length !== params.fragmentLength) {
    throw new RangeError(`"data" expected ${params.fragmentLength} bytes, got ${data.length}`);
  }
  const frame = new Uint8Array(FRAME_OVERHEAD + params.fragmentLength);
  const view = new DataView(frame.buffer);
  frame[OFFSET.magic] = DENSE_MAGIC[0];
  frame[OFFSET.magic + 1] = DENSE_MAGIC[1];
  frame[OFFSET.version] = params.version;
  frame[OFFSET.flags] =
    (params.compressed ? FLAG_COMPRESSED : 0) |
    (params.version >= 2 && params.repairField === 'gf2' ? FLAG_GF2_REPAIR : 0);
  frame.set(params.sha256, OFFSET.sha256);
  view.setUint32(OFFSET.originalLength, params.originalLength);
  view.setUint32(OFFSET.sentLength, params.sentLength);
  view.setUint16(OFFSET.fragmentCount, params.fragmentCount);
  view.setUint16(OFFSET.fragmentLength, params.fragmentLength);
  view.setUint32(OFFSET.seqNum, seqNum >>> 0);
  frame.set(data, OFFSET.data);
  view.setUint32(HEADER_BYTES + params.fragmentLength, crc32(frame, 0, HEADER_BYTES + params.fragmentLength));
  return frame;
}

/** Parses one scanned byte string. Never throws. */
export function parseDenseFrame(bytes: Uint8Array): DenseParseResult {
  if (!hasDenseMagic(bytes)) return { ok: false, reason: 'not-dense' };
  if (bytes.length < FRAME_OVERHEAD) return { ok: false, reason: 'bad-length' };
  const version = bytes[OFFSET.version]!;
  if (!DENSE_READ_VERSIONS.includes(version)) return { ok: false, reason: 'unknown-version' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fragmentLength = view.getUint16(OFFSET.fragmentLength);
  if (bytes.length !== FRAME_OVERHEAD + fragmentLength) return { ok: false, reason: 'bad-length' };
  if (view.getUint32(HEADER_BYTES + fragmentLength) !== crc32(bytes, 0, HEADER_BYTES + fragmentLength)) {
    return { ok: false, reason: 'bad-crc' };
  }
  const flags = bytes[OFFSET.flags]!;
  const known = version === 1 ? FLAG_COMPRESSED : FLAG_COMPRESSED | FLAG_GF2_REPAIR;
  if ((flags & ~known) !== 0) return { ok: false, reason: 'bad-header' };
  const params = {
    version,
    repairField: version === 1 || (flags & FLAG_GF2_REPAIR) !== 0 ? ('gf2' as const) : ('gf256' as const),
    compressed: (flags & FLAG_COMPRESSED) !== 0,
    originalLength: view.getUint32(OFFSET.originalLength),
    sentLength: view.getUint32(OFFSET.sentLength),
    fragmentCount: view.getUint16(OFFSET.fragmentCount),
    fragmentLength,
  };
  if (transferParamsProblem(params) !== null) return { ok: false, reason: 'bad-header' };
  return {
    ok: true,
    frame: {
      ...params,
      sha256: bytes.subarray(OFFSET.sha256, OFFSET.sha256 + 32),
      seqNum: view.getUint32(OFFSET.seqNum),
      data: bytes.subarray(OFFSET.data, OFFSET.data + fragmentLength),
    },
  };
}

/** True when two frames (or a frame and a transfer) share every transfer-wide field. */
export function sameTransfer(a: DenseTransferParams, b: DenseTransferParams): boolean {
  if (
    a.version !== b.version ||
    a.repairField !== b.repairField ||
    a.compressed !== b.compressed ||
    a.originalLength !== b.originalLength ||
    a.sentLength !== b.sentLength ||
    a.fragmentCount !== b.fragmentCount ||
    a.fragmentLength !== b.fragmentLength
  ) {
    return false;
  }
  for (let i = 0; i < 32; i++) if (a.sha256[i] !== b.sha256[i]) return false;
  return true;
}
