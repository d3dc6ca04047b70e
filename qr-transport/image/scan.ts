/**
 * Scanning one grey image for one QR code with jsqr (a port of ZXing's QR reader). jsqr reads RGBA,
 * so grey is widened (R=G=B=grey, A=255) first. Inverted codes are not tried
 * (`inversionAttempts: 'dontInvert'`): Airlock always shows dark modules on white, and trying both
 * would double the time per frame.
 *
 * jsqr's cost is partly per pixel (it binarises the image and walks every row) and partly per
 * symbol (it scores every finder- and alignment-like candidate among the modules), and a code rarely
 * fills a camera frame. So, in order, until one reads:
 *
 * 1. Region, resampled: the image is searched cheaply for the code's region (findCodeRegion: the
 *    local contrast of 16x16-pixel cells, sampled on every other row and column); when the region's
 *    modules lie on a regular grid (estimateModuleGrid: the module edges on a few rows and columns,
 *    their pitch and phase) of at least MIN_RESAMPLE_PITCH pixels, the region is area-averaged to
 *    RESAMPLE_PITCH (2) pixels a module, its pixels aligned to the module grid, so that each lies
 *    within one module (a sharp, small image of the same code), and jsqr runs on that.
 * 2. Region at full resolution: jsqr on the crop, padded by a margin (when the crop is at most 60 %
 *    of the frame).
 * 3. The whole frame, as before any of this: the first two steps can only save time, never lose a
 *    code the whole-frame scan reads.
 *
 * Never throws: an image without a readable code, or anything that is not a well-formed GrayImage,
 * gives null. Pure (browser and Node); scanner.node.ts and scan-worker.browser.ts run it off the
 * main thread.
 */
import jsQRModule from 'jsqr';
import type { ScannedFrame } from '../frames.js';
import { type GrayImage, isGrayImage } from './gray-image.js';

