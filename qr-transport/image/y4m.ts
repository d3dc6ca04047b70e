/**
 * YUV4MPEG2 (y4m), the uncompressed video format of mjpegtools that ffmpeg, mpv and VLC read and write
 * (https://wiki.multimedia.cx/index.php/YUV4MPEG2): a one-line text header
 * `YUV4MPEG2 W1280 H720 F10:1 Ip A1:1 C420jpeg`, then per frame `FRAME` + parameters + `\n` and the
 * planes, luma first. Lossless, so it is how Airlock's animated QR travels as a file (`airlock qr
 * encode --out x.y4m`, `ffmpeg -i x.y4m x.mp4` to share it) and how a camera recording comes back
 * (`ffmpeg -i rec.mp4 -pix_fmt gray rec.y4m`, or any 8-bit 4:2:0 / 4:2:2 / 4:4:4 / mono y4m).
 *
 * The writer emits C420jpeg with neutral chroma (128); the reader keeps the luma plane and skips the
 * chroma. Both stream: the writer hands each frame to a sink, the reader is an incremental parser
 * that copies luma straight into each frame's image, so memory stays at one frame. Pure (browser
 * and Node).
 */
import { ImageFormatError } from './errors.js';
import { checkImageSize, type GrayImage, isGrayImage } from './gray-image.js';

export type ByteSink = (chunk: Uint8Array) => void;

export interface Y4mStreamInfo {
  readonly width: number;
  readonly height: number;
  /** Frame rate as a fraction (F tag); 25:1 when absent. */
  readonly fps: { readonly num: number; readonly den: number };
  /** The C tag (`420jpeg` when absent). */
  readonly colourSpace: string;
}

const HEADER_MAGIC = 'YUV4MPEG2';
const FRAME_MAGIC = 'FRAME';
/** Colour spaces read: 8-bit ones only; the chroma plane sizes as multiples of (w, h) rounded up. */
const CHROMA: Record<string, { readonly sx: number; readonly sy: number; readonly planes: number }> = {
  '420jpeg': { sx: 2, sy: 2, planes: 2 },
  '420paldv': { sx: 2, sy: 2, planes: 2 },
  '420mpeg2': { sx: 2, sy: 2, planes: 2 },
  '420': { sx: 2, sy: 2, planes: 2 },
  '422': { sx: 2, sy: 1, planes: 2 },
  '444': { sx: 1, sy: 1, planes: 2 },
  '444alpha': { sx: 1, sy: 1, planes: 3 },
  mono: { sx: 1, sy: 1, planes: 0 },
};
const MAX_LINE = 4096;

/** Bytes after the luma plane in each frame. */
function chromaBytes(width: number, height: number, colourSpace: string): number {
  const c = CHROMA[colourSpace]!;
  return c.planes * Math.ceil(width / c.sx) * Math.ceil(height / c.sy);
}

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

export interface Y4mWriterOptions {
  readonly width: number;
  readonly height: number;
  /** Frames per second: an integer, or a fraction. */
  readonly fps: number | { readonly num: number; readonly den: number };
}

/** Writes a C420jpeg y4m stream, one sink call per frame (the header goes with the first). */
export class Y4mWriter {
  readonly width: number;
  readonly height: number;
  private readonly header: Uint8Array;
  private readonly chroma: number;
  private frames = 0;

  constructor(
    private readonly sink: ByteSink,
    options: Y4mWriterOptions,
  ) {
    checkImageSize(options.width, options.height, 'y4m');
    const fps = typeof options.fps === 'number' ? { num: options.fps, den: 1 } : options.fps;
    if (!Number.isInteger(fps.num) || !Number.isInteger(fps.den) || fps.num < 1 || fps.den < 1) {
      throw new RangeError(
        `"fps" expected a positive integer or fraction of them, got ${fps.num}:${fps.den}`,
      );
    }
    this.width = options.width;
    this.height = options.height;
    this.header = ascii(
      `${HEADER_MAGIC} W${this.width} H${this.height} F${fps.num}:${fps.den} Ip A1:1 C420jpeg\n`,
    );
    this.chroma = chromaBytes(this.width, this.height, '420jpeg');
  }

  get frameCount(): number {
    return this.frames;
  }

  writeFrame(img: GrayImage): void {
    if (!isGrayImage(img))
      throw new TypeError('"img" expected a GrayImage with data.length === width * height');
    if (img.width !== this.width || img.height !== this.height) {
      throw new ImageFormatError(
        'FRAME_SIZE_MISMATCH',
        `frame ${this.frames} is ${img.width}x${img.height}; this y4m stream is ${this.width}x${this.height}`,
      );
    }
    const head = this.frames === 0 ? this.header.length : 0;
    const luma = img.data.length;
    const out = new Uint8Array(head + FRAME_MAGIC.length + 1 + luma + this.chroma);
    if (head) out.set(this.header);
    out.set(ascii(`${FRAME_MAGIC}\n`), head);
    out.set(img.data, head + FRAME_MAGIC.length + 1);
    out.fill(128, head + FRAME_MAGIC.length + 1 + luma);
    this.frames++;
    this.sink(out);
  }
}

