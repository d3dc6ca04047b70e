/**
 * CRC-32 as used by Bytewords and the multipart checksum (BCR-2020-012, BCR-2024-001): the ISO-HDLC /
 * zlib CRC (reflected polynomial 0xEDB88320, init and final XOR 0xFFFFFFFF), returned as an unsigned
 * 32-bit integer; `crc32Bytes` gives it big-endian, as Bytewords appends it.
 */

const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of `bytes` as an unsigned integer in [0, 2^32). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** CRC-32 of `bytes`, four bytes big-endian. */
export function crc32Bytes(bytes: Uint8Array): Uint8Array {
  return uint32BE(crc32(bytes));
}

/** `value` (an unsigned 32-bit integer) as four bytes big-endian. */
export function uint32BE(value: number): Uint8Array {
  return new Uint8Array([value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]);
}
