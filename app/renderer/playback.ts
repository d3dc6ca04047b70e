/**
 * The timing and geometry of the animated QR on the export screen, apart from the DOM so that node
 * tests prove them:
 *
 * - `FrameScheduler`: which animation ticks show a new frame at a given speed. A frame is due every
 *   1000/fps ms from the first tick; a tick that comes late shows one frame and starts the next
 *   interval from itself, so a stalled tab never plays a burst of frames (a camera would miss them).
 *   Paused, no frame is due; resuming starts a fresh interval.
 * - `fitScale`: the largest integer number of pixels per module for which the symbol and its quiet
 *   zone fit a box, so every module edge falls on a device-pixel edge (crisp for a camera).
 *
 * Pure: no DOM, no `node:`.
 */

export const MIN_FPS = 1;
export const MAX_FPS = 30;
/** `airlock qr encode`'s default speed, which `qr decode` and the benchmark were measured at. */
export const DEFAULT_FPS = 10;

export class FrameScheduler {
  private intervalMs: number;
  private nextDue: number | null = null;
  private pausedFlag = false;

  constructor(fps: number = DEFAULT_FPS) {
    this.intervalMs = FrameScheduler.interval(fps);
  }

  private static interval(fps: number): number {
    if (!Number.isFinite(fps) || fps < MIN_FPS || fps > MAX_FPS) {
      throw new RangeError(`"fps" expected a number from ${MIN_FPS} to ${MAX_FPS}, got ${fps}`);
    }
    return 1000 / fps;
  }

  get fps(): number {
    return 1000 / this.intervalMs;
  }

  get paused(): boolean {
    return this.pausedFlag;
  }

  /** A new speed takes effect from the next frame shown. */
  setFps(fps: number): void {
    this.intervalMs = FrameScheduler.interval(fps);
    this.nextDue = null;
  }

  pause(): void {
    this.pausedFlag = true;
    this.nextDue = null;
  }

  resume(): void {
    this.pausedFlag = false;
    this.nextDue = null;
  }

  /**
   * Called on every animation tick with the tick's time (ms, monotonic): whether a new frame is due
   * now. The first tick after creation, a speed change or a resume always shows a frame.
   */
  tick(now: number): boolean {
    if (this.pausedFlag) return false;
    if (this.nextDue === null) {
      this.nextDue = now + this.intervalMs;
      return true;
    }
    if (now < this.nextDue) return false;
    // On time (within one interval): keep the cadence; late: restart it from now (no burst).
    this.nextDue =
      now - this.nextDue < this.intervalMs ? this.nextDue + this.intervalMs : now + this.intervalMs;
    return true;
  }
}

/** Quiet zone of the export canvas: the 4 modules ISO/IEC 18004 asks for. */
export const EXPORT_QUIET_ZONE = 4;

/**
 * Largest integer pixels per module so that `size + 2 * quietZone` modules fit in a box of
 * `maxPx` device pixels (at least 1: a symbol never vanishes, it overflows instead), at most `cap`.
 */
export function fitScale(size: number, quietZone: number, maxPx: number, cap = 16): number {
  if (!Number.isInteger(size) || size < 21)
    throw new RangeError(`"size" expected a QR size >= 21, got ${size}`);
  if (!Number.isInteger(quietZone) || quietZone < 0)
    throw new RangeError(`"quietZone" expected a non-negative integer, got ${quietZone}`);
  const fit = Math.floor(maxPx / (size + 2 * quietZone));
  return Math.max(1, Math.min(cap, fit));
}

/** Side of the canvas, in device pixels, for a symbol of `size` modules at `scale`. */
export function canvasSide(size: number, quietZone: number, scale: number): number {
  return (size + 2 * quietZone) * scale;
}

/**
 * A QR matrix drawn as RGBA pixels (dark 0, light 255, opaque) at `scale` pixels a module with a
 * `quietZone`-module light border: what the export canvas puts with putImageData.
 */
export function matrixToRgba(
  matrix: { readonly size: number; readonly modules: Uint8Array },
  scale: number,
  quietZone: number,
): { width: number; height: number; data: Uint8ClampedArray } {
  if (!Number.isInteger(scale) || scale < 1)
    throw new RangeError(`"scale" expected a positive integer, got ${scale}`);
  const side = canvasSide(matrix.size, quietZone, scale);
  const data = new Uint8ClampedArray(side * side * 4).fill(255);
  const px = new Uint32Array(data.buffer);
  // Opaque black in either byte order: all colour channels 0, alpha 255.
  const black = new Uint32Array(new Uint8ClampedArray([0, 0, 0, 255]).buffer)[0]!;
  const offset = quietZone * scale;
  for (let r = 0; r < matrix.size; r++) {
    for (let c = 0; c < matrix.size; c++) {
      if (!matrix.modules[r * matrix.size + c]) continue;
      const x0 = offset + c * scale;
      const y0 = offset + r * scale;
      for (let dy = 0; dy < scale; dy++) px.fill(black, (y0 + dy) * side + x0, (y0 + dy) * side + x0 + scale);
    }
  }
  return { width: side, height: side, data };
}
