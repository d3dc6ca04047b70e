/**
 * Bitcoin wire primitives: little-endian integers, CompactSize, double SHA-256, HASH160.
 *
 * Spec: the Bitcoin P2P transaction serialization (https://en.bitcoin.it/wiki/Protocol_documentation).
 * Invariants: every writer checks its range and throws RangeError instead of wrapping; outputs are
 * fresh arrays the caller owns.
 */
import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';

/** 21 million BTC in satoshi: consensus limit of any amount and of any sum of outputs. */
export const MAX_MONEY = 2_100_000_000_000_000n;

export function u32le(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`"u32" out of range: ${n}`);
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, true);
  return out;
}

/** nVersion is a signed 32-bit field; both signed and unsigned readings of its bits are accepted. */
export function i32le(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < -0x80000000 || n > 0xffffffff)
    throw new RangeError(`"i32" out of range: ${n}`);
  return u32le(n >>> 0);
}

export function u64le(n: bigint): Uint8Array {
  if (typeof n !== 'bigint') throw new TypeError(`"u64" expected bigint, got ${typeof n}`);
  if (n < 0n || n > 0xffffffffffffffffn) throw new RangeError(`"u64" out of range: ${n}`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n, true);
  return out;
}

export function compactSize(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`"compactSize" out of range: ${n}`);
  if (n < 0xfd) return Uint8Array.of(n);
  if (n <= 0xffff) return Uint8Array.of(0xfd, n & 0xff, n >>> 8);
  if (n <= 0xffffffff) return concatBytes(Uint8Array.of(0xfe), u32le(n));
  return concatBytes(Uint8Array.of(0xff), u64le(BigInt(n)));
}

/** A length-prefixed byte string (script, witness item). */
export function varSlice(bytes: Uint8Array): Uint8Array {
  return concatBytes(compactSize(bytes.length), bytes);
}

export function sha256d(...parts: Uint8Array[]): Uint8Array {
  return sha256(sha256(concatBytes(...parts)));
}

export function hash160(bytes: Uint8Array): Uint8Array {
  return ripemd160(sha256(bytes));
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/**
 * Lower-case hex as one flat string (Node's encoder). Hex built by `+=` is a rope of one node per
 * byte until read (tens of bytes of heap per byte), and txids and signed transactions are held for
 * the whole batch.
 */
export function flatHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Display-order (RPC, explorer) hex of a 32-byte hash held in wire order, and the reverse. */
export function reversedHex(bytes: Uint8Array): string {
  return flatHex(Uint8Array.from(bytes).reverse());
}
