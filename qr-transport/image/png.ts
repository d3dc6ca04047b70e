/**
 * A small PNG writer and reader (W3C PNG, 2nd/3rd edition), enough for QR frames: the writer makes
 * 8-bit greyscale, non-interlaced images (zlib via fflate, every row with the Up filter, so the
 * repeated rows of a QR module collapse to zeros); the reader takes the non-interlaced images most
 * tools write — greyscale (1/2/4/8-bit), palette (1/2/4/8-bit, tRNS alpha), grey+alpha, RGB and RGBA
 * (8-bit) — and returns them as grey (Rec. 601 luma, alpha composited over white, since a QR code's
 * background is light). 16-bit and interlaced images are refused with PNG_UNSUPPORTED, damaged ones
 * (signature, chunk CRC, zlib stream, filter type, data length) with PNG_INVALID. Pure (browser and Node).
 */
import { unzlibSync, zlibSync } from 'fflate';
import { crc32 } from '../crc32.js';
import { ImageFormatError } from './errors.js';
import { checkImageSize, type GrayImage, isGrayImage } from './gray-image.js';

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** Encode a grey image as an 8-bit greyscale PNG. */
export function encodePng(img: GrayImage): Uint8Array {
  if (!isGrayImage(img))
    throw new TypeError('"img" expected a GrayImage with data.length === width * height');
  const { width, height, data } = img;
  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // colour type: greyscale
  // compression 0, filter method 0, interlace 0 (already zero)
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) {
    const o = y * (width + 1);
    raw[o] = 2; // Up: the difference to the row above (row 0 has an implicit zero row above)
    const row = y * width;
    if (y === 0) raw.set(data.subarray(0, width), o + 1);
    else for (let x = 0; x < width; x++) raw[o + 1 + x] = (data[row + x]! - data[row - width + x]!) & 0xff;
  }
  const parts = [
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', zlibSync(raw, { level: 6 })),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** True when `bytes` start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

const invalid = (what: string) => new ImageFormatError('PNG_INVALID', `not a valid PNG: ${what}`);
const unsupported = (what: string) => new ImageFormatError('PNG_UNSUPPORTED', `unsupported PNG: ${what}`);

/** Bits per pixel of each colour type Airlock reads, by bit depth. */
const CHANNELS: Record<number, { channels: number; depths: readonly number[]; name: string }> = {
  0: { channels: 1, depths: [1, 2, 4, 8], name: 'greyscale' },
  2: { channels: 3, depths: [8], name: 'RGB' },
  3: { channels: 1, depths: [1, 2, 4, 8], name: 'palette' },
  4: { channels: 2, depths: [8], name: 'grey+alpha' },
  6: { channels: 4, depths: [8], name: 'RGBA' },
};

/** Decode a PNG into a grey image (see the file comment for what is read and what is refused). */
export function decodePng(bytes: Uint8Array): GrayImage {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('"bytes" expected Uint8Array');
  if (!isPng(bytes)) throw invalid('the file does not start with the PNG signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 8;
  let header: { width: number; height: number; depth: number; colourType: number } | null = null;
  let palette: Uint8Array | null = null;
  let paletteAlpha: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (!ended) {
    if (at + 12 > bytes.length) throw invalid(`truncated at byte ${at} (no IEND chunk)`);
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (length > 0x7fffffff || at + 12 + length > bytes.length) {
      throw invalid(`chunk ${JSON.stringify(type)} at byte ${at} runs past the end of the file`);
    }
    if (view.getUint32(at + 8 + length) !== crc32(bytes, at + 4, at + 8 + length)) {
      throw invalid(`chunk ${JSON.stringify(type)} at byte ${at} fails its CRC`);
    }
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (header === null && type !== 'IHDR')
      throw invalid(`the first chunk is ${JSON.stringify(type)}, not IHDR`);
    switch (type) {
      case 'IHDR': {
        if (header !== null) throw invalid('a second IHDR chunk');
        if (length !== 13) throw invalid(`IHDR is ${length} bytes, not 13`);
        const width = view.getUint32(at + 8);
        const height = view.getUint32(at + 12);
        const depth = data[8]!;
        const colourType = data[9]!;
        const kind = CHANNELS[colourType];
        if (width === 0 || height === 0) throw invalid(`image size ${width}x${height}`);
        if (kind === undefined) throw invalid(`colour type ${colourType}`);
        if (data[10] !== 0 || data[11] !== 0) throw invalid('compression or filter method other than 0');
        if (data[12] !== 0) {
          if (data[12] === 1)
            throw unsupported('Adam7-interlaced images are not read; save it non-interlaced');
          throw invalid(`interlace method ${data[12]}`);
        }
        if (!kind.depths.includes(depth)) {
          if (depth === 16) throw unsupported(`16-bit ${kind.name} images are not read; save it with 8 bits`);
          throw invalid(`bit depth ${depth} for ${kind.name}`);
        }
        checkImageSize(width, height, 'PNG');
        header = { width, height, depth, colourType };
        break;
      }
      case 'PLTE':
        if (length % 3 !== 0 || length === 0 || length > 768) throw invalid(`PLTE of ${length} bytes`);
        palette = data;
        break;
      case 'tRNS':
        if (header!.colourType === 3) paletteAlpha = data;
        // A single transparent grey level or RGB colour (types 0 and 2) is ignored: opaque is the safe reading.
        break;
      case 'IDAT':
        idat.push(data);
        break;
      case 'IEND':
        ended = true;
        break;
      default:
        // Bit 5 of the first byte set: ancillary, safe to skip. A critical chunk we do not know is an error.
        if (!(bytes[at + 4]! & 0x20)) throw unsupported(`critical chunk ${JSON.stringify(type)}`);
    }
    at += 12 + length;
  }
  const h = header!;
  if (h.colourType === 3 && palette === null) throw invalid('a palette image without a PLTE chunk');
  if (idat.length === 0) throw invalid('no IDAT chunk');
  const kind = CHANNELS[h.colourType]!;
  const bitsPerPixel = kind.channels * h.depth;
  const stride = Math.ceil((h.width * bitsPerPixel) / 8);
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const expected = h.height * (stride + 1);
  const compressed = new Uint8Array(idat.reduce((n, d) => n + d.length, 0));
  let o = 0;
  for (const d of idat) {
    compressed.set(d, o);
    o += d.length;
  }
  let raw: Uint8Array;
  try {
    // One byte more than expected, so that a stream longer than the image is noticed.
    raw = unzlibSync(compressed, { out: new Uint8Array(expected + 1) });
  } catch (err) {
    throw invalid(`the image data is not a valid zlib stream (${(err as Error).message})`);
  }
  if (raw.length !== expected) {
    throw invalid(
      `the image data is ${raw.length > expected ? 'longer' : `${raw.length} bytes, shorter`} than the ${expected} bytes of a ${h.width}x${h.height} image`,
    );
  }
  unfilter(raw, h.height, stride, bpp);
  return toGray(raw, h, stride, palette, paletteAlpha);
}

function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number): void {
  for (let y = 0; y < height; y++) {
    const o = y * (stride + 1) + 1;
    const prev = o - (stride + 1); // only read when y > 0
    const filter = raw[o - 1]!;
    switch (filter) {
      case 0:
        break;
      case 1:
        for (let i = bpp; i < stride; i++) raw[o + i] = (raw[o + i]! + raw[o + i - bpp]!) & 0xff;
        break;
      case 2:
        if (y > 0) for (let i = 0; i < stride; i++) raw[o + i] = (raw[o + i]! + raw[prev + i]!) & 0xff;
        break;
      case 3:
        for (let i = 0; i < stride; i++) {
          const left = i >= bpp ? raw[o + i - bpp]! : 0;
          const up = y > 0 ? raw[prev + i]! : 0;
          raw[o + i] = (raw[o + i]! + ((left + up) >> 1)) & 0xff;
        }
        break;
      case 4:
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? raw[o + i - bpp]! : 0;
          const b = y > 0 ? raw[prev + i]! : 0;
          const c = i >= bpp && y > 0 ? raw[prev + i - bpp]! : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          const pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          raw[o + i] = (raw[o + i]! + pred) & 0xff;
        }
        break;
      default:
        throw invalid(`row ${y} has filter type ${filter}`);
    }
  }
}

