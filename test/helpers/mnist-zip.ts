import { createRequire } from 'node:module';
import sharp from 'sharp';
import { classZip } from './dataset-fixtures.js';

const mnist = createRequire(import.meta.url)('mnist') as Record<
  number,
  { length: number; get(i: number): number[] }
>;

/** One real MNIST digit as a 28x28 greyscale PNG. */
export async function mnistPng(digit: number, index: number): Promise<Buffer> {
  const pixels = mnist[digit]!.get(index);
  const raw = Buffer.from(pixels.map((v) => Math.round(v * 255)));
  return sharp(raw, { raw: { width: 28, height: 28, channels: 1 } })
    .png()
    .toBuffer();
}

/** A folder-per-class zip of real digits: `perDigit` of each, from `offset` on. */
export async function mnistZip(digits: number[], perDigit: number, offset = 0): Promise<Buffer> {
  const classes: Record<string, Buffer[]> = {};
  for (const d of digits) {
    classes[String(d)] = await Promise.all(
      Array.from({ length: perDigit }, (_, i) => mnistPng(d, offset + i)),
    );
  }
  return classZip(classes);
}
