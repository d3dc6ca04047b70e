/**
 * A channel simulator: what happens to a frame between Airlock's screen and the other side's camera,
 * in the few effects that matter to a QR reader — resampling (the camera sees the screen at another
 * resolution), blur (focus, motion, the screen's own pixels), sensor noise, and frames the camera
 * never captured (dropped at random). Every random draw comes from a seeded PRNG, so a run is
 * reproducible from its seed. Pure (browser and Node).
 */
import { checkImageSize, type GrayImage } from './gray-image.js';

/** A PRNG returning floats in [0, 1); mulberry32 (32-bit state, fast, well mixed, not cryptographic). */
export type Prng = () => number;

export function createPrng(seed: number): Prng {
  if (!Number.isInteger(seed)) throw new TypeError(`"seed" expected an integer, got ${seed}`);
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type ScaleMethod = 'nearest' | 'bilinear';

/** Resample to `width` x `height`. */
export function scaleImage(img: GrayImage, width: number, height: number, method: ScaleMethod): GrayImage {
  checkImageSize(width, height, 'scaleImage');
  const out = new Uint8Array(width * height);
  const src = img.data;
  const sw = img.width;
  const sh = img.height;
  const fx = sw / width;
  const fy = sh / height;
  if (method === 'nearest') {
    const xs = new Int32Array(width);
    for (let x = 0; x < width; x++) xs[x] = Math.min(sw - 1, Math.floor((x + 0.5) * fx));
    for (let y = 0; y < height; y++) {
      const row = Math.min(sh - 1, Math.floor((y + 0.5) * fy)) * sw;
      const o = y * width;
      for (let x = 0; x < width; x++) out[o + x] = src[row + xs[x]!]!;
    }
    return { width, height, data: out };
  }
  if (method !== 'bilinear')
    throw new RangeError(`"method" expected nearest or bilinear, got ${String(method)}`);
  // Pixel centres map to pixel centres (the convention of most image libraries).
  const x0s = new Int32Array(width);
  const x1s = new Int32Array(width);
  const wx = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const sx = Math.min(sw - 1, Math.max(0, (x + 0.5) * fx - 0.5));
    x0s[x] = Math.floor(sx);
    x1s[x] = Math.min(sw - 1, x0s[x]! + 1);
    wx[x] = sx - x0s[x]!;
  }
  for (let y = 0; y < height; y++) {
    const sy = Math.min(sh - 1, Math.max(0, (y + 0.5) * fy - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(sh - 1, y0 + 1);
    const wy = sy - y0;
    const r0 = y0 * sw;
    const r1 = y1 * sw;
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const a = x0s[x]!;
      const b = x1s[x]!;
      const w = wx[x]!;
      const top = src[r0 + a]! + (src[r0 + b]! - src[r0 + a]!) * w;
      const bottom = src[r1 + a]! + (src[r1 + b]! - src[r1 + a]!) * w;
      out[o + x] = Math.round(top + (bottom - top) * wy);
    }
  }
  return { width, height, data: out };
}

export type BlurKind = 'box' | 'gaussian';

/**
 * Blur with a separable kernel of `2 * radius + 1` taps: a box (flat) or a Gaussian with sigma
 * radius / 2 (so the kernel spans ±2 sigma). Edges repeat the border pixel. radius 0 is a copy.
 */
export function blurImage(img: GrayImage, kind: BlurKind, radius: number): GrayImage {
  if (!Number.isInteger(radius) || radius < 0 || radius > 64) {
    throw new RangeError(`"radius" expected an integer 0..64, got ${radius}`);
  }
  if (kind !== 'box' && kind !== 'gaussian') {
    throw new RangeError(`"kind" expected box or gaussian, got ${String(kind)}`);
  }
  if (radius === 0) return { width: img.width, height: img.height, data: img.data.slice() };
  const taps = 2 * radius + 1;
  const kernel = new Float64Array(taps);
  if (kind === 'box') kernel.fill(1 / taps);
  else {
    const sigma = radius / 2;
    let total = 0;
    for (let i = 0; i < taps; i++) {
      const d = i - radius;
      kernel[i] = Math.exp(-(d * d) / (2 * sigma * sigma));
      total += kernel[i]!;
    }
    for (let i = 0; i < taps; i++) kernel[i] = kernel[i]! / total;
  }
  const { width, height } = img;
  const src = img.data;
  const tmp = new Float32Array(width * height);
  // Rows: a line padded with its border pixels, so the inner loop has no bounds checks.
  const line = new Float64Array(Math.max(width, height) + 2 * radius);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let i = 0; i < radius; i++) {
      line[i] = src[o]!;
      line[radius + width + i] = src[o + width - 1]!;
    }
    for (let x = 0; x < width; x++) line[radius + x] = src[o + x]!;
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let k = 0; k < taps; k++) acc += line[x + k]! * kernel[k]!;
      tmp[o + x] = acc;
    }
  }
  // Columns, a row at a time (cache-friendly): out[y] = sum_k kernel[k] * tmp[clamp(y + k - radius)].
  const out = new Uint8Array(width * height);
  const acc = new Float64Array(width);
  for (let y = 0; y < height; y++) {
    acc.fill(0);
    for (let k = 0; k < taps; k++) {
      const yy = Math.min(height - 1, Math.max(0, y + k - radius));
      const w = kernel[k]!;
      const row = yy * width;
      for (let x = 0; x < width; x++) acc[x] = acc[x]! + tmp[row + x]! * w;
    }
    const o = y * width;
    for (let x = 0; x < width; x++) out[o + x] = Math.round(acc[x]!);
  }
  return { width, height, data: out };
}

