/**
 * A QR code as terminal text, two module rows per line with the Unicode half blocks
 * (U+2580 ▀, U+2584 ▄, U+2588 █, space), for `airlock qr show`: a single small frame a phone can read
 * off the console. Light modules are drawn as glyphs and dark ones as blanks, which reads right on
 * the usual light-on-dark terminal; `invert` swaps them for dark-on-light terminals. Pure.
 */
import type { FrameContent } from '../frames.js';
import { type ErrorCorrectionLevel, encodeQrMatrix, type QrMatrix } from './render.js';

export interface TerminalOptions {
  readonly errorCorrection?: ErrorCorrectionLevel;
  /** Light border in modules (default 2: terminals add their own margin, and lines are precious). */
  readonly quietZone?: number;
  /** Draw dark modules as glyphs (for terminals with a light background). */
  readonly invert?: boolean;
}

const GLYPH = [' ', '▄', '▀', '█'] as const; // index: (top drawn) << 1 | (bottom drawn)

/** Render a symbol; the result has one `\n` after every line. */
export function renderMatrixToTerminal(
  matrix: QrMatrix,
  options: Omit<TerminalOptions, 'errorCorrection'> = {},
): string {
  const quiet = options.quietZone ?? 2;
  if (!Number.isInteger(quiet) || quiet < 0)
    throw new RangeError(`"quietZone" expected a non-negative integer, got ${quiet}`);
  const { size, modules } = matrix;
  const full = size + 2 * quiet;
  // drawn(r, c): light modules (and the quiet zone) are drawn unless inverted.
  const drawn = (r: number, c: number): number => {
    const rr = r - quiet;
    const cc = c - quiet;
    const dark = rr >= 0 && rr < size && cc >= 0 && cc < size && modules[rr * size + cc] === 1;
    return dark === Boolean(options.invert) ? 1 : 0;
  };
  let out = '';
  for (let r = 0; r < full; r += 2) {
    let line = '';
    for (let c = 0; c < full; c++) {
      const top = drawn(r, c);
      // An odd number of rows leaves the last line's lower half outside the symbol: blank.
      const bottom = r + 1 < full ? drawn(r + 1, c) : 0;
      line += GLYPH[(top << 1) | bottom];
    }
    out += `${line}\n`;
  }
  return out;
}

/** The QR code of `content` as terminal text. */
export function renderTerminal(content: FrameContent, options: TerminalOptions = {}): string {
  return renderMatrixToTerminal(encodeQrMatrix(content, options.errorCorrection), options);
}
