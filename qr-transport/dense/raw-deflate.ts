/**
 * Raw DEFLATE (RFC 1951, no zlib or gzip wrapper) for the dense framing and for BBQr's `Z` encoding.
 * Compression is fflate's; decompression is fflate's streaming inflater fed in small chunks, so that a
 * hostile stream (a "decompression bomb": DEFLATE expands at most about 1032:1) is stopped as soon as
 * its output passes the caller's cap, having spent at most one chunk's worth of work beyond it.
 */
import { deflateSync, Inflate } from 'fflate';

/** Compressed bytes pushed per step; at 1032:1 at most ~0.5 MiB of output can follow the cap. */
const INFLATE_CHUNK = 512;

/** Raw DEFLATE at fflate's maximum effort (level 9, 32 KiB window). */
export function deflateRaw(data: Uint8Array): Uint8Array {
  return deflateSync(data, { level: 9 });
}

class OutputCapExceeded extends Error {}

/**
 * Inflates a raw DEFLATE stream whose output must not exceed `maxOutput` bytes. Returns null (never
 * throws) when the stream is malformed, truncated (no final block), or inflates past the cap.
 */
export function inflateRawCapped(data: Uint8Array, maxOutput: number): Uint8Array | null {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const inflater = new Inflate((chunk) => {
    total += chunk.length;
    if (total > maxOutput) throw new OutputCapExceeded();
    chunks.push(chunk);
  });
  try {
    if (data.length === 0) inflater.push(data, true);
    for (let off = 0; off < data.length; off += INFLATE_CHUNK) {
      const end = Math.min(off + INFLATE_CHUNK, data.length);
      inflater.push(data.subarray(off, end), end === data.length);
    }
  } catch {
    return null;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
