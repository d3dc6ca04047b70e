/**
 * CRC-32 as in ISO 3309 / ITU-T V.42, zlib, PNG and Bytewords (reflected polynomial 0xEDB88320,
 * initial value and final XOR 0xFFFFFFFF). Check value: crc32("123456789") = 0xCBF43926. The one
 * implementation of qr-transport: BC-UR, dense frames and PNG chunks all use it. It detects accidents
 * (every burst error up to 32 bits); it authenticates nothing.
 */

const TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of `bytes[start, end)`, as an unsigned 32-bit integer. */
export function crc32(bytes: Uint8Array, start = 0, end: number = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