/**
 * Standard normal quantiles at (i + ½) / 4096: noise is drawn by table look-up (one uniform draw a
 * pixel, no logarithms), which keeps a 720p frame's noise to a few milliseconds. The table spans
 * about ±3.5 sigma, plenty for sensor noise.
 */
const NORMAL_TABLE = (() => {
  const n = 4096;
  const table = new Float64Array(n);
  for (let i = 0; i < n; i++) table[i] = inverseNormalCdf((i + 0.5) / n);
  return table;
})();

/** Acklam's rational approximation of the inverse standard normal CDF (relative error < 1.2e-9). */
function inverseNormalCdf(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - low) return -inverseNormalCdf(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** Add Gaussian noise of standard deviation `sigma` grey levels (clamped to 0..255). */
export function addNoise(img: GrayImage, sigma: number, prng: Prng): GrayImage {
  if (!(sigma >= 0) || sigma > 255) throw new RangeError(`"sigma" expected 0..255, got ${sigma}`);
  const out = new Uint8Array(img.data.length);
  const src = img.data;
  if (sigma === 0) {
    out.set(src);
    return { width: img.width, height: img.height, data: out };
  }
  const scaled = NORMAL_TABLE.map((z) => z * sigma);
  // One draw of the channel's PRNG seeds a per-frame xorshift32 stream (inlined: a function call a
  // pixel would cost more than the noise itself).
  let x = Math.floor(prng() * 4294967296) >>> 0 || 0x9e3779b9;
  for (let i = 0; i < src.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const v = src[i]! + scaled[(x >>> 20) & 4095]!;
    out[i] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
  }
  return { width: img.width, height: img.height, data: out };
}

export interface ChannelConfig {
  /** Seed of the PRNG behind noise and drops; the same seed gives the same run. */
  readonly seed: number;
  /** Resample every frame to this size (the camera's resolution). */
  readonly scale?: { readonly width: number; readonly height: number; readonly method: ScaleMethod };
  /** Blur after scaling. */
  readonly blur?: { readonly kind: BlurKind; readonly radius: number };
  /** Gaussian noise, standard deviation in grey levels, after blurring. */
  readonly noiseSigma?: number;
  /** Share of frames (0 ≤ loss < 1) the camera never captures. */
  readonly loss?: number;
}

/** The channel: `transmit` returns what the camera saw, or null for a dropped frame. */
export interface Channel {
  readonly config: ChannelConfig;
  transmit(frame: GrayImage): GrayImage | null;
  /** Frames passed to transmit so far, and how many of them were dropped. */
  readonly stats: { readonly shown: number; readonly dropped: number };
}

export function createChannel(config: ChannelConfig): Channel {
  const loss = config.loss ?? 0;
  if (!(loss >= 0 && loss < 1)) throw new RangeError(`"loss" expected 0 <= loss < 1, got ${loss}`);
  // Drops and noise draw from separate streams, so enabling noise does not change which frames drop.
  const dropPrng = createPrng(config.seed);
  const noisePrng = createPrng((config.seed ^ 0x9e3779b9) | 0);
  const stats = { shown: 0, dropped: 0 };
  return {
    config,
    stats,
    transmit(frame) {
      stats.shown++;
      if (loss > 0 && dropPrng() < loss) {
        stats.dropped++;
        return null;
      }
      let img = frame;
      if (config.scale) img = scaleImage(img, config.scale.width, config.scale.height, config.scale.method);
      if (config.blur && config.blur.radius > 0) img = blurImage(img, config.blur.kind, config.blur.radius);
      if (config.noiseSigma) img = addNoise(img, config.noiseSigma, noisePrng);
      return img;
    },
  };
}
