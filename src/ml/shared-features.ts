import type * as tf from '@tensorflow/tfjs';
import { cacheFeatures } from './feature-cache.js';
import type { ExampleSource } from './example-source.js';
import type { MemorySource } from './memory-source.js';
import type { Task } from '../contracts/task.js';

/**
 * Frozen-prefix features shared by every training run of one job: the folds of a
 * cross-validation, the learning curve's runs and the refit on every example. Each run builds
 * its own model from its own copy of the base, but up to the frozen boundary those models are
 * the same function (frozen layers keep the base's weights and run in inference mode), so the
 * features are computed once per boundary layer over all the job's examples, and each run
 * trains on the rows of its own examples.
 */
export class SharedFeatures {
  private readonly byBoundary = new Map<string, Promise<MemorySource>>();
  /** Passes of a frozen prefix over all the examples so far (one per boundary). */
  passes = 0;

  constructor(
    /** Every example of the job, in the order the runs' indices refer to. */
    readonly all: ExampleSource,
    readonly task: Task,
  ) {}

  /** Bytes the features of every example take at a boundary of `elements` values per example. */
  bytes(elements: number): number {
    return this.all.size * elements * 4;
  }

  /** The features of every example at `boundary` (a layer name), computed on first use. */
  features(
    boundary: string,
    prefix: tf.LayersModel,
    featureShape: number[],
    opts: { batchSize: number; signal?: AbortSignal | undefined; onBatch?: (examples: number) => void },
  ): Promise<MemorySource> {
    let done = this.byBoundary.get(boundary);
    if (!done) {
      this.passes++;
      done = cacheFeatures(prefix, this.all, featureShape, { ...opts, task: this.task });
      // A failed or cancelled pass is not remembered: the next run may try again.
      done.catch(() => this.byBoundary.delete(boundary));
      this.byBoundary.set(boundary, done);
    }
    return done;
  }
}

/** A run's examples among SharedFeatures.all: what it trains on and what it holds out. */
export interface SharedRows {
  features: SharedFeatures;
  train: readonly number[];
  validation?: readonly number[];
}
