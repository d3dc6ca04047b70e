/**
 * The camera side of a QR import: getUserMedia (1280x720) into a <video>, each new video frame drawn
 * on an off-screen canvas, made grey (gray.ts) and scanned for a QR code off the main thread by the
 * scan worker (qr-transport/image/scan-worker.browser.ts, bundled as `scan-worker.js`), one image in
 * flight at a time; what it reads goes to a ScanTracker. When the worker cannot start, scanning
 * falls back to the main thread, throttled so that the page stays responsive (MAIN_THREAD_GAP_MS
 * between scans). Completion stops the camera and the worker before the payload is handed over.
 */
import type { ScannedFrame } from '../../qr-transport/frames.js';
import { scanGray } from '../../qr-transport/image/scan.js';
import type { ReceivedTransfer } from '../../qr-transport/transfer.js';
import { RendererError } from './errors.js';
import { rgbaToGray } from './gray.js';
import { type ScanSnapshot, ScanTracker } from './scan-tracker.js';

export const SCAN_WORKER_URL = 'scan-worker.js';
/** Idle time left to the page between two scans on the main thread. */
const MAIN_THREAD_GAP_MS = 120;

export interface CameraScanHandlers {
  onProgress(snapshot: ScanSnapshot, mode: CameraScan['mode']): void;
  onComplete(transfer: ReceivedTransfer, snapshot: ScanSnapshot): void;
  onError(error: RendererError): void;
}

interface WorkerResponse {
  readonly id: number;
  readonly frame: ScannedFrame | null;
}

export class CameraScan {
  private stream: MediaStream | null = null;
  private worker: Worker | null = null;
  private tracker = new ScanTracker();
  private canvas = document.createElement('canvas');
  private ctx2d: CanvasRenderingContext2D | null = null;
  private stopped = false;
  private inFlight = false;
  private nextId = 1;
  private lastScanEnd = 0;
  private frameCallback: number | null = null;
  mode: 'worker' | 'main-thread' = 'worker';

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly handlers: CameraScanHandlers,
  ) {}

  async start(): Promise<void> {
    if (!navigator.mediaDevices?.getUserMedia) {
      throw new RendererError(
        'CAMERA_UNAVAILABLE',
        'this window has no camera access (mediaDevices missing)',
      );
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        video: { width: 1280, height: 720 },
        audio: false,
      });
    } catch (err) {
      const name = err instanceof Error ? err.name : '';
      const why =
        name === 'NotAllowedError'
          ? 'permission to use the camera was refused'
          : name === 'NotFoundError'
            ? 'no camera is connected'
            : name === 'NotReadableError'
              ? 'the camera is in use by another program'
              : err instanceof Error
                ? err.message
                : String(err);
      throw new RendererError('CAMERA_UNAVAILABLE', `the camera could not be opened: ${why}`);
    }
    if (this.stopped) {
      this.releaseCamera();
      return;
    }
    this.video.srcObject = this.stream;
    this.video.muted = true;
    this.video.playsInline = true;
    await this.video.play().catch(() => {});
    this.startWorker();
    this.schedule();
  }

  private startWorker(): void {
    try {
      const w = new Worker(SCAN_WORKER_URL);
      w.onmessage = (e: MessageEvent<WorkerResponse>) => this.scanned(e.data.frame);
      // A worker that fails to load or dies: go on scanning on the main thread.
      w.onerror = (e) => {
        e.preventDefault?.();
        this.fallBack();
      };
      this.worker = w;
      this.mode = 'worker';
    } catch {
      this.fallBack();
    }
  }

  private fallBack(): void {
    this.worker?.terminate();
    this.worker = null;
    this.mode = 'main-thread';
    if (this.inFlight) {
      this.inFlight = false;
      this.schedule();
    }
  }

  /** Wait for the next new video frame (or animation frame where requestVideoFrameCallback is missing). */
  private schedule(): void {
    if (this.stopped || this.frameCallback !== null) return;
    const v = this.video as HTMLVideoElement & {
      requestVideoFrameCallback?: (cb: () => void) => number;
    };
    const run = (): void => {
      this.frameCallback = null;
      this.pump();
    };
    this.frameCallback = v.requestVideoFrameCallback
      ? v.requestVideoFrameCallback(run)
      : requestAnimationFrame(run);
  }

  private pump(): void {
    if (this.stopped || this.inFlight) return;
    const width = this.video.videoWidth;
    const height = this.video.videoHeight;
    if (width === 0 || height === 0) {
      this.schedule();
      return;
    }
    if (this.mode === 'main-thread' && performance.now() - this.lastScanEnd < MAIN_THREAD_GAP_MS) {
      setTimeout(() => this.schedule(), MAIN_THREAD_GAP_MS);
      return;
    }
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
      this.ctx2d = null;
    }
    this.ctx2d ??= this.canvas.getContext('2d', { willReadFrequently: true });
    if (!this.ctx2d) {
      this.handlers.onError(new RendererError('CAMERA_UNAVAILABLE', 'no 2D canvas to read camera frames'));
      return;
    }
    this.ctx2d.drawImage(this.video, 0, 0, width, height);
    const gray = rgbaToGray(this.ctx2d.getImageData(0, 0, width, height).data, width, height);
    this.inFlight = true;
    if (this.worker) {
      this.worker.postMessage({ id: this.nextId++, width, height, data: gray.data }, [gray.data.buffer]);
    } else {
      this.scanned(scanGray(gray));
    }
  }

  private scanned(frame: ScannedFrame | null): void {
    this.inFlight = false;
    this.lastScanEnd = performance.now();
    if (this.stopped) return;
    const snapshot = this.tracker.offer(frame);
    const result = this.tracker.result();
    if (result !== null) {
      this.stop();
      this.handlers.onProgress(snapshot, this.mode);
      this.handlers.onComplete(result, snapshot);
      return;
    }
    this.handlers.onProgress(snapshot, this.mode);
    this.schedule();
  }

  private releaseCamera(): void {
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stream = null;
  }

  /** Camera off, worker ended; safe to call more than once. */
  stop(): void {
    this.stopped = true;
    this.releaseCamera();
    this.video.srcObject = null;
    this.worker?.terminate();
    this.worker = null;
  }
}
