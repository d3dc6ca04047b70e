/**
 * BC-UR for Airlock's animated QR: Uniform Resources (BCR-2020-005), Bytewords (BCR-2020-012) and
 * multipart fountain codes (BCR-2024-001), compatible with Sparrow, Keystone, Jade and @ngraveio/bc-ur.
 * Pure TypeScript: runs in Node, the renderer and Web Workers. See docs/transport-ur.md.
 */
export { cborBytes, cborBytesValue } from './cbor.js';
export { UrError, type UrErrorCode } from './errors.js';
export { decodeUr, encodeUr } from './ur.js';
export { UrDecoder } from './ur-decoder.js';
export { UrFountainEncoder } from './ur-encoder.js';
