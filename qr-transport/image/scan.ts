/**
 * Scanning one grey image for one QR code with jsqr (a port of ZXing's QR reader). jsqr reads RGBA,
 * so grey is widened (R=G=B=grey, A=255) first. Inverted codes are not tried
 * (`inversionAttempts: 'dontInvert'`): Airlock always shows dark modules on white, and trying both
 * would double the time per frame.
 *
 * jsqr's cost is mostly per pixel (it binarises and searches the whole image), and a code rarely
 * fills a camera frame, so the image is first searched cheaply for the code's region
 * (findCodeRegion: the local contrast of 16x16-pixel cells, sampled on every other row and column),
 * and jsqr runs on that crop, padded by a margin; only the crop is widened to RGBA. When no region
 * stands out, the region is most of the frame anyway, or jsqr reads nothing in the crop, the whole
 * frame is scanned as before: the crop can only save time, never lose a code the full scan reads.
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

/** Buffers reused across frames of the same size (the common case: video), one set per thread. */
let rgba: Uint8ClampedArray | null = null;
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

/** Scan a grey image; the code's data as text and as bytes, or null when none could be read. */
export function scanGray(img: GrayImage): ScannedFrame | null {
  try {
    if (!isGrayImage(img)) return null;
    let region: CodeRegion | null = null;
    try {
      region = findCodeRegion(img);
    } catch {
      region = null;
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
