/**
 * A raw DEFLATE compressor (RFC 1951) whose back-references never reach further than 1024 bytes: what
 * BBQr's `Z` encoding requires ("zlib, wbits = 10, no header", coinkite/BBQr BBQr.md), so that an
 * embedded receiver such as a COLDCARD Q can inflate with a 1 KiB window. fflate cannot limit its
 * window (its matches reach back 32 KiB), hence this small encoder.
 *
 * LZ77 over a 1024-byte window with hash chains and one-step lazy matching (as zlib does), coded in a
 * single block with the fixed Huffman codes of RFC 1951 section 3.2.6. Fixed codes cost a few percent
 * against zlib's dynamic trees but need no tree construction, which keeps this file short and easy to
 * audit. Any standard inflater reads the output; bbqr-interop.test.ts checks it with Python's zlib at
 * wbits = -10.
 */

/** The largest distance a back-reference may have: 2^10. */
export const BBQR_WINDOW = 1024;

const MIN_MATCH = 3;
const MAX_MATCH = 258;
/** Stop searching once a match this long is found. */
const NICE_MATCH = 128;
/** Chain links followed per position. */
const MAX_CHAIN = 256;
const HASH_BITS = 15;

// RFC 1951 3.2.5: length codes 257..285 and distance codes 0..29 (only 0..19 are reachable here).
// biome-ignore format: tables
const LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
// biome-ignore format: tables
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
// biome-ignore format: tables
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769];
// biome-ignore format: tables
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8];

/** Fixed literal/length code of RFC 1951 3.2.6, bit-reversed for an LSB-first writer: [code, length]. */
const FIXED_LIT: readonly (readonly [number, number])[] = Array.from({ length: 288 }, (_, sym) => {
  const [code, len] =
    sym < 144
      ? [0x30 + sym, 8]
      : sym < 256
        ? [0x190 + sym - 144, 9]
        : sym < 280
          ? [sym - 256, 7]
          : [0xc0 + sym - 280, 8];
  return [reverseBits(code, len), len] as const;
});

function reverseBits(code: number, len: number): number {
  let r = 0;
  for (let i = 0; i < len; i++) r = (r << 1) | ((code >>> i) & 1);
  return r;
}

class BitWriter {
  private buf = new Uint8Array(1024);
  private pos = 0;
  private acc = 0;
  private nbits = 0;

  write(value: number, n: number): void {
    this.acc |= value << this.nbits;
    this.nbits += n;
    while (this.nbits >= 8) {
      this.push(this.acc & 0xff);
      this.acc >>>= 8;
      this.nbits -= 8;
    }
  }

  private push(byte: number): void {
    if (this.pos === this.buf.length) {
      const grown = new Uint8Array(this.buf.length * 2);
      grown.set(this.buf);
      this.buf = grown;
    }
    this.buf[this.pos++] = byte;
  }

  finish(): Uint8Array {
    if (this.nbits > 0) this.push(this.acc & 0xff);
    this.acc = 0;
    this.nbits = 0;
    return this.buf.slice(0, this.pos);
  }
}

function lengthSymbol(len: number): number {
  let i = LEN_BASE.length - 1;
  while (LEN_BASE[i]! > len) i--;
  return i;
}

function distanceSymbol(dist: number): number {
  let i = DIST_BASE.length - 1;
  while (DIST_BASE[i]! > dist) i--;
  return i;
}

/** Raw DEFLATE of `data` with every distance <= 1024 (BBQr `Z`). */
export function deflateRaw1k(data: Uint8Array): Uint8Array {
  const n = data.length;
  const out = new BitWriter();
  out.write(1, 1); // BFINAL: this is the only block
  out.write(1, 2); // BTYPE 01: fixed Huffman codes

  const head = new Int32Array(1 << HASH_BITS).fill(-1);
  const prev = new Int32Array(BBQR_WINDOW).fill(-1);
  const hashAt = (i: number): number =>
    ((data[i]! << 10) ^ (data[i + 1]! << 5) ^ data[i + 2]!) & ((1 << HASH_BITS) - 1);
  const insert = (i: number): void => {
    if (i + MIN_MATCH > n) return;
    const h = hashAt(i);
    prev[i & (BBQR_WINDOW - 1)] = head[h]!;
    head[h] = i;
  };
  // The longest earlier match for position i within the window: [length, distance], length 0 if none.
  const findMatch = (i: number): [number, number] => {
    if (i + MIN_MATCH > n) return [0, 0];
    const limit = Math.min(MAX_MATCH, n - i);
    let best = 0;
    let bestDist = 0;
    let cand = head[hashAt(i)]!;
    for (let chain = MAX_CHAIN; cand >= 0 && chain > 0; chain--) {
      const dist = i - cand;
      if (dist > BBQR_WINDOW || dist <= 0) break;
      if (data[cand + best] === data[i + best]) {
        let len = 0;
        while (len < limit && data[cand + len] === data[i + len]) len++;
        if (len > best) {
          best = len;
          bestDist = dist;
          if (len >= NICE_MATCH || len === limit) break;
        }
      }
      const next = prev[cand & (BBQR_WINDOW - 1)]!;
      if (next >= cand) break; // the ring slot was reused by a newer position: the chain ends here
      cand = next;
    }
    return best >= MIN_MATCH ? [best, bestDist] : [0, 0];
  };
  const literal = (byte: number): void => {
    const [code, len] = FIXED_LIT[byte]!;
    out.write(code, len);
  };
  const match = (len: number, dist: number): void => {
    const ls = lengthSymbol(len);
    const [code, clen] = FIXED_LIT[257 + ls]!;
    out.write(code, clen);
    if (LEN_EXTRA[ls]! > 0) out.write(len - LEN_BASE[ls]!, LEN_EXTRA[ls]!);
    const ds = distanceSymbol(dist);
    out.write(reverseBits(ds, 5), 5);
    if (DIST_EXTRA[ds]! > 0) out.write(dist - DIST_BASE[ds]!, DIST_EXTRA[ds]!);
  };

  let i = 0;
  while (i < n) {
    const [len, dist] = findMatch(i);
    insert(i);
    if (len === 0) {
      literal(data[i]!);
      i++;
      continue;
    }
    if (len < NICE_MATCH && i + 1 < n) {
      // Lazy evaluation: a longer match one byte later is worth a literal now.
      const [nextLen] = findMatch(i + 1);
      if (nextLen > len) {
        literal(data[i]!);
        i++;
        continue;
      }
    }
    match(len, dist);
    for (let j = i + 1; j < i + len; j++) insert(j);
    i += len;
  }
  const [eob, eobLen] = FIXED_LIT[256]!;
  out.write(eob, eobLen);
  return out.finish();
}
