import zlib from 'node:zlib';

/**
 * Decodes the one kind of PNG whose preprocessing is the identity: already at the model's size,
 * 8-bit RGB or grey, no alpha, no interlacing, no colour profile or orientation metadata. That
 * is what clients of small image models usually send (they resize before encoding), and for
 * such a tiny image sharp's fixed cost per call (a libuv pool hop and a libvips pipeline, about
 * 0.3 ms of CPU for 32x32) is several times the cost of the forward pass itself. Here it is one
 * zlib inflate and a filter pass on the calling thread, a few tens of microseconds.
 *
 * Anything this does not fully understand returns undefined and goes to sharp, so the result,
 * whenever there is one, is exactly sharp's (test/data/png-fast-path.test.ts compares both):
 * unknown or metadata chunks, bad CRCs, truncated or oversized data, any other layout.
 */

/** Above this many decoded bytes sharp runs it on libuv's pool instead of blocking the loop. */
export const FAST_PNG_MAX_BYTES = 64 * 1024;

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Ancillary chunks that cannot change decoded pixels (sharp ignores them too). */
const HARMLESS = new Set(['pHYs', 'sRGB', 'tIME']);

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** zlib.crc32 arrived in Node 20.15; the table version serves older 20.x. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

function crc32(buf: Buffer, start: number, end: number): number {
  return nativeCrc32 ? nativeCrc32(buf.subarray(start, end)) >>> 0 : crc32Js(buf, start, end);
}

export function crc32Js(buf: Uint8Array, start = 0, end = buf.length): number {
  let c = -1;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

export interface FastPngTarget {
  /** [height, width] */
  size: [number, number];
  channels: 1 | 3;
}

/**
 * The image's pixels, HWC uint8 with `target.channels` channels, or undefined when the input
 * is not a PNG this path handles (the caller then uses sharp).
 */
export function decodePlainPng(input: Buffer, target: FastPngTarget): Uint8Array | undefined {
  const [height, width] = target.size;
  if (width * height * target.channels > FAST_PNG_MAX_BYTES) return undefined;
  if (input.length < 8 + 25 + 12 || !input.subarray(0, 8).equals(SIGNATURE)) return undefined;

  let pos = 8;
  let header: { width: number; height: number; colourType: number } | undefined;
  const idat: Buffer[] = [];
  let ended = false;
  let idatDone = false;
  while (pos + 12 <= input.length) {
    const length = input.readUInt32BE(pos);
    const type = input.toString('latin1', pos + 4, pos + 8);
    const dataStart = pos + 8;
    const dataEnd = dataStart + length;
    if (length > 0x7fffffff || dataEnd + 4 > input.length) return undefined;
    const critical = (input[pos + 4]! & 0x20) === 0;
    if (critical || !HARMLESS.has(type)) {
      if (type !== 'IHDR' && type !== 'IDAT' && type !== 'IEND') return undefined;
      if (crc32(input, pos + 4, dataEnd) !== input.readUInt32BE(dataEnd)) return undefined;
    }
    if (type === 'IHDR') {
      if (header || length !== 13) return undefined;
      const bitDepth = input[dataStart + 8];
      const colourType = input[dataStart + 9]!;
      const [compression, filter, interlace] = [
        input[dataStart + 10],
        input[dataStart + 11],
        input[dataStart + 12],
      ];
      if (bitDepth !== 8 || compression !== 0 || filter !== 0 || interlace !== 0) return undefined;
      // RGB to RGB, grey to grey or RGB (replicated); RGB to grey needs sharp's colour maths.
      if (!(colourType === 2 ? target.channels === 3 : colourType === 0)) return undefined;
      header = {
        width: input.readUInt32BE(dataStart),
        height: input.readUInt32BE(dataStart + 4),
        colourType,
      };
      if (header.width !== width || header.height !== height) return undefined;
    } else if (!header) {
      return undefined; // IHDR must come first
    } else if (type === 'IDAT') {
      if (idatDone) return undefined; // IDAT chunks must be consecutive
      idat.push(input.subarray(dataStart, dataEnd));
    } else if (type === 'IEND') {
      ended = true;
      break;
    }
    if (type !== 'IDAT' && idat.length > 0) idatDone = true;
    pos = dataEnd + 4;
  }
  if (!header || !ended || idat.length === 0) return undefined;

  const inChannels = header.colourType === 2 ? 3 : 1;
  const stride = width * inChannels;
  const expected = height * (stride + 1);
  let raw: Buffer;
  try {
    raw = zlib.inflateSync(idat.length === 1 ? idat[0]! : Buffer.concat(idat), { maxOutputLength: expected });
  } catch {
    return undefined; // corrupt, or more data than the image holds
  }
  if (raw.length !== expected) return undefined;

  const pixels = unfilter(raw, height, stride, inChannels);
  if (!pixels) return undefined;
  if (inChannels === target.channels) return pixels;
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < pixels.length; i++, j += 3) out[j] = out[j + 1] = out[j + 2] = pixels[i]!;
  return out;
}

/** Reverses PNG's per-row filters (None, Sub, Up, Average, Paeth); undefined on a bad filter. */
function unfilter(raw: Buffer, height: number, stride: number, bpp: number): Uint8Array | undefined {
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    // The row above; the first row's is all zeros, which an offset into a fresh array reads as.
    const up = y > 0 ? out.subarray(row - stride, row) : new Uint8Array(stride);
    switch (filter) {
      case 0:
        out.set(raw.subarray(src, src + stride), row);
        break;
      case 1:
        for (let x = 0; x < stride; x++)
          out[row + x] = (raw[src + x]! + (x >= bpp ? out[row + x - bpp]! : 0)) & 0xff;
        break;
      case 2:
        for (let x = 0; x < stride; x++) out[row + x] = (raw[src + x]! + up[x]!) & 0xff;
        break;
      case 3:
        for (let x = 0; x < stride; x++) {
          const a = x >= bpp ? out[row + x - bpp]! : 0;
          out[row + x] = (raw[src + x]! + ((a + up[x]!) >>> 1)) & 0xff;
        }
        break;
      case 4:
        for (let x = 0; x < stride; x++) {
          const a = x >= bpp ? out[row + x - bpp]! : 0;
          const b = up[x]!;
          const c = x >= bpp ? up[x - bpp]! : 0;
          const pa = Math.abs(b - c);
          const pb = Math.abs(a - c);
          const pc = Math.abs(a + b - 2 * c);
          out[row + x] = (raw[src + x]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
        }
        break;
      default:
        return undefined;
    }
  }
  return out;
}
