// The part of gifenc 1.0.3 (no bundled types) that gif.ts uses.
declare module 'gifenc' {
  export interface GifFrameOptions {
    /** RGB triples; the first frame's palette becomes the global colour table. */
    palette?: number[][];
    /** Milliseconds (stored in hundredths of a second). */
    delay?: number;
    /** -1 play once, 0 loop forever, n loop n more times (first frame only). */
    repeat?: number;
    colorDepth?: number;
    /** In manual mode (`auto: false`): this frame writes the screen descriptor and global palette. */
    first?: boolean;
    transparent?: boolean;
    dispose?: number;
  }
  export interface GifEncoder {
    writeHeader(): void;
    writeFrame(index: Uint8Array, width: number, height: number, opts?: GifFrameOptions): void;
    finish(): void;
    /** A copy of the bytes written since the last reset. */
    bytes(): Uint8Array;
    /** Rewinds the output buffer (manual mode keeps the encoder's state). */
    reset(): void;
  }
  export function GIFEncoder(opts?: { initialCapacity?: number; auto?: boolean }): GifEncoder;
  /** Node's CommonJS interop gives the exports object; bundlers give the default export, GIFEncoder. */
  const gifenc: { GIFEncoder: typeof GIFEncoder } | typeof GIFEncoder;
  export default gifenc;
}
