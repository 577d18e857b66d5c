import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { toBatch, type Batch, type BatchOptions } from '../../ml/index.js';
import type { DatasetExampleSource } from '../modality.js';
import { mapLimit } from '../concurrency.js';
import { preprocessImage } from './image-preprocess.js';
import type { ImageExampleRecord } from '../dataset-manifest.js';
import type { ImagePreprocessing } from '../../contracts/preprocessing.js';
import { epochOrder } from '../../lib/seeded-split.js';

/**
 * Images read and decoded per batch, never all at once, so a dataset bigger than memory still
 * trains. While the consumer works on one batch, the next is already being decoded (one batch
 * of read-ahead), with `concurrency` decodes in flight on sharp's thread pool.
 */
export class ImageExampleSource implements DatasetExampleSource {
  readonly labels: readonly number[];
  readonly keys: readonly string[];

  constructor(
    private readonly examplesDir: string,
    private readonly records: readonly ImageExampleRecord[],
    private readonly spec: ImagePreprocessing,
    private readonly concurrency = 4,
  ) {
    this.labels = records.map((r) => r.label);
    this.keys = records.map((r) => r.id);
  }

  subset(indices: readonly number[]): ImageExampleSource {
    const records = indices.map((i) => this.records[i] as ImageExampleRecord);
    return new ImageExampleSource(this.examplesDir, records, this.spec, this.concurrency);
  }

  get size(): number {
    return this.records.length;
  }

  async *batches(batchSize: number, opts: BatchOptions): AsyncGenerator<Batch> {
    if (!(Number.isInteger(batchSize) && batchSize > 0))
      throw new RangeError('batchSize must be a positive integer');
    const order = epochOrder(this.records.length, opts);
    const load = (start: number): Promise<{ x: Float32Array; y: Int32Array; n: number }> => {
      const p = this.decode(order.slice(start, start + batchSize));
      // Nobody may await a read-ahead the consumer abandoned; its failure must not go unhandled.
      p.catch(() => undefined);
      return p;
    };
    let next = order.length > 0 ? load(0) : undefined;
    for (let start = 0; next; start += batchSize) {
      const current = await next;
      next = start + batchSize < order.length ? load(start + batchSize) : undefined;
      const [h, w] = this.spec.size;
      yield toBatch(current.x, [current.n, h, w, this.spec.channels], current.y);
    }
  }

  private async decode(positions: number[]): Promise<{ x: Float32Array; y: Int32Array; n: number }> {
    const [h, w] = this.spec.size;
    const per = h * w * this.spec.channels;
    const x = new Float32Array(per * positions.length);
    const y = new Int32Array(positions.length);
    await mapLimit(positions, this.concurrency, async (pos, i) => {
      const r = this.records[pos] as ImageExampleRecord;
      let pixels: Float32Array;
      try {
        pixels = await preprocessImage(await readFile(path.join(this.examplesDir, r.file)), this.spec);
      } catch (err) {
        throw new Error(
          `dataset example '${r.path}' (${r.id}) could not be read: ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
      }
      x.set(pixels, i * per);
      y[i] = r.label;
    });
    return { x, y, n: positions.length };
  }
}
