/**
 * The fountain encoder of BCR-2024-001 ("Multipart UR"; reference BlockchainCommons/bc-ur
 * `fountain-encoder.cpp`): the message is cut into seqLen equal fragments; parts 1..seqLen carry them
 * in order, every later part the XOR of a pseudo-random subset chosen from (seqNum, seqLen, checksum).
 * The stream is endless and rateless: a receiver needs about seqLen parts, any of them.
 *
 * A part travels as the CBOR array `[seqNum, seqLen, messageLen, checksum, data]` (all unsigned
 * integers below 2^32, data a non-empty byte string); `decodePartCbor` enforces that shape.
 */
import { decodeCbor, encodeCbor } from './cbor.js';
import { crc32 } from './crc32.js';
import { UrError } from './errors.js';
import { chooseFragments, findNominalFragmentLength, partitionMessage, xorInto } from './fountain-utils.js';
import { MAX_MESSAGE_LEN, MAX_SEQ_LEN, MAX_SEQ_NUM } from './limits.js';

export interface FountainPart {
  readonly seqNum: number;
  readonly seqLen: number;
  readonly messageLen: number;
  /** CRC-32 of the whole message. */
  readonly checksum: number;
  /** The fragment, or the XOR of several; always the nominal fragment length. */
  readonly data: Uint8Array;
}

export function encodePartCbor(part: FountainPart): Uint8Array {
  return encodeCbor([part.seqNum, part.seqLen, part.messageLen, part.checksum, part.data]);
}

/**
 * Parses a part's CBOR: exactly `[uint, uint, uint, uint, bytes]`, each integer below 2^32, data not
 * empty. Throws `UrError` `UR_CBOR`. (Limits and consistency are the decoder's to check.)
 */
export function decodePartCbor(cbor: Uint8Array): FountainPart {
  const item = decodeCbor(cbor);
  if (!Array.isArray(item) || item.length !== 5) {
    throw new UrError(
      'UR_CBOR',
      'multipart part: expected an array of 5 items [seqNum, seqLen, messageLen, checksum, data]',
    );
  }
  const names = ['seqNum', 'seqLen', 'messageLen', 'checksum'] as const;
  const ints: number[] = [];
  names.forEach((name, i) => {
    const v = item[i];
    if (typeof v !== 'number' || v > MAX_SEQ_NUM) {
      throw new UrError('UR_CBOR', `multipart part: "${name}" expected an unsigned integer below 2^32`);
    }
    ints.push(v);
  });
  const data = item[4];
  if (!(data instanceof Uint8Array) || data.length === 0) {
    throw new UrError('UR_CBOR', 'multipart part: "data" expected a non-empty byte string');
  }
  return { seqNum: ints[0]!, seqLen: ints[1]!, messageLen: ints[2]!, checksum: ints[3]!, data };
}

export interface FountainEncoderOptions {
  /** Default 200 (bytes of message per part). */
  readonly maxFragmentLength?: number;
  /** Default 10. */
  readonly minFragmentLength?: number;
  /** The part before the first one produced; default 0, so the first part is seqNum 1. */
  readonly firstSeqNum?: number;
}

export class FountainEncoder {
  readonly messageLen: number;
  readonly checksum: number;
  readonly fragmentLen: number;
  private readonly fragments: readonly Uint8Array[];
  private seqNum: number;

  constructor(message: Uint8Array, opts: FountainEncoderOptions = {}) {
    if (!(message instanceof Uint8Array)) throw new UrError('UR_ARGUMENT', '"message" expected a Uint8Array');
    if (message.length === 0) throw new UrError('UR_ARGUMENT', '"message" expected at least one byte');
    if (message.length > MAX_MESSAGE_LEN) {
      throw new UrError(
        'UR_TOO_LARGE',
        `message of ${message.length} bytes is above the ${MAX_MESSAGE_LEN}-byte cap`,
      );
    }
    const maxFragmentLength = opts.maxFragmentLength ?? 200;
    const minFragmentLength = opts.minFragmentLength ?? 10;
    const firstSeqNum = opts.firstSeqNum ?? 0;
    if (!Number.isSafeInteger(firstSeqNum) || firstSeqNum < 0 || firstSeqNum > MAX_SEQ_NUM) {
      throw new UrError('UR_ARGUMENT', `"firstSeqNum" expected an integer in [0, 2^32), got ${firstSeqNum}`);
    }
    this.messageLen = message.length;
    this.checksum = crc32(message);
    this.fragmentLen = findNominalFragmentLength(message.length, minFragmentLength, maxFragmentLength);
    this.fragments = partitionMessage(message, this.fragmentLen);
    if (this.fragments.length > MAX_SEQ_LEN) {
      throw new UrError(
        'UR_TOO_LARGE',
        `${this.fragments.length} fragments of ${this.fragmentLen} bytes are above the ${MAX_SEQ_LEN}-fragment cap; raise maxFragmentLength`,
      );
    }
    this.seqNum = firstSeqNum;
  }

  get seqLen(): number {
    return this.fragments.length;
  }

  /** The next part (seqNum + 1; after 2^32 - 1 the count wraps to 1, where the reference breaks). */
  nextPart(): FountainPart {
    this.seqNum = this.seqNum >= MAX_SEQ_NUM ? 1 : this.seqNum + 1;
    const data = new Uint8Array(this.fragmentLen);
    for (const index of chooseFragments(this.seqNum, this.seqLen, this.checksum)) {
      xorInto(data, this.fragments[index]!);
    }
    return {
      seqNum: this.seqNum,
      seqLen: this.seqLen,
      messageLen: this.messageLen,
      checksum: this.checksum,
      data,
    };
  }
}