/** Rec. 601 luma, in integers. */
const luma = (r: number, g: number, b: number) => Math.round((299 * r + 587 * g + 114 * b) / 1000);
/** Composite a grey level with alpha over white. */
const overWhite = (v: number, a: number) => Math.round((v * a + 255 * (255 - a)) / 255);

function toGray(
  raw: Uint8Array,
  h: { width: number; height: number; depth: number; colourType: number },
  stride: number,
  palette: Uint8Array | null,
  paletteAlpha: Uint8Array | null,
): GrayImage {
  const { width, height, depth, colourType } = h;
  const out = new Uint8Array(width * height);
  let paletteGray: Uint8Array | null = null;
  if (colourType === 3) {
    const entries = palette!.length / 3;
    paletteGray = new Uint8Array(256);
    for (let i = 0; i < entries; i++) {
      const v = luma(palette![3 * i]!, palette![3 * i + 1]!, palette![3 * i + 2]!);
      paletteGray[i] = paletteAlpha && i < paletteAlpha.length ? overWhite(v, paletteAlpha[i]!) : v;
    }
  }
  const maxSample = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1) + 1;
    const o = y * width;
    for (let x = 0; x < width; x++) {
      let v: number;
      switch (colourType) {
        case 0:
        case 3: {
          let sample: number;
          if (depth === 8) sample = raw[row + x]!;
          else {
            const bit = x * depth;
            sample = (raw[row + (bit >> 3)]! >> (8 - depth - (bit & 7))) & maxSample;
          }
          if (colourType === 3) {
            if (sample >= palette!.length / 3) throw invalid(`pixel (${x}, ${y}) indexes past the palette`);
            v = paletteGray![sample]!;
          } else v = depth === 8 ? sample : Math.round((sample * 255) / maxSample);
          break;
        }
        case 2: {
          const p = row + 3 * x;
          v = luma(raw[p]!, raw[p + 1]!, raw[p + 2]!);
          break;
        }
        case 4: {
          const p = row + 2 * x;
          v = overWhite(raw[p]!, raw[p + 1]!);
          break;
        }
        default: {
          const p = row + 4 * x;
          v = overWhite(luma(raw[p]!, raw[p + 1]!, raw[p + 2]!), raw[p + 3]!);
        }
      }
      out[o + x] = v;
    }
  }
  return { width, height, data: out };
}
