import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { preprocessImage } from '../../../src/datasets/image/image-preprocess.js';
import { imagePreprocessingSchema } from '../../../src/contracts/preprocessing.js';

async function png(width: number, height: number, rgb: [number, number, number]): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toBuffer();
}

describe('preprocessImage', () => {
  it('resizes and scales a solid colour exactly', async () => {
    const spec = imagePreprocessingSchema.parse({ size: [8, 6], scale: [-1, 1] });
    const out = await preprocessImage(await png(30, 20, [255, 0, 51]), spec);
    expect(out.length).toBe(8 * 6 * 3);
    expect(out[0]).toBeCloseTo(1, 5);
    expect(out[1]).toBeCloseTo(-1, 5);
    expect(out[2]).toBeCloseTo((51 / 255) * 2 - 1, 5);
  });

  it('letterboxes with black bars and keeps greyscale to one channel', async () => {
    const spec = imagePreprocessingSchema.parse({ size: [10, 10], channels: 1, resize: 'letterbox' });
    const out = await preprocessImage(await png(40, 10, [255, 255, 255]), spec);
    expect(out.length).toBe(100);
    expect(out[0]).toBe(0); // top bar
    expect(out[5 * 10 + 5]).toBeCloseTo(1, 2); // centre row is the image
  });

  it('rejects bytes that are not an image with a 422 error', async () => {
    const spec = imagePreprocessingSchema.parse({ size: [8, 8] });
    await expect(preprocessImage(Buffer.from('definitely not an image'), spec)).rejects.toMatchObject({
      name: 'UnprocessableError',
    });
  });
});
