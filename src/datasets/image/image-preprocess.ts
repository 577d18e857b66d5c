import sharp from 'sharp';
import { UnprocessableError } from '../../lib/errors.js';
import type { ImagePreprocessing } from '../../contracts/preprocessing.js';

/** Refuse decompression bombs: no image used here needs more than ~100 megapixels. */
export const MAX_INPUT_PIXELS = 100_000_000;

const FIT = { stretch: 'fill', letterbox: 'contain', crop: 'cover' } as const;

/**
 * Decodes any format sharp reads (JPEG, PNG, WebP, GIF, AVIF, TIFF), applies EXIF orientation,
 * flattens alpha onto black, resizes as the spec says and scales 0..255 onto `spec.scale`.
 * Training (src/datasets) and /predict both call this, so served inputs match training inputs.
 * Returns HWC float32 of length size[0] * size[1] * channels.
 */
export async function preprocessImage(input: Buffer, spec: ImagePreprocessing): Promise<Float32Array> {
  const [height, width] = spec.size;
  let raw: Buffer;
  try {
    let img = sharp(input, { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS, animated: false })
      .rotate()
      .flatten({ background: { r: 0, g: 0, b: 0 } })
      .resize(width, height, { fit: FIT[spec.resize], background: { r: 0, g: 0, b: 0 }, position: 'centre' });
    img = spec.channels === 1 ? img.greyscale().toColourspace('b-w') : img.toColourspace('srgb');
    raw = await img.raw().toBuffer();
  } catch (err) {
    throw new UnprocessableError(
      `not a readable image: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
      },
    );
  }
  const expected = height * width * spec.channels;
  if (raw.length !== expected) {
    throw new UnprocessableError(`image decoded to ${raw.length} values, expected ${expected}`);
  }
  const [lo, hi] = spec.scale;
  const k = (hi - lo) / 255;
  const out = new Float32Array(expected);
  for (let i = 0; i < expected; i++) out[i] = (raw[i] as number) * k + lo;
  return out;
}
