/**
 * Receiving a UR over animated QR (BCR-2020-005 with BCR-2024-001 multipart): a state machine fed one
 * scanned text at a time. It never throws while scanning; each frame gets a verdict:
 *
 * - the first valid part fixes the transfer: type, seqLen, messageLen, checksum, fragment length;
 * - a valid part of another transfer is 'foreign' and is never mixed in;
 * - text that is not a UR, fails its Bytewords CRC, is not a canonical part CBOR, disagrees with its
 *   own sequence component, exceeds the caps (limits.ts) or has an inconsistent fragment length is
 *   'corrupt';
 * - a part that adds nothing is 'duplicate'; once finished, every frame is 'done'.
 *
 * When the fragments are all known the message's CRC-32 must equal the announced checksum, else the
 * transfer ends 'failed' (error `UR_CHECKSUM`), reported by `progress()`, not thrown. A single-part UR
 * completes at once, or, during a multipart transfer, when it is that transfer's message.
 */

import type { FrameVerdict, TransferProgress } from '../frames.js';
import { decodeBytewords } from './bytewords.js';
import { crc32 } from './crc32.js';
import { UrError } from './errors.js';
import { FountainDecoder } from './fountain-decoder.js';
import { decodePartCbor } from './fountain-encoder.js';
import { MAX_MESSAGE_LEN, MAX_SEQ_LEN } from './limits.js';
import { parseUr } from './ur.js';

export class UrDecoder {
  private type: string | null = null;
  private fountain: FountainDecoder | null = null;
  private done: { readonly type: string; readonly cbor: Uint8Array } | null = null;
  private failure: { readonly code: string; readonly message: string } | null = null;
  private accepted = 0;
  private ignored = 0;
  /** The estimate never goes back (a reduction can merge two kept equations into one). */
  private percentShown = 0;

  /** Feeds one scanned text (any case). Never throws. */
  receive(text: string): FrameVerdict {
    if (this.done !== null || this.failure !== null) return 'done';
    let verdict: FrameVerdict;
    try {
      verdict = this.take(text);
    } catch {
      // Every refusal of the parsers (UrError) lands here; so would anything unforeseen.
      verdict = 'corrupt';
    }
    if (verdict === 'accepted') this.accepted++;
    else this.ignored++;
    if (this.fountain !== null) {
      const { seqLen } = this.fountain.transfer;
      const equations = this.fountain.knownFragments + this.fountain.mixedParts;
      this.percentShown = Math.max(this.percentShown, Math.min(99, Math.floor((100 * equations) / seqLen)));
    }
    return verdict;
  }

  private take(text: string): FrameVerdict {
    const parsed = parseUr(text);
    const payload = decodeBytewords(parsed.body, 'minimal');
    if (parsed.seq === null) return this.takeSinglePart(parsed.type, payload);

    const part = decodePartCbor(payload);
    if (part.seqNum !== parsed.seq.num || part.seqLen !== parsed.seq.len) return 'corrupt';
    const { seqLen, messageLen, checksum } = part;
    const fragmentLen = part.data.length;
    if (seqLen > MAX_SEQ_LEN || messageLen < 1 || messageLen > MAX_MESSAGE_LEN) return 'corrupt';
    // The reference cuts messageLen bytes into seqLen fragments of fragmentLen: nothing else is a part.
    if (fragmentLen > messageLen || Math.ceil(messageLen / fragmentLen) !== seqLen) return 'corrupt';

    if (this.fountain === null) {
      this.type = parsed.type;
      this.fountain = new FountainDecoder({ seqLen, messageLen, checksum, fragmentLen });
    } else {
      const t = this.fountain.transfer;
      if (
        parsed.type !== this.type ||
        seqLen !== t.seqLen ||
        messageLen !== t.messageLen ||
        checksum !== t.checksum ||
        fragmentLen !== t.fragmentLen
      ) {
        return 'foreign';
      }
    }
    const verdict = this.fountain.receive(part);
    const status = this.fountain.status;
    if (status === 'complete') {
      this.done = { type: parsed.type, cbor: this.fountain.result()! };
    } else if (status === 'checksum-mismatch') {
      this.failure = {
        code: 'UR_CHECKSUM',
        message:
          `the rebuilt ${messageLen}-byte message does not match the checksum its parts announced ` +
          `(${checksum.toString(16).padStart(8, '0')}): a part was forged or damaged; scan again`,
      };
    }
    return verdict;
  }

  private takeSinglePart(type: string, cbor: Uint8Array): FrameVerdict {
    if (cbor.length > MAX_MESSAGE_LEN) return 'corrupt';
    if (this.fountain === null) {
      this.type = type;
      this.done = { type, cbor };
      return 'accepted';
    }
    // During a multipart transfer, only that transfer's own message completes it.
    const t = this.fountain.transfer;
    if (type !== this.type || cbor.length !== t.messageLen || crc32(cbor) !== t.checksum) return 'foreign';
    this.done = { type, cbor };
    return 'accepted';
  }

  progress(): TransferProgress {
    const base = { format: 'ur' as const, framesAccepted: this.accepted, framesIgnored: this.ignored };
    if (this.done !== null) {
      return { ...base, state: 'complete', percent: 100, framesStillExpected: 0, error: null };
    }
    if (this.fountain === null) {
      return { ...base, state: 'waiting', percent: 0, framesStillExpected: null, error: null };
    }
    const { seqLen } = this.fountain.transfer;
    const equations = this.fountain.knownFragments + this.fountain.mixedParts;
    const percent = this.percentShown;
    if (this.failure !== null) {
      return { ...base, state: 'failed', percent, framesStillExpected: null, error: { ...this.failure } };
    }
    // Each frame adds at most one equation over the fragments: a true lower bound.
    const framesStillExpected = Math.max(1, seqLen - equations);
    return { ...base, state: 'receiving', percent, framesStillExpected, error: null };
  }

  isComplete(): boolean {
    return this.done !== null;
  }

  /** The UR's type and CBOR; throws `UrError` `UR_INCOMPLETE` before completion, or the failure's code. */
  result(): { type: string; cbor: Uint8Array } {
    if (this.done !== null) return { type: this.done.type, cbor: this.done.cbor.slice() };
    if (this.failure !== null) throw new UrError('UR_CHECKSUM', this.failure.message);
    if (this.fountain === null)
      throw new UrError('UR_INCOMPLETE', 'UR transfer incomplete: no part received yet');
    const { seqLen } = this.fountain.transfer;
    throw new UrError(
      'UR_INCOMPLETE',
      `UR transfer incomplete: ${this.fountain.knownFragments} of ${seqLen} fragments known; keep scanning`,
    );
  }
}
