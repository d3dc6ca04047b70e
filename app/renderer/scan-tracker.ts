/**
 * What the import screen knows about a camera transfer, apart from the camera: every scanned image
 * (a read QR frame or nothing) goes to a `TransferDecoder` (qr-transport/transfer.ts, which detects
 * dense, UR or BBQr from the frames), and the tracker counts images seen, codes read and frames that
 * added information, and keeps the last thing worth telling the operator.
 *
 * Never throws and never stops by itself: a frame of another transfer or a damaged one is a notice;
 * a transfer that fails as a whole (its payload does not match its announced digest) is reported
 * and the decoder is replaced by a fresh one, so scanning simply goes on. Only a complete, verified
 * payload ends the scan. Pure (no DOM, no `node:`).
 */
import type { FrameVerdict, ScannedFrame, TransferFormat } from '../../qr-transport/frames.js';
import { type ReceivedTransfer, TransferDecoder } from '../../qr-transport/transfer.js';

export interface ScanSnapshot {
  readonly state: 'waiting' | 'receiving' | 'complete';
  readonly format: TransferFormat | null;
  /** 0..100; never goes down within one transfer. */
  readonly percent: number;
  /** Camera images scanned. */
  readonly seen: number;
  /** Images in which a QR code was read. */
  readonly read: number;
  /** Frames that added information to the transfer. */
  readonly useful: number;
  readonly stillExpected: number | null;
  /** The latest problem, for the operator (cleared when a new frame is accepted). */
  readonly notice: { readonly code: string; readonly message: string } | null;
  /** Transfers that failed as a whole and were restarted. */
  readonly restarts: number;
}

const NOTICES: Partial<Record<FrameVerdict, { code: string; message: string }>> = {
  foreign: {
    code: 'FOREIGN_FRAME',
    message: 'a QR code of another transfer is in view and was ignored: show only the batch being sent',
  },
  corrupt: {
    code: 'UNREADABLE_FRAME',
    message: 'a QR code that is not an Airlock, UR or BBQr frame (or failed its checksum) was ignored',
  },
};

export class ScanTracker {
  private decoder = new TransferDecoder();
  private seen = 0;
  private read = 0;
  private useful = 0;
  private restarts = 0;
  private notice: ScanSnapshot['notice'] = null;
  private resultValue: ReceivedTransfer | null = null;

  /** One scanned image: the QR frame read in it, or null when none was. */
  offer(frame: ScannedFrame | null): ScanSnapshot {
    this.seen++;
    if (frame === null || this.resultValue !== null) return this.snapshot();
    this.read++;
    const verdict = this.decoder.receive(frame);
    if (verdict === 'accepted') {
      this.useful++;
      this.notice = null;
    } else {
      const n = NOTICES[verdict];
      if (n !== undefined) this.notice = n;
    }
    const p = this.decoder.progress();
    if (p.state === 'failed') {
      this.notice = {
        code: p.error?.code ?? 'TRANSFER_FAILED',
        message: `the transfer failed (${p.error?.message ?? 'unknown reason'}); scanning starts over`,
      };
      this.restarts++;
      this.useful = 0;
      this.decoder = new TransferDecoder();
    } else if (this.decoder.isComplete()) {
      this.resultValue = this.decoder.result();
    }
    return this.snapshot();
  }

  snapshot(): ScanSnapshot {
    const p = this.decoder.progress();
    return {
      state: this.resultValue !== null ? 'complete' : p.state === 'receiving' ? 'receiving' : 'waiting',
      format: p.format,
      percent: p.percent,
      seen: this.seen,
      read: this.read,
      useful: this.useful,
      stillExpected: p.framesStillExpected,
      notice: this.notice,
      restarts: this.restarts,
    };
  }

  /** The complete, verified transfer, or null while scanning. */
  result(): ReceivedTransfer | null {
    return this.resultValue;
  }
}
