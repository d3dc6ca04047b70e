/**
 * Terminal rendering: the half-block text of a QR code, read back glyph by glyph into modules, is
 * the same symbol; drawn as pixels again it scans to the same text, plain and inverted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeQrMatrix, type QrMatrix, renderMatrix } from './render.js';
import { scanGray } from './scan.js';
import { renderTerminal } from './terminal.js';

/** Undo renderTerminal: glyphs back to a module grid (drawn = 1), quiet zone included. */
function parse(text: string): { rows: number[][]; lines: string[] } {
  const lines = text.split('\n');
  assert.equal(lines.pop(), '', 'every line ends with a newline');
  const halves: Record<string, [number, number]> = { ' ': [0, 0], '▄': [0, 1], '▀': [1, 0], '█': [1, 1] };
  const rows: number[][] = [];
  for (const line of lines) {
    const top: number[] = [];
    const bottom: number[] = [];
    for (const ch of line) {
      const h = halves[ch];
      assert.ok(h, `unexpected glyph ${JSON.stringify(ch)}`);
      top.push(h[0]);
      bottom.push(h[1]);
    }
    rows.push(top, bottom);
  }
  return { rows, lines };
}

test('half blocks carry the symbol module for module, with the quiet zone, plain and inverted', () => {
  const content = { mode: 'alphanumeric', text: 'UR:BYTES/HDCXAYLFGMAAHLT' } as const;
  const matrix = encodeQrMatrix(content);
  for (const invert of [false, true]) {
    const quiet = 2;
    const { rows, lines } = parse(renderTerminal(content, { invert, quietZone: quiet }));
    const full = matrix.size + 2 * quiet;
    assert.equal(lines.length, Math.ceil(full / 2));
    for (const line of lines) assert.equal([...line].length, full);
    const modules = new Uint8Array(matrix.size * matrix.size);
    for (let r = 0; r < full; r++) {
      for (let c = 0; c < full; c++) {
        const drawn = rows[r]![c]!;
        const inSymbol = r >= quiet && r < quiet + matrix.size && c >= quiet && c < quiet + matrix.size;
        const dark = invert ? drawn === 1 : drawn === 0;
        if (inSymbol) modules[(r - quiet) * matrix.size + (c - quiet)] = dark ? 1 : 0;
        else assert.equal(dark, false, `quiet zone at ${r},${c}`);
      }
    }
    // The symbol has an odd number of rows, so the last line's lower half is outside it: blank.
    assert.ok(rows[full]!.every((v) => v === 0));
    assert.deepEqual(modules, matrix.modules);
    const redrawn: QrMatrix = { ...matrix, modules };
    assert.equal(scanGray(renderMatrix(redrawn, { width: 400, height: 400 }))?.text, content.text);
  }
});

test('byte content renders too, and the default quiet zone is two modules', () => {
  const content = { mode: 'byte', bytes: new TextEncoder().encode('airlock') } as const;
  const size = encodeQrMatrix(content).size;
  const { lines } = parse(renderTerminal(content));
  assert.equal([...lines[0]!].length, size + 4);
  assert.ok(lines[0]!.startsWith('████'), 'the quiet zone is drawn (light) on a dark terminal');
});
