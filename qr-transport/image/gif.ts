/**
 * A streaming GIF89a writer for animated QR (for a browser, a chat or a slide: anything that plays a
 * GIF but not a y4m). Two colours only (black and white, grey thresholded at 128), LZW by gifenc,
 * looping forever. The header, the global palette and each frame go to the sink as soon as they are
 * encoded, so a long transfer never sits in memory whole.
 *
 * GIF stores delays in hundredths of a second and browsers play delays under 2/100 s at 10/100 s,
 * so frame rates above 50 fps are refused. Pure (browser and Node).
 */
import gifenc from 'gifenc';
import { ImageFormatError } from './errors.js';
import { checkImageSize, type GrayImage, isGrayImage } from './gray-image.js';

const GIFEncoder = typeof gifenc === 'function' ? gifenc : gifenc.GIFEncoder;
const PALETTE = [
  [0, 0, 0],
  [255, 255, 255],
];

export type ByteSink = (chunk: Uint8Array) => void;

export interface GifWriterOptions {
  readonly width: number;
  readonly height: number;
  /** Frames per second, 1..50 (stored as a delay in hundredths of a second). */
  readonly fps: number;
}

export class GifWriter {
  readonly width: number;
  readonly height: number;
  /** The delay stored per frame, in hundredths of a second. */
  readonly delayCentiseconds: number;
  private readonly encoder = GIFEncoder({ auto: false, initialCapacity: 64 * 1024 });
  private readonly index: Uint8Array;
  private frames = 0;
  private finished = false;

  constructor(
    private readonly sink: ByteSink,
    options: GifWriterOptions,
  ) {
    checkImageSize(options.width, options.height, 'GIF');
    if (options.width > 0xffff || options.height > 0xffff) {
      throw new RangeError(`a GIF is at most 65535x65535, got ${options.width}x${options.height}`);
    }
    if (!(options.fps >= 1 && options.fps <= 50))
      throw new RangeError(`"fps" expected 1..50, got ${options.fps}`);
    this.width = options.width;
    this.height = options.height;
    this.delayCentiseconds = Math.max(2, Math.round(100 / options.fps));
    this.index = new Uint8Array(this.width * this.height);
  }

  get frameCount(): number {
    return this.frames;
  }

  writeFrame(img: GrayImage): void {
    if (this.finished) throw new TypeError('GifWriter: writeFrame after finish');
    if (!isGrayImage(img))
      throw new TypeError('"img" expected a GrayImage with data.length === width * height');
    if (img.width !== this.width || img.height !== this.height) {
      throw new ImageFormatError(
        'FRAME_SIZE_MISMATCH',
        `frame ${this.frames} is ${img.width}x${img.height}; this GIF is ${this.width}x${this.height}`,
      );
    }
    const src = img.data;
    const index = this.index;
    for (let i = 0; i < src.length; i++) index[i] = src[i]! >= 128 ? 1 : 0;
    const first = this.frames === 0;
    if (first) this.encoder.writeHeader();
    this.encoder.writeFrame(index, this.width, this.height, {
      first,
      ...(first ? { palette: PALETTE, repeat: 0 } : {}),
      delay: this.delayCentiseconds * 10,
      colorDepth: 1,
    });
    this.flush();
    this.frames++;
  }

  /** Write the trailer. At least one frame must have been written. */
  finish(): void {
    if (this.finished) return;
    if (this.frames === 0) throw new TypeError('GifWriter: a GIF needs at least one frame');
    this.encoder.finish();
    this.flush();
    this.finished = true;
  }

  private flush(): void {
    const bytes = this.encoder.bytes();
    this.encoder.reset();
    if (bytes.length > 0) this.sink(bytes);
  }
}
