/**
 * The animated-QR side of BCR-2020-005 / BCR-2024-001: a UR as an endless stream of parts
 * `ur:<type>/<seqNum>-<seqLen>/<Bytewords of the part's CBOR>`, or, when the CBOR fits in one
 * fragment, the single-part UR over and over (as the reference UREncoder does).
 */
import { encodeBytewords } from './bytewords.js';
import { encodePartCbor, FountainEncoder, type FountainEncoderOptions } from './fountain-encoder.js';
import { checkCborArgument, checkUrType, encodeUr } from './ur.js';

export class UrFountainEncoder {
  /** seqLen: the number of fragments; a receiver needs about this many parts. */
  readonly fragmentCount: number;
  readonly isSinglePart: boolean;
  private readonly type: string;
  private readonly single: string | null;
  private readonly fountain: FountainEncoder;

  /** `opts`: maxFragmentLength (default 200), minFragmentLength (10), firstSeqNum (0). */
  constructor(type: string, cbor: Uint8Array, opts: FountainEncoderOptions = {}) {
    checkUrType(type);
    checkCborArgument(cbor);
    this.type = type;
    this.fountain = new FountainEncoder(cbor, opts);
    this.fragmentCount = this.fountain.seqLen;
    this.isSinglePart = this.fragmentCount === 1;
    this.single = this.isSinglePart ? encodeUr(type, cbor) : null;
  }

  /** The next part, lower case; endless. */
  nextPart(): string {
    const part = this.fountain.nextPart();
    if (this.single !== null) return this.single;
    return `ur:${this.type}/${part.seqNum}-${part.seqLen}/${encodeBytewords(encodePartCbor(part), 'minimal')}`;
  }
}
