import zlib from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeWithSharp, preprocessImage } from '../../src/data/image-preprocess.js';
import { imagePreprocessingSchema, type ImagePreprocessing } from '../../src/data/preprocessing.js';
import { crc32Js, decodePlainPng, FAST_PNG_MAX_BYTES } from '../../src/data/png-fast-path.js';

/**
 * The PNG fast path must give exactly sharp's pixels whenever it gives any, and leave every
 * PNG it cannot decode exactly (metadata that changes pixels, other layouts, damage) to sharp.
 */

const W = 12;
const H = 9;

function pixels(channels: number, seed: number): Buffer {
  const b = Buffer.alloc(W * H * channels);
  for (let i = 0; i < b.length; i++) b[i] = (i * 37 + seed * 101 + ((i * seed) % 17)) & 255;
  return b;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32Js(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** PNG filter of one row; `prev` is the row above (zeros for the first). */
function filterRow(f: number, row: Buffer, prev: Buffer, bpp: number): Buffer {
  const out = Buffer.alloc(row.length + 1);
  out[0] = f;
  for (let x = 0; x < row.length; x++) {
    const a = x >= bpp ? row[x - bpp]! : 0;
    const b = prev[x]!;
    const c = x >= bpp ? prev[x - bpp]! : 0;
    const pa = Math.abs(b - c);
    const pb = Math.abs(a - c);
    const pc = Math.abs(a + b - 2 * c);
    const predictor = [0, a, b, (a + b) >>> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f]!;
    out[x + 1] = (row[x]! - predictor) & 0xff;
  }
  return out;
}

/** A hand-made 8-bit PNG whose rows use the given filters in turn (all five, by default). */
function encodePng(
  data: Buffer,
  colourType: 0 | 2,
  opts: { filters?: number[]; extra?: Buffer[]; splitIdat?: boolean } = {},
): Buffer {
  const bpp = colourType === 2 ? 3 : 1;
  const stride = W * bpp;
  const filters = opts.filters ?? [0, 1, 2, 3, 4];
  const rows: Buffer[] = [];
  for (let y = 0; y < H; y++) {
    const row = data.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? data.subarray((y - 1) * stride, y * stride) : Buffer.alloc(stride);
    rows.push(filterRow(filters[y % filters.length]!, row, prev, bpp));
  }
  const z = zlib.deflateSync(Buffer.concat(rows));
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(W, 0);
  ihdr.writeUInt32BE(H, 4);
  ihdr[8] = 8;
  ihdr[9] = colourType;
  const idat = opts.splitIdat
    ? [chunk('IDAT', z.subarray(0, 7)), chunk('IDAT', z.subarray(7))]
    : [chunk('IDAT', z)];
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(opts.extra ?? []),
    ...idat,
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const spec = (over: Partial<ImagePreprocessing> = {}): ImagePreprocessing =>
  imagePreprocessingSchema.parse({ size: [H, W], ...over });

describe('PNG fast path', () => {
  it('decodes every row filter, RGB and grey, exactly as sharp does', async () => {
    const cases: Array<{ png: Buffer; channels: 1 | 3 }> = [];
    for (const filters of [[0], [1], [2], [3], [4], [0, 1, 2, 3, 4], [4, 3, 2, 1, 0]]) {
      cases.push({ png: encodePng(pixels(3, filters.length), 2, { filters }), channels: 3 });
      cases.push({ png: encodePng(pixels(1, filters[0]!), 0, { filters }), channels: 1 });
      cases.push({ png: encodePng(pixels(1, filters[0]!), 0, { filters }), channels: 3 });
    }
    cases.push({ png: encodePng(pixels(3, 7), 2, { splitIdat: true }), channels: 3 });
    // A chunk that changes no pixel is skipped.
    cases.push({
      png: encodePng(pixels(3, 8), 2, { extra: [chunk('pHYs', Buffer.alloc(9))] }),
      channels: 3,
    });
    // sharp's own encoder, with its adaptive filtering.
    cases.push({
      png: await sharp(pixels(3, 9), { raw: { width: W, height: H, channels: 3 } })
        .png({ adaptiveFiltering: true, compressionLevel: 9 })
        .toBuffer(),
      channels: 3,
    });
    for (const { png, channels } of cases) {
      for (const resize of ['stretch', 'letterbox', 'crop'] as const) {
        const s = spec({ channels, resize });
        const fast = decodePlainPng(png, s);
        expect(fast, `${channels} channels, ${resize}`).toBeDefined();
        expect(Buffer.from(fast!).equals(await decodeWithSharp(png, s))).toBe(true);
      }
    }
  });

  it('scales the fast path like the sharp path', async () => {
    const png = encodePng(pixels(3, 3), 2);
    const s = spec({ scale: [-1, 1] });
    const expected = Float32Array.from(await decodeWithSharp(png, s), (v) => (v * 2) / 255 - 1);
    expect(Array.from(await preprocessImage(png, s))).toEqual(Array.from(expected));
  });

  it('leaves to sharp what it cannot decode exactly', async () => {
    const rgb = () => sharp(pixels(3, 5), { raw: { width: W, height: H, channels: 3 } });
    const leftToSharp: Record<string, Buffer> = {
      'EXIF orientation': await rgb().withMetadata({ orientation: 6 }).png().toBuffer(),
      'ICC profile': await rgb().withIccProfile('p3').png().toBuffer(),
      interlaced: await rgb().png({ progressive: true }).toBuffer(),
      palette: await rgb().png({ palette: true }).toBuffer(),
      alpha: await rgb().ensureAlpha(0.5).png().toBuffer(),
      '16-bit': await rgb().toColourspace('rgb16').png().toBuffer(),
      'other size': await rgb()
        .resize(W + 1, H)
        .png()
        .toBuffer(),
      'unknown chunk': encodePng(pixels(3, 1), 2, { extra: [chunk('gAMA', Buffer.alloc(4))] }),
      'RGB to grey': encodePng(pixels(3, 1), 2),
      jpeg: await rgb().jpeg().toBuffer(),
    };
    for (const [name, png] of Object.entries(leftToSharp)) {
      const s = spec({ channels: name === 'RGB to grey' ? 1 : 3 });
      expect(decodePlainPng(png, s), name).toBeUndefined();
      // And the result is then sharp's, orientation and colour management included.
      const expected = Float32Array.from(await decodeWithSharp(png, s), (v) => v / 255);
      expect(Array.from(await preprocessImage(png, s)), name).toEqual(Array.from(expected));
    }
    const big = Math.ceil(Math.sqrt(FAST_PNG_MAX_BYTES / 3)) + 1;
    const large = await sharp({
      create: { width: big, height: big, channels: 3, background: { r: 1, g: 2, b: 3 } },
    })
      .png()
      .toBuffer();
    expect(decodePlainPng(large, spec({ size: [big, big] }))).toBeUndefined();
  });

  it('sends damaged files to sharp, which rejects them with 422', async () => {
    const good = encodePng(pixels(3, 2), 2);
    const badCrc = Buffer.from(good);
    badCrc[badCrc.length - 20]! ^= 0xff; // inside IDAT: its CRC no longer matches
    const truncated = good.subarray(0, good.length - 30);
    const badFilter = encodePng(pixels(3, 2), 2, { filters: [5] });
    for (const png of [badCrc, truncated, badFilter]) {
      expect(decodePlainPng(png, spec())).toBeUndefined();
      await expect(preprocessImage(png, spec())).rejects.toMatchObject({ status: 422 });
    }
  });

  it('computes PNG CRCs without zlib.crc32 (older Node 20)', () => {
    expect(crc32Js(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32Js(Buffer.from('IEND'))).toBe(0xae426082);
  });
});
