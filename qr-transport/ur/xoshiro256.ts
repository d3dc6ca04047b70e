/**
 * Xoshiro256** 1.0 (Blackman and Vigna), seeded as BCR-2024-001 prescribes: the SHA-256 of the seed
 * bytes read as four big-endian 64-bit state words. The fountain code's degree and fragment choices
 * depend on every bit of it, so it is bit-exact with the reference (BlockchainCommons/bc-ur
 * `xoshiro256.cpp`): `nextDouble` is the 64-bit output rounded to the nearest double, divided by 2^64.
 *
 * The 64-bit words are kept as pairs of unsigned 32-bit halves: no BigInt on the hot path.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { uint32BE } from './crc32.js';

const TWO_32 = 4294967296;
const TWO_64 = 2 ** 64;

export class Xoshiro256 {
  /** s0.hi, s0.lo, s1.hi, s1.lo, s2.hi, s2.lo, s3.hi, s3.lo */
  private readonly s = new Uint32Array(8);
  /** The last output, high and low halves. */
  private outHi = 0;
  private outLo = 0;

  private constructor(digest: Uint8Array) {
    const view = new DataView(digest.buffer, digest.byteOffset, 32);
    for (let i = 0; i < 8; i++) this.s[i] = view.getUint32(4 * i, false);
  }

  /** Seeded with SHA-256(`seed`). */
  static fromBytes(seed: Uint8Array): Xoshiro256 {
    return new Xoshiro256(sha256(seed));
  }

  /** Seeded with SHA-256 of the UTF-8 of `seed` (the test vectors' "Wolf"). */
  static fromString(seed: string): Xoshiro256 {
    return Xoshiro256.fromBytes(new TextEncoder().encode(seed));
  }

  /** Seeded with SHA-256 of the 4 big-endian bytes of `crc`. */
  static fromCrc32(crc: number): Xoshiro256 {
    return Xoshiro256.fromBytes(uint32BE(crc));
  }

  /** Advances the state; the output is left in outHi/outLo. */
  private step(): void {
    const s = this.s;
    // result = rotl(s1 * 5, 7) * 9
    let lo = s[3]! * 5;
    let hi = (s[2]! * 5 + Math.floor(lo / TWO_32)) >>> 0;
    lo >>>= 0;
    const rHi = ((hi << 7) | (lo >>> 25)) >>> 0;
    const rLo = ((lo << 7) | (hi >>> 25)) >>> 0;
    lo = rLo * 9;
    hi = (rHi * 9 + Math.floor(lo / TWO_32)) >>> 0;
    this.outHi = hi;
    this.outLo = lo >>> 0;
    // t = s1 << 17
    const tHi = ((s[2]! << 17) | (s[3]! >>> 15)) >>> 0;
    const tLo = (s[3]! << 17) >>> 0;
    s[4]! ^= s[0]!; // s2 ^= s0
    s[5]! ^= s[1]!;
    s[6]! ^= s[2]!; // s3 ^= s1
    s[7]! ^= s[3]!;
    s[2]! ^= s[4]!; // s1 ^= s2
    s[3]! ^= s[5]!;
    s[0]! ^= s[6]!; // s0 ^= s3
    s[1]! ^= s[7]!;
    s[4]! ^= tHi; // s2 ^= t
    s[5]! ^= tLo;
    // s3 = rotl(s3, 45) = rotl(swap halves, 13)
    const h = s[7]!;
    const l = s[6]!;
    s[6] = (h << 13) | (l >>> 19);
    s[7] = (l << 13) | (h >>> 19);
  }

  /** The next 64-bit output (tests and vectors; the codec uses `nextDouble`). */
  next(): bigint {
    this.step();
    return (BigInt(this.outHi) << 32n) | BigInt(this.outLo);
  }

  /** The next output as a double in [0, 1] (1 only when the output rounds up to 2^64, as in C++). */
  nextDouble(): number {
    this.step();
    // hi * 2^32 is exact; the one addition rounds to nearest, exactly as (double)uint64 does.
    return (this.outHi * TWO_32 + this.outLo) / TWO_64;
  }

  /** An integer in [low, high], as the reference: floor(nextDouble() * (high - low + 1)) + low. */
  nextInt(low: number, high: number): number {
    return Math.floor(this.nextDouble() * (high - low + 1)) + low;
  }

  nextByte(): number {
    return this.nextInt(0, 255) & 0xff;
  }

  nextData(count: number): Uint8Array {
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) out[i] = this.nextByte();
    return out;
  }
}
