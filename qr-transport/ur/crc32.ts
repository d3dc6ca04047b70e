/**
 * CRC-32 as used by Bytewords and the multipart checksum (BCR-2020-012, BCR-2024-001): the ISO-HDLC /
 * zlib CRC (reflected polynomial 0xEDB88320, init and final XOR 0xFFFFFFFF), returned as an unsigned
 * 32-bit integer (qr-transport/crc32.ts); `crc32Bytes` gives it big-endian, as Bytewords appends it.
 */

import { crc32 } from '../crc32.js';

export { crc32 };

/** CRC-32 of `bytes`, four bytes big-endian. */
export function crc32Bytes(bytes: Uint8Array): Uint8Array {
  return uint32BE(crc32(bytes));
}

/** `value` (an unsigned 32-bit integer) as four bytes big-endian. */
export function uint32BE(value: number): Uint8Array {
  return new Uint8Array([value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]);
}
