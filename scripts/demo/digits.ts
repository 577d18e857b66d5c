import { createRequire } from 'node:module';
import sharp from 'sharp';
import yazl from 'yazl';

/**
 * Real handwritten digits from the `mnist` package, as a client would have them: PNG files,
 * zipped one folder per class for upload, or base64 strings for /predict.
 */

interface MnistDigit {
  length: number;
  get(i: number): number[];
}
const mnist = createRequire(import.meta.url)('mnist') as Record<number, MnistDigit>;

/** How many examples the package holds of each of the given digits (the smallest count). */
export function available(digits: number[]): number {
  return Math.min(...digits.map((d) => (mnist[d] as MnistDigit).length));
}

/** Example `index` of `digit` as a 28x28 greyscale PNG; negative indexes count from the end. */
export async function digitPng(digit: number, index: number): Promise<Buffer> {
  const set = mnist[digit] as MnistDigit;
  const pixels = set.get(index < 0 ? set.length + index : index);
  return sharp(Buffer.from(pixels.map((v) => Math.round(v * 255))), {
    raw: { width: 28, height: 28, channels: 1 },
  })
    .png()
    .toBuffer();
}

export interface LabelledImage {
  label: string;
  png: Buffer;
}

/** `count` examples of each digit from position `offset` of its list: training draws. */
export function trainingImages(digits: number[], count: number, offset = 0): Promise<LabelledImage[]> {
  return images(digits, count, (i) => offset + i);
}

/**
 * `count` examples of each digit from the end of its list. Training draws take theirs from the
 * start, so the two never share an image while both fit (the demo checks that they do).
 */
export function heldOutImages(digits: number[], count: number): Promise<LabelledImage[]> {
  return images(digits, count, (i) => -(i + 1));
}

function images(digits: number[], count: number, index: (i: number) => number): Promise<LabelledImage[]> {
  const wanted = digits.flatMap((d) => Array.from({ length: count }, (_, i) => ({ d, at: index(i) })));
  return Promise.all(wanted.map(async ({ d, at }) => ({ label: String(d), png: await digitPng(d, at) })));
}

/** The folder-per-class layout POST /v1/datasets expects: `<label>/<n>.png`. */
export async function classZip(images: LabelledImage[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const seen = new Map<string, number>();
  for (const { label, png } of images) {
    const n = seen.get(label) ?? 0;
    seen.set(label, n + 1);
    // PNG is already compressed; deflating it again only costs time.
    zip.addBuffer(png, `${label}/${n}.png`, { compress: false });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}
