import { expect } from 'vitest';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import yauzl from 'yauzl';

/** Every entry of a zip, by name (model downloads in tests). */
export async function unzip(buf: Buffer): Promise<Map<string, Buffer>> {
  const zip = await yauzl.fromBufferPromise(buf, { lazyEntries: true });
  const files = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', resolve);
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (err, stream) => {
        if (err) return reject(err);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          files.set(entry.fileName, Buffer.concat(chunks));
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
  return files;
}

/** One line of a downloaded model's predict.mjs. */
export interface OutsidePrediction {
  label: string;
  score: number;
  scores: number[];
  novelty?: number;
  unknown: boolean;
}

/**
 * Unpacks a model download inside the repository (so its predict.mjs resolves TF.js, sharp and
 * the encoder packages from node_modules), writes `inputs` files beside it, runs
 * `node predict.mjs ...args` there and returns its JSON lines.
 */
export async function runDownloadedPredict(
  zip: Buffer,
  args: string[],
  inputs: Record<string, Buffer> = {},
): Promise<OutsidePrediction[]> {
  const files = await unzip(zip);
  const dir = path.resolve('.tmp', `download-${randomBytes(4).toString('hex')}`);
  await mkdir(dir, { recursive: true });
  try {
    for (const [name, content] of [...files, ...Object.entries(inputs)]) {
      await writeFile(path.join(dir, name), content);
    }
    const { stdout } = await promisify(execFile)('node', ['predict.mjs', ...args], {
      cwd: dir,
      timeout: 120_000,
    });
    return stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as OutsidePrediction);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The served predictions, answered the same by predict.mjs: label, calibrated score, novelty, unknown. */
export function expectSameAsServed(
  outside: OutsidePrediction[],
  served: Array<{
    label: string;
    score: number;
    topK?: Array<{ label: string; score: number }>;
    novelty?: number;
    unknown: boolean;
  }>,
  /** The model's labels in output order, to compare every score of a topK answer. */
  labels?: string[],
): void {
  expect(outside).toHaveLength(served.length);
  served.forEach((p, i) => {
    const o = outside[i]!;
    expect(o.label, `input ${i}`).toBe(p.label);
    expect(Math.max(...o.scores)).toBeCloseTo(p.score, 4);
    // Every class's score, where the service answered them all (topK = every label).
    for (const k of labels ? (p.topK ?? []) : []) {
      expect(o.scores[labels!.indexOf(k.label)], `input ${i} ${k.label}`).toBeCloseTo(k.score, 5);
    }
    // sqrt(2 - 2 cos) near 0 turns float32 rounding of cos (6e-8) into about 3e-4.
    if (p.novelty === undefined) expect(o).not.toHaveProperty('novelty');
    else expect(Math.abs(o.novelty! - p.novelty)).toBeLessThan(2e-3);
    expect(o.unknown).toBe(p.unknown);
  });
}