// jsqr is a UMD bundle: its module object is the function itself (with `.default` pointing to it),
// so `.default` is the function under Node's CommonJS interop and under bundlers alike.
const jsQR = jsQRModule.default;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** A rectangle of an image, in pixels. */
export interface CodeRegion {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Side of the cells whose contrast is measured, in pixels (a power of two: CELL_SHIFT). */
export const REGION_CELL = 16;
const CELL_SHIFT = 4;
/** A cell belongs to a code when its grey levels span at least this much (and half the best cell's). */
const MIN_CELL_CONTRAST = 48;
/**
 * Padding around the code's cells, as a share of the region's longer side (at least one cell): with
 * the partial cells at its edge, 4 to 7 modules of a code at 5 pixels a module, never less than the
 * 16 pixels jsqr's binariser and finder-pattern search look beyond a symbol's edge.
 */
const MARGIN_SHARE = 0.04;
/** Active cells at most this many cells apart (Chebyshev) belong to one region. */
const LINK_CELLS = 2;
/** A crop covering more of the frame than this saves too little to be worth a possible second scan. */
const MAX_CROP_SHARE = 0.6;
/**
 * Pixels a module of the resampled region. An integer, so that aligned output pixels never straddle
 * a module edge: jsqr judges the symbol's size from the finder patterns' run lengths, and at 2.5
 * pixels a module (7 modules = 17.5 pixels) it misjudged the version of nearly every frame. At 2 and
 * 3 both read all of the benchmark's frames, and jsqr takes less time at 2 (docs/transport-video.md).
 */
export const RESAMPLE_PITCH = 2;
/** Resample only modules at least this wide (1.3x RESAMPLE_PITCH: below it, too little to save). */
export const MIN_RESAMPLE_PITCH = 2.6;
/**
 * The module edges must line up on the fitted grid at least this well (the mean resultant length of
 * their phases, 1 = every edge exactly on the grid). Blur and noise lower it; so does a rotated or
 * perspective-distorted code, whose edges do not lie on one grid along a row. Below it, no resampling.
 */
const MIN_GRID_COHERENCE = 0.5;
/** Rows (and as many columns) through the region whose edges give the module grid. */
const GRID_LINES = 4;
/** Edges needed on one axis to fit the grid. */
const MIN_GRID_EDGES = 40;

/** The module grid along one axis: module edges at phase + k * pitch (pixel-boundary coordinates). */
export interface GridAxis {
  readonly pitch: number;
  readonly phase: number;
  /** How well the edges lie on the grid: 1 exactly, 0 no better than chance. */
  readonly coherence: number;
}

/** The module grid of a region: columns (x, from edges along rows) and rows (y, along columns). */
export interface ModuleGrid {
  readonly x: GridAxis;
  readonly y: GridAxis;
}

/** Buffers reused across frames of the same size (the common case: video), one set per thread. */
let rgba: Uint8ClampedArray | null = null;
let edgeBuf: Float64Array | null = null;
let rowSums: Float32Array | null = null;
let colIntegral: Float64Array | null = null;
let cellLo: Uint8Array | null = null;
let cellHi: Uint8Array | null = null;
let cellMark: Int32Array | null = null;
let queue: Int32Array | null = null;

/**
 * The region most likely to hold a QR code, padded by a margin, or null when nothing stands out (no
 * cell with enough contrast, or an image under 3x3 cells). Cells whose grey levels span at least
 * max(48, half the highest span) are active; active cells at most two cells apart are grouped, and
 * the group with the most cells wins (a QR code's module edges make one dense group; text or a frame
 * edge elsewhere makes smaller or sparser ones). Costs one read of every fourth pixel.
 */
export function findCodeRegion(img: GrayImage): CodeRegion | null {
  const { width, height, data } = img;
  const cols = (width + REGION_CELL - 1) >> CELL_SHIFT;
  const rows = (height + REGION_CELL - 1) >> CELL_SHIFT;
  if (cols < 3 || rows < 3) return null;
  const cells = cols * rows;
  if (cellLo === null || cellLo.length !== cells) {
    cellLo = new Uint8Array(cells);
    cellHi = new Uint8Array(cells);
    cellMark = new Int32Array(cells);
    queue = new Int32Array(cells);
  }
  const lo = cellLo;
  const hi = cellHi!;
  const mark = cellMark!;
  const todo = queue!;
  lo.fill(255);
  hi.fill(0);
  // Every other row and column: a module of 2 pixels or more still shows both of its colours.
  for (let y = 0; y < height; y += 2) {
    const rowCell = (y >> CELL_SHIFT) * cols;
    const o = y * width;
    for (let x = 0; x < width; x += 2) {
      const v = data[o + x]!;
      const c = rowCell + (x >> CELL_SHIFT);
      if (v < lo[c]!) lo[c] = v;
      if (v > hi[c]!) hi[c] = v;
    }
  }
  let best = 0;
  for (let c = 0; c < cells; c++) {
    const span = hi[c]! - lo[c]!;
    if (span > best) best = span;
  }
  const threshold = Math.max(MIN_CELL_CONTRAST, best >> 1);
  if (best < threshold) return null;
  // mark: 0 inactive, -1 active and not yet grouped, g > 0 in group g.
  for (let c = 0; c < cells; c++) mark[c] = hi[c]! - lo[c]! >= threshold ? -1 : 0;
  let group = 0;
  let bestCount = 0;
  let box = { c0: 0, r0: 0, c1: 0, r1: 0 };
  for (let start = 0; start < cells; start++) {
    if (mark[start] !== -1) continue;
    group++;
    mark[start] = group;
    let head = 0;
    let tail = 0;
    todo[tail++] = start;
    let c0 = cols;
    let r0 = rows;
    let c1 = -1;
    let r1 = -1;
    while (head < tail) {
      const cell = todo[head++]!;
      const cr = (cell / cols) | 0;
      const cc = cell - cr * cols;
      if (cc < c0) c0 = cc;
      if (cc > c1) c1 = cc;
      if (cr < r0) r0 = cr;
      if (cr > r1) r1 = cr;
      const ra = Math.max(0, cr - LINK_CELLS);
      const rb = Math.min(rows - 1, cr + LINK_CELLS);
      const ca = Math.max(0, cc - LINK_CELLS);
      const cb = Math.min(cols - 1, cc + LINK_CELLS);
      for (let r = ra; r <= rb; r++) {
        for (let c = ca; c <= cb; c++) {
          const n = r * cols + c;
          if (mark[n] === -1) {
            mark[n] = group;
            todo[tail++] = n;
          }
        }
      }
    }
    if (tail > bestCount) {
      bestCount = tail;
      box = { c0, r0, c1, r1 };
    }
  }
  // A QR code spans at least 21 modules: a group within one cell's width or height is not one.
  if (bestCount < 4 || box.c1 === box.c0 || box.r1 === box.r0) return null;
  const side = Math.max(box.c1 - box.c0 + 1, box.r1 - box.r0 + 1) << CELL_SHIFT;
  const margin = Math.max(REGION_CELL, Math.round(MARGIN_SHARE * side));
  const x = Math.max(0, (box.c0 << CELL_SHIFT) - margin);
  const y = Math.max(0, (box.r0 << CELL_SHIFT) - margin);
  const x1 = Math.min(width, ((box.c1 + 1) << CELL_SHIFT) + margin);
  const y1 = Math.min(height, ((box.r1 + 1) << CELL_SHIFT) + margin);
  return { x, y, width: x1 - x, height: y1 - y };
}

/**
 * Edges along one line of the image (`n` pixels from `start`, `step` apart) where the grey level
 * crosses halfway between the line's darkest and lightest pixel, to a fraction of a pixel (linear
 * interpolation between pixel centres), appended to `out` from `count` as `origin` + position; the
 * new count. A line with less than 64 grey levels of range has no edges.
 */
function lineEdges(
  data: Uint8Array,
  start: number,
  step: number,
  n: number,
  origin: number,
  out: Float64Array,
  count: number,
): number {
  let lo = 255;
  let hi = 0;
  for (let i = 0, o = start; i < n; i++, o += step) {
    const v = data[o]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (hi - lo < 64) return count;
  const mid = (lo + hi) / 2;
  let prev = data[start]! - mid;
  let k = count;
  for (let i = 1, o = start + step; i < n && k < out.length; i++, o += step) {
    const cur = data[o]! - mid;
    if (prev < 0 !== cur < 0) out[k++] = origin + i - 0.5 + prev / (prev - cur);
    prev = cur;
  }
  return k;
}

/**
 * Fit edges[from, to) (several lines, each in increasing order) to a grid phase + k * pitch: the
 * most common run between edges gives a first pitch (single-module runs are the most common in a
 * QR code's data), the pitch whose phases agree best within 0.75 pixel of it a better one, and
 * least squares over the edges within a quarter module of the grid the final pitch and phase.
 */
function fitAxis(edges: Float64Array, from: number, to: number): GridAxis | null {
  const n = to - from;
  if (n < MIN_GRID_EDGES) return null;
  const hist = new Uint16Array(64);
  for (let i = from + 1; i < to; i++) {
    const d = Math.round(edges[i]! - edges[i - 1]!);
    if (d > 0 && d < 64) hist[d]!++;
  }
  let mode = 0;
  for (let d = 2; d < 64; d++) if (hist[d]! > hist[mode]!) mode = d;
  if (mode < 2) return null;
  const resultant = (pitch: number, stride: number): number => {
    const w = (2 * Math.PI) / pitch;
    let c = 0;
    let s = 0;
    let m = 0;
    for (let i = from; i < to; i += stride, m++) {
      c += Math.cos(w * edges[i]!);
      s += Math.sin(w * edges[i]!);
    }
    return Math.hypot(c, s) / m;
  };
  // Every 0.02 pixel, then every 0.005 around the best, on about 48 of the edges.
  const stride = Math.max(1, Math.floor(n / 48));
  let pitch = mode;
  let best = -1;
  for (let step = -38; step <= 38; step++) {
    const p = mode + step / 50;
    if (p < 1.5) continue;
    const r = resultant(p, stride);
    if (r > best) {
      best = r;
      pitch = p;
    }
  }
  const coarse = pitch;
  for (let step = -4; step <= 4; step++) {
    const p = coarse + step / 200;
    const r = step === 0 || p < 1.5 ? -1 : resultant(p, stride);
    if (r > best) {
      best = r;
      pitch = p;
    }
  }
  let phase = 0;
  for (let iteration = 0; iteration < 3; iteration++) {
    const w = (2 * Math.PI) / pitch;
    let c = 0;
    let s = 0;
    for (let i = from; i < to; i++) {
      c += Math.cos(w * edges[i]!);
      s += Math.sin(w * edges[i]!);
    }
    phase = Math.atan2(s, c) / w;
    let sk = 0;
    let se = 0;
    let skk = 0;
    let ske = 0;
    let m = 0;
    for (let i = from; i < to; i++) {
      const e = edges[i]!;
      const k = Math.round((e - phase) / pitch);
      if (Math.abs(e - phase - k * pitch) > 0.25 * pitch) continue;
      sk += k;
      se += e;
      skk += k * k;
      ske += k * e;
      m++;
    }
    const det = m * skk - sk * sk;
    if (m < MIN_GRID_EDGES / 2 || !(det > 0)) return null;
    pitch = (m * ske - sk * se) / det;
    phase = (se - pitch * sk) / m;
    if (!(pitch >= 1.5)) return null;
  }
  const coherence = resultant(pitch, 1);
  phase = ((phase % pitch) + pitch) % pitch;
  return Number.isFinite(pitch) && Number.isFinite(phase) ? { pitch, phase, coherence } : null;
}

/**
 * The module grid inside a region, from the edges on GRID_LINES rows and as many columns through it,
 * or null when too few edges (no code, or modules too large for the region). A code drawn on a
 * regular grid (Airlock's frames, resampled or blurred as a whole) fits with a coherence near 1; a
 * rotated or distorted one, whose edges along a row drift across modules, fits poorly.
 */
export function estimateModuleGrid(img: GrayImage, region: CodeRegion): ModuleGrid | null {
  const { width, data } = img;
  const capacity = GRID_LINES * Math.max(region.width, region.height);
  if (edgeBuf === null || edgeBuf.length < 2 * capacity) edgeBuf = new Float64Array(2 * capacity);
  const edges = edgeBuf;
  let nx = 0;
  let ny = capacity;
  for (let j = 1; j <= GRID_LINES; j++) {
    const y = region.y + Math.floor((j * region.height) / (GRID_LINES + 1));
    nx = lineEdges(data, y * width + region.x, 1, region.width, region.x, edges.subarray(0, capacity), nx);
    const x = region.x + Math.floor((j * region.width) / (GRID_LINES + 1));
    ny =
      capacity +
      lineEdges(
        data,
        region.y * width + x,
        width,
        region.height,
        region.y,
        edges.subarray(capacity, 2 * capacity),
        ny - capacity,
      );
  }
  const gx = fitAxis(edges, 0, nx);
  const gy = gx === null ? null : fitAxis(edges, capacity, ny);
  return gx !== null && gy !== null ? { x: gx, y: gy } : null;
}

/**
 * Output pixel boundaries along one axis: boundary i at origin + i * f (i = 0..count), split into
 * the input pixel it falls in and the fraction of that pixel before it.
 */
function boundaries(origin: number, f: number, count: number, limit: number) {
  const index = new Int32Array(count + 1);
  const frac = new Float64Array(count + 1);
  for (let i = 0; i <= count; i++) {
    const b = Math.min(limit, origin + i * f);
    const p = Math.min(limit - 1, Math.floor(b));
    index[i] = p;
    frac[i] = b - p;
  }
  return { index, frac };
}

/**
 * jsqr on the region resampled to RESAMPLE_PITCH pixels a module, aligned to the module grid: the
 * output starts on a module edge, and with an integer number of output pixels a module every output
 * pixel averages the inside of one module; null when unread. Area averaging, as differences of the
 * running integral of the grey level (pixels are constant squares), along rows then down columns.
 */
function scanResampled(img: GrayImage, r: CodeRegion, grid: ModuleGrid): ScannedFrame | null {
  try {
    const fx = grid.x.pitch / RESAMPLE_PITCH;
    const fy = grid.y.pitch / RESAMPLE_PITCH;
    // The first module edge inside the region (its margin is at least 16 pixels: a module or more).
    const ox = grid.x.phase + Math.ceil((r.x - grid.x.phase) / grid.x.pitch) * grid.x.pitch;
    const oy = grid.y.phase + Math.ceil((r.y - grid.y.phase) / grid.y.pitch) * grid.y.pitch;
    const ow = Math.floor((r.x + r.width - ox) / fx);
    const oh = Math.floor((r.y + r.height - oy) / fy);
    // A version-1 symbol is 21 modules wide.
    if (!(ow >= 21 * RESAMPLE_PITCH && oh >= 21 * RESAMPLE_PITCH)) return null;
    const bx = boundaries(ox, fx, ow, img.width);
    const by = boundaries(oy, fy, oh, img.height);
    const y0 = by.index[0]!;
    const rows = by.index[oh]! - y0 + 1;
    if (rowSums === null || rowSums.length < ow * rows) rowSums = new Float32Array(ow * rows);
    const sums = rowSums;
    const src = img.data;
    const { index: xi, frac: xf } = bx;
    const x0 = xi[0]!;
    // Along each input row: the mean over every output column's span.
    for (let y = 0; y < rows; y++) {
      const row = (y0 + y) * img.width;
      const o = y * ow - 1;
      let x = x0;
      let integral = 0;
      let before = xf[0]! * src[row + x0]!;
      for (let i = 1; i <= ow; i++) {
        const end = xi[i]!;
        while (x < end) integral += src[row + x++]!;
        const at = integral + xf[i]! * src[row + end]!;
        sums[o + i] = (at - before) / fx;
        before = at;
      }
    }
    // Down each column of those means, the same way, widened to RGBA as in scanRect.
    const pixels = ow * oh;
    if (rgba === null || rgba.length < pixels * 4) rgba = new Uint8ClampedArray(pixels * 4);
    const view = rgba.length === pixels * 4 ? rgba : rgba.subarray(0, pixels * 4);
    const out = new Uint32Array(view.buffer, view.byteOffset, pixels);
    if (colIntegral === null || colIntegral.length < 2 * ow) colIntegral = new Float64Array(2 * ow);
    const integral = colIntegral.subarray(0, ow);
    const before = colIntegral.subarray(ow, 2 * ow);
    integral.fill(0);
    const { index: yi, frac: yf } = by;
    for (let i = 0; i < ow; i++) before[i] = yf[0]! * sums[i]!;
    let y = 0;
    for (let j = 1; j <= oh; j++) {
      const end = yi[j]! - y0;
      for (; y < end; y++) {
        const o = y * ow;
        for (let i = 0; i < ow; i++) integral[i]! += sums[o + i]!;
      }
      const f = yf[j]!;
      const o = end * ow;
      const d = (j - 1) * ow;
      for (let i = 0; i < ow; i++) {
        const at = integral[i]! + f * sums[o + i]!;
        const mean = (at - before[i]!) / fy;
        before[i] = at;
        const v = mean >= 255 ? 255 : mean <= 0 ? 0 : (mean + 0.5) | 0;
        out[d + i] = LITTLE_ENDIAN ? (v * 0x010101) | 0xff000000 : (v * 0x01010100) | 0xff;
      }
    }
    const code = jsQR(view, ow, oh, { inversionAttempts: 'dontInvert' });
    if (code === null) return null;
    return { text: code.data, bytes: Uint8Array.from(code.binaryData) };
  } catch {
    return null;
  }
}

/** jsqr on one rectangle of the image (widened to RGBA into the reused buffer); null when unread. */
function scanRect(img: GrayImage, r: CodeRegion): ScannedFrame | null {
  try {
    const pixels = r.width * r.height;
    if (rgba === null || rgba.length < pixels * 4) rgba = new Uint8ClampedArray(pixels * 4);
    const view = rgba.length === pixels * 4 ? rgba : rgba.subarray(0, pixels * 4);
    // One 32-bit store per pixel: R=G=B=grey and A=255, laid out for the platform's byte order.
    const out = new Uint32Array(view.buffer, view.byteOffset, pixels);
    const src = img.data;
    for (let row = 0; row < r.height; row++) {
      const from = (r.y + row) * img.width + r.x;
      const to = row * r.width;
      if (LITTLE_ENDIAN)
        for (let i = 0; i < r.width; i++) out[to + i] = (src[from + i]! * 0x010101) | 0xff000000;
      else for (let i = 0; i < r.width; i++) out[to + i] = (src[from + i]! * 0x01010100) | 0xff;
    }
    const code = jsQR(view, r.width, r.height, { inversionAttempts: 'dontInvert' });
    if (code === null) return null;
    return { text: code.data, bytes: Uint8Array.from(code.binaryData) };
  } catch {
    // jsqr can throw on pathological input (seen with damaged format information); a scan that
    // fails is a frame without a code.
    return null;
  }
}

/** jsqr on the whole frame, without the region search (what scanGray falls back to). */
export function scanGrayFullFrame(img: GrayImage): ScannedFrame | null {
  if (!isGrayImage(img)) return null;
  return scanRect(img, { x: 0, y: 0, width: img.width, height: img.height });
}

/**
 * scanGray without the resampling step: jsqr on the region's crop at full resolution, then on the
 * whole frame (what scanGray did before resampling; the benchmark compares the two).
 */
export function scanGrayFullResolution(img: GrayImage): ScannedFrame | null {
  return scanSteps(img, false);
}

/** Scan a grey image; the code's data as text and as bytes, or null when none could be read. */
export function scanGray(img: GrayImage): ScannedFrame | null {
  return scanSteps(img, true);
}

/**
 * The resampling step alone: null when no region, no regular grid of modules of at least
 * MIN_RESAMPLE_PITCH pixels, or no read at RESAMPLE_PITCH pixels a module (tests and the benchmark
 * use it to see how often scanGray's first step reads).
 */
export function scanGrayResampled(img: GrayImage): ScannedFrame | null {
  try {
    if (!isGrayImage(img)) return null;
    return resampledStep(img, findCodeRegion(img));
  } catch {
    return null;
  }
}

function resampledStep(img: GrayImage, region: CodeRegion | null): ScannedFrame | null {
  if (region === null) return null;
  let grid: ModuleGrid | null = null;
  try {
    grid = estimateModuleGrid(img, region);
  } catch {
    grid = null;
  }
  if (
    grid === null ||
    Math.min(grid.x.pitch, grid.y.pitch) < MIN_RESAMPLE_PITCH ||
    Math.min(grid.x.coherence, grid.y.coherence) < MIN_GRID_COHERENCE
  )
    return null;
  return scanResampled(img, region, grid);
}

function scanSteps(img: GrayImage, resample: boolean): ScannedFrame | null {
  try {
    if (!isGrayImage(img)) return null;
    let region: CodeRegion | null = null;
    try {
      region = findCodeRegion(img);
    } catch {
      region = null;
    }
    if (resample) {
      const found = resampledStep(img, region);
      if (found !== null) return found;
    }
    if (region !== null && region.width * region.height <= MAX_CROP_SHARE * img.width * img.height) {
      const found = scanRect(img, region);
      if (found !== null) return found;
    }
    return scanRect(img, { x: 0, y: 0, width: img.width, height: img.height });
  } catch {
    return null;
  }
}
