/**
 * The animated QR of the export screen: frames from a transfer encoder (qr-transport/transfer.ts),
 * each encoded as a QR symbol (qr-transport/image/render.ts `encodeQrMatrix`) and drawn on a canvas
 * at an integer number of device pixels a module with a 4-module quiet zone, shown at one canvas
 * pixel per device pixel (image-rendering: pixelated), so a camera, or a screen capture, sees sharp
 * module edges. Timing is FrameScheduler's (playback.ts). The canvas carries the index of the frame
 * shown in `data-frame` (0 = first), its QR version in `data-version` and its scale in `data-scale`.
 */
import { encodeQrMatrix, type QrMatrix } from '../../qr-transport/image/render.js';
import {
  createTransferEncoder,
  type EncodeOptions,
  type TransferEncoder,
} from '../../qr-transport/transfer.js';
import { RendererError } from './errors.js';
import { canvasSide, EXPORT_QUIET_ZONE, FrameScheduler, fitScale, matrixToRgba } from './playback.js';

export interface PlayerState {
  readonly frame: number;
  readonly fragments: number;
  readonly format: string;
  readonly version: number;
  readonly scale: number;
  readonly paused: boolean;
  readonly fps: number;
}

export class QrPlayer {
  private encoder: TransferEncoder;
  private scheduler: FrameScheduler;
  private raf: number | null = null;
  private frame = -1;
  private matrix: QrMatrix | null = null;
  /** Pixels a module; null = the largest that fits `maxSidePx`. */
  private fixedScale: number | null = null;
  private scale = 1;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly payload: Uint8Array,
    options: EncodeOptions,
    fps: number,
    private maxSidePx: () => number,
    private readonly onFrame: (s: PlayerState) => void,
    private readonly onError: (err: unknown) => void,
  ) {
    this.encoder = createTransferEncoder(payload, options);
    this.scheduler = new FrameScheduler(fps);
  }

  get state(): PlayerState {
    return {
      frame: this.frame,
      fragments: this.encoder.fragmentCount,
      format: this.encoder.format,
      version: this.matrix?.version ?? 0,
      scale: this.scale,
      paused: this.scheduler.paused,
      fps: this.scheduler.fps,
    };
  }

  /** Start over with other encoder options (frame 0 again). */
  setOptions(options: EncodeOptions): void {
    this.encoder = createTransferEncoder(this.payload, options);
    this.frame = -1;
    this.scheduler.resume();
    if (this.raf === null) this.start();
  }

  setFps(fps: number): void {
    this.scheduler.setFps(fps);
  }

  setScale(scale: number | null): void {
    this.fixedScale = scale;
    if (this.matrix) this.draw(this.matrix);
  }

  /** Redraw the frame shown at the current size (after a resize). */
  refit(): void {
    if (this.matrix) this.draw(this.matrix);
  }

  pause(): void {
    this.scheduler.pause();
    this.onFrame(this.state);
  }

  resume(): void {
    this.scheduler.resume();
    this.onFrame(this.state);
  }

  /** Show the next frame now (also while paused). */
  step(): void {
    this.next();
  }

  start(): void {
    const loop = (now: number): void => {
      this.raf = requestAnimationFrame(loop);
      try {
        if (this.scheduler.tick(now)) this.next();
      } catch (err) {
        this.stop();
        this.onError(err);
      }
    };
    this.raf = requestAnimationFrame(loop);
  }

  stop(): void {
    if (this.raf !== null) cancelAnimationFrame(this.raf);
    this.raf = null;
  }

  private next(): void {
    let matrix: QrMatrix;
    try {
      matrix = encodeQrMatrix(this.encoder.nextFrame());
    } catch (err) {
      this.stop();
      throw new RendererError('QR_RENDER_FAILED', `frame ${this.frame + 1}: ${(err as Error).message}`);
    }
    this.frame++;
    this.matrix = matrix;
    this.draw(matrix);
  }

  private draw(matrix: QrMatrix): void {
    this.scale = this.fixedScale ?? fitScale(matrix.size, EXPORT_QUIET_ZONE, this.maxSidePx());
    const side = canvasSide(matrix.size, EXPORT_QUIET_ZONE, this.scale);
    if (this.canvas.width !== side || this.canvas.height !== side) {
      this.canvas.width = side;
      this.canvas.height = side;
    }
    // One canvas pixel on one device pixel: CSS size is the device size over the pixel ratio.
    const dpr = globalThis.devicePixelRatio || 1;
    this.canvas.style.width = `${side / dpr}px`;
    this.canvas.style.height = `${side / dpr}px`;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new RendererError('QR_RENDER_FAILED', 'no 2D canvas context');
    const img = matrixToRgba(matrix, this.scale, EXPORT_QUIET_ZONE);
    ctx.putImageData(new ImageData(img.data as Uint8ClampedArray<ArrayBuffer>, img.width, img.height), 0, 0);
    this.canvas.dataset.frame = String(this.frame);
    this.canvas.dataset.version = String(matrix.version);
    this.canvas.dataset.scale = String(this.scale);
    this.canvas.dataset.modules = String(matrix.size);
    this.onFrame(this.state);
  }
}
