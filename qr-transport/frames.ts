/**
 * The shared vocabulary of qr-transport: what an encoder puts into one QR code, what a scanner reads
 * back out of one, and how a decoder reports its progress. Every codec (BC-UR, Airlock's dense
 * framing, BBQr) speaks these types, so the UI, the CLI and the benchmark treat them alike.
 *
 * Pure: this folder's codec imports nothing from Electron and nothing from `node:`, so it runs in the
 * renderer (and a Web Worker) as well as in Node.
 */

/** The content of one QR code as an encoder produces it. */
export type FrameContent =
  /** Upper-case UR or BBQr text, rendered in QR alphanumeric mode (denser than byte mode). */
  | { readonly mode: 'alphanumeric'; readonly text: string }
  /** Airlock's dense frames: raw bytes in QR byte mode. */
  | { readonly mode: 'byte'; readonly bytes: Uint8Array };

/**
 * One QR code as a scanner read it. jsqr gives both views of the same code: `bytes` are the raw
 * byte-mode (or alphanumeric) data, `text` the same decoded as text.
 */
export interface ScannedFrame {
  readonly text: string;
  readonly bytes: Uint8Array;
}

/** Which framing a transfer uses; the decoder detects it from the first frame it understands. */
export type TransferFormat = 'ur' | 'dense' | 'bbqr';

/** The outcome of feeding one frame to a decoder. Decoders never throw while scanning. */
export type FrameVerdict =
  /** The frame belonged to this transfer and added information. */
  | 'accepted'
  /** The frame belonged to this transfer but added nothing (a duplicate, or already implied). */
  | 'duplicate'
  /** The frame is of another transfer (another payload digest or UR type) and was ignored. */
  | 'foreign'
  /** The frame is not one of ours, or failed its checksum, and was ignored. */
  | 'corrupt'
  /** The transfer is already complete; the frame was not looked at. */
  | 'done';

export interface TransferProgress {
  readonly state: 'waiting' | 'receiving' | 'complete' | 'failed';
  readonly format: TransferFormat | null;
  /** 0..100, an estimate while receiving; 100 once complete. */
  readonly percent: number;
  /** Frames that added information to this transfer. */
  readonly framesAccepted: number;
  /** Frames ignored as foreign, corrupt or duplicate. */
  readonly framesIgnored: number;
  /** A lower bound on the further frames needed, when the format lets us know it; else null. */
  readonly framesStillExpected: number | null;
  /** Set when state is 'failed': the whole payload did not match its announced digest, say. */
  readonly error: { readonly code: string; readonly message: string } | null;
}
