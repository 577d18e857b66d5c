import * as tf from '@tensorflow/tfjs';
import { epochOrder } from '../lib/seeded-split.js';
import type { Batch, BatchOptions, ExampleSource } from './example-source.js';
import type { Task } from '../contracts/task.js';

/**
 * An ExampleSource over examples already in memory (one Float32Array, example after example).
 * The trainer's feature cache and the tests use it. It shuffles with `epochOrder` like the
 * dataset sources (src/datasets/), so for the same seed and epoch it yields examples in the same
 * order as they do: training on cached features sees the very batches uncached training sees.
 */
export class MemorySource implements ExampleSource {
  readonly size: number;
  readonly labels: readonly number[];
  private readonly exampleSize: number;

  constructor(
    protected readonly features: Float32Array,
    labels: ArrayLike<number>,
    readonly exampleShape: readonly number[],
    private readonly task: Task = 'classification',
  ) {
    this.exampleSize = exampleShape.reduce((a, b) => a * b, 1);
    this.size = labels.length;
    if (features.length !== this.size * this.exampleSize) {
      throw new Error(
        `MemorySource: ${features.length} feature values do not make ${this.size} examples of shape [${exampleShape.join(', ')}]`,
      );
    }
    this.labels = Array.from(labels);
  }

  async *batches(batchSize: number, opts: BatchOptions): AsyncIterable<Batch> {
    if (!(batchSize >= 1)) throw new Error('batchSize must be >= 1');
    const order = opts.shuffle ? epochOrder(this.size, opts) : undefined;
    const k = this.exampleSize;
    for (let start = 0; start < this.size; start += batchSize) {
      const n = Math.min(batchSize, this.size - start);
      const xs = new Float32Array(n * k);
      const ys = this.task === 'classification' ? new Int32Array(n) : new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const src = order ? (order[start + i] as number) : start + i;
        xs.set(this.features.subarray(src * k, (src + 1) * k), i * k);
        ys[i] = this.labels[src] as number;
      }
      yield {
        xs: tf.tensor(xs, [n, ...this.exampleShape], 'float32'),
        ys: tf.tensor1d(ys, this.task === 'classification' ? 'int32' : 'float32'),
      };
    }
  }

  /** The examples at `indices`, in that order (e.g. a held-out split). */
  subset(indices: readonly number[]): MemorySource {
    const ys = indices.map((i) => this.labels[i] as number);
    return new MemorySource(this.pick(indices), ys, this.exampleShape, this.task);
  }

  /** Feature values of the examples at `indices` (a subset's constructor arguments). */
  protected pick(indices: readonly number[]): Float32Array {
    const k = this.exampleSize;
    const xs = new Float32Array(indices.length * k);
    indices.forEach((src, i) => xs.set(this.features.subarray(src * k, (src + 1) * k), i * k));
    return xs;
  }
}