function parseHeader(line: string): Y4mStreamInfo {
  const tokens = line.split(' ').filter((t) => t.length > 0);
  if (tokens[0] !== HEADER_MAGIC)
    throw new ImageFormatError('Y4M_INVALID', 'not a y4m stream: it does not start with YUV4MPEG2');
  let width = 0;
  let height = 0;
  let fps = { num: 25, den: 1 };
  let colourSpace = '420jpeg';
  for (const t of tokens.slice(1)) {
    const value = t.slice(1);
    switch (t[0]) {
      case 'W':
        width = /^\d+$/.test(value) ? Number(value) : Number.NaN;
        break;
      case 'H':
        height = /^\d+$/.test(value) ? Number(value) : Number.NaN;
        break;
      case 'F': {
        const m = /^(\d+):(\d+)$/.exec(value);
        if (!m || Number(m[1]) === 0 || Number(m[2]) === 0) {
          throw new ImageFormatError('Y4M_INVALID', `y4m frame rate ${JSON.stringify(t)} is not N:D`);
        }
        fps = { num: Number(m[1]), den: Number(m[2]) };
        break;
      }
      case 'C':
        colourSpace = value;
        break;
      default:
      // I (interlacing), A (aspect) and X (extensions) do not change the luma plane.
    }
  }
  if (!(width > 0 && height > 0)) {
    throw new ImageFormatError('Y4M_INVALID', `y4m header ${JSON.stringify(line)} lacks a valid W and H`);
  }
  if (!(colourSpace in CHROMA)) {
    throw new ImageFormatError(
      'Y4M_UNSUPPORTED',
      `y4m colour space C${colourSpace} is not read (8-bit ${Object.keys(CHROMA).join(', ')} are); ` +
        'convert with: ffmpeg -i IN -pix_fmt gray OUT.y4m',
    );
  }
  checkImageSize(width, height, 'y4m');
  return { width, height, fps, colourSpace };
}

/**
 * Incremental y4m parser: `push` chunks of any size, get back the frames they complete. `end`
 * checks the stream did not stop inside a frame.
 */
export class Y4mParser {
  private info: Y4mStreamInfo | null = null;
  private state: 'header' | 'frameHeader' | 'luma' | 'chroma' = 'header';
  private line: number[] = [];
  private frame: Uint8Array | null = null;
  private filled = 0;
  private skip = 0;
  private frames = 0;

  get header(): Y4mStreamInfo | null {
    return this.info;
  }

  get frameCount(): number {
    return this.frames;
  }

  push(chunk: Uint8Array): GrayImage[] {
    const done: GrayImage[] = [];
    let i = 0;
    while (i < chunk.length) {
      switch (this.state) {
        case 'header':
        case 'frameHeader': {
          const nl = chunk.indexOf(0x0a, i);
          const end = nl < 0 ? chunk.length : nl;
          if (this.line.length + (end - i) > MAX_LINE) {
            throw new ImageFormatError(
              'Y4M_INVALID',
              `not a y4m stream: no end of line within ${MAX_LINE} bytes (${this.state === 'header' ? 'stream' : `frame ${this.frames}`} header)`,
            );
          }
          for (let k = i; k < end; k++) this.line.push(chunk[k]!);
          i = end;
          if (nl < 0) break;
          i++; // the newline
          const text = String.fromCharCode(...this.line);
          this.line = [];
          if (this.state === 'header') {
            this.info = parseHeader(text);
          } else {
            if (text !== FRAME_MAGIC && !text.startsWith(`${FRAME_MAGIC} `)) {
              throw new ImageFormatError(
                'Y4M_INVALID',
                `y4m frame ${this.frames} does not start with FRAME (found ${JSON.stringify(text.slice(0, 16))})`,
              );
            }
            this.frame = new Uint8Array(this.info!.width * this.info!.height);
            this.filled = 0;
            this.state = 'luma';
            continue;
          }
          this.state = 'frameHeader';
          break;
        }
        case 'luma': {
          const frame = this.frame!;
          const n = Math.min(frame.length - this.filled, chunk.length - i);
          frame.set(chunk.subarray(i, i + n), this.filled);
          this.filled += n;
          i += n;
          if (this.filled === frame.length) {
            done.push({ width: this.info!.width, height: this.info!.height, data: frame });
            this.frame = null;
            this.frames++;
            this.skip = chromaBytes(this.info!.width, this.info!.height, this.info!.colourSpace);
            this.state = this.skip > 0 ? 'chroma' : 'frameHeader';
          }
          break;
        }
        case 'chroma': {
          const n = Math.min(this.skip, chunk.length - i);
          this.skip -= n;
          i += n;
          if (this.skip === 0) this.state = 'frameHeader';
          break;
        }
      }
    }
    return done;
  }

  /** The stream ended: throws Y4M_INVALID when it has no header or stops inside a frame. */
  end(): void {
    if (this.info === null)
      throw new ImageFormatError('Y4M_INVALID', 'not a y4m stream: it ends before its header does');
    if (this.state !== 'frameHeader' || this.line.length > 0) {
      throw new ImageFormatError('Y4M_INVALID', `the y4m stream is truncated inside frame ${this.frames}`);
    }
  }
}

/** Read frames from a stream of chunks (a Node file stream, a web ReadableStream, an array). */
export async function* readY4m(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<GrayImage, Y4mStreamInfo> {
  const parser = new Y4mParser();
  for await (const chunk of source) yield* parser.push(chunk);
  parser.end();
  return parser.header!;
}

/** Parse a whole y4m file held in memory. */
export function decodeY4m(bytes: Uint8Array): { info: Y4mStreamInfo; frames: GrayImage[] } {
  const parser = new Y4mParser();
  const frames = parser.push(bytes);
  parser.end();
  return { info: parser.header!, frames };
}
