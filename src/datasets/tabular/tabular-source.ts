import { open, type FileHandle } from 'node:fs/promises';
import { toBatch, type Batch, type BatchOptions } from '../../ml/index.js';
import type { Task } from '../../contracts/task.js';
import type { DatasetExampleSource } from '../modality.js';
import { RunningStats } from './running-stats.js';
import { epochOrder } from '../../lib/seeded-split.js';

/**
 * Rows of `features.f32` read per batch with positional reads (the matrix is never loaded
 * whole) and standardised with the training split's mean and std.
 */
export class TabularExampleSource implements DatasetExampleSource {
  readonly labels: readonly number[];
  readonly keys: readonly string[];

  constructor(
    private readonly featuresFile: string,
    /** Row numbers (0-based, in the file) that belong to this source, in the source's order. */
    private readonly rows: readonly number[],
    private readonly targets: Float32Array,
    private readonly nFeatures: number,
    private readonly mean: readonly number[],
    private readonly std: readonly number[],
    private readonly task: Task,
  ) {
    this.labels = rows.map((r) => targets[r] as number);
    this.keys = rows.map((r) => `row-${r + 1}`);
  }

  subset(indices: readonly number[]): TabularExampleSource {
    return new TabularExampleSource(
      this.featuresFile,
      indices.map((i) => this.rows[i] as number),
      this.targets,
      this.nFeatures,
      this.mean,
      this.std,
      this.task,
    );
  }

  /** The same rows, standardised with the mean and std of the rows at `indices` (a fold's training part). */
  async fitPreprocessing(indices: readonly number[]): Promise<TabularExampleSource> {
    const { mean, std } = await featureStats(
      this.featuresFile,
      indices.map((i) => this.rows[i] as number),
      this.nFeatures,
    );
    return new TabularExampleSource(
      this.featuresFile,
      this.rows,
      this.targets,
      this.nFeatures,
      mean,
      std,
      this.task,
    );
  }

  get size(): number {
    return this.rows.length;
  }

  async *batches(batchSize: number, opts: BatchOptions): AsyncGenerator<Batch> {
    if (!(Number.isInteger(batchSize) && batchSize > 0))
      throw new RangeError('batchSize must be a positive integer');
    const order = epochOrder(this.rows.length, opts);
    const fh = await open(this.featuresFile, 'r');
    try {
      for (let start = 0; start < order.length; start += batchSize) {
        const positions = order.slice(start, start + batchSize);
        const x = await readRows(
          fh,
          positions.map((p) => this.rows[p] as number),
          this.nFeatures,
        );
        for (let i = 0; i < x.length; i++) {
          const j = i % this.nFeatures;
          x[i] = ((x[i] as number) - (this.mean[j] as number)) / (this.std[j] as number);
        }
        const y = positions.map((p) => this.labels[p] as number);
        yield toBatch(
          x,
          [positions.length, this.nFeatures],
          this.task === 'classification' ? Int32Array.from(y) : Float32Array.from(y),
        );
      }
    } finally {
      await fh.close();
    }
  }
}

/** Reads the given rows into one matrix; neighbouring rows are fetched with one read. */
export async function readRows(
  fh: FileHandle,
  rows: readonly number[],
  nFeatures: number,
): Promise<Float32Array> {
  const rowBytes = nFeatures * 4;
  const out = new Float32Array(rows.length * nFeatures);
  const bytes = new Uint8Array(out.buffer);
  const runs: Array<{ at: number; row: number; count: number }> = [];
  rows.forEach((row, at) => {
    const last = runs[runs.length - 1];
    if (last && last.row + last.count === row && last.at + last.count === at) last.count++;
    else runs.push({ at, row, count: 1 });
  });
  await Promise.all(
    runs.map(async (run) => {
      const length = run.count * rowBytes;
      const { bytesRead } = await fh.read(bytes, run.at * rowBytes, length, run.row * rowBytes);
      if (bytesRead !== length)
        throw new Error(`features file is shorter than expected (row ${run.row + 1})`);
    }),
  );
  return out;
}

/** Mean and std of every feature over `rows`, streaming through the file in chunks. */
export async function featureStats(
  featuresFile: string,
  rows: readonly number[],
  nFeatures: number,
): Promise<{ mean: number[]; std: number[] }> {
  const stats = new RunningStats(nFeatures);
  const fh = await open(featuresFile, 'r');
  try {
    const chunkRows = Math.max(1, Math.floor(65_536 / nFeatures));
    for (let i = 0; i < rows.length; i += chunkRows) {
      const x = await readRows(fh, rows.slice(i, i + chunkRows), nFeatures);
      for (let k = 0; k < x.length; k += nFeatures) stats.push(x, k);
    }
  } finally {
    await fh.close();
  }
  // A constant feature would divide by zero; leaving it unscaled maps it to 0 instead.
  return { mean: stats.mean(), std: stats.std().map((s) => (s > 1e-6 ? s : 1)) };
}
