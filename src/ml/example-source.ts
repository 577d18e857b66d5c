import * as tf from '@tensorflow/tfjs';
import type { DataKind, Task } from '../contracts/task.js';

/**
 * The contract between data loading (src/datasets/) and training (src/ml/). Training code never
 * reads files: it pulls batches of tensors from an ExampleSource.
 */

export interface Batch {
  /** [batch, ...inputShape], float32, already preprocessed (resized, scaled, standardised). */
  xs: tf.Tensor;
  /** [batch]: int32 class indices (classification) or float32 targets (regression). */
  ys: tf.Tensor;
}

export interface BatchOptions {
  /** Shuffle example order (training); validation reads in a fixed order. */
  shuffle: boolean;
  /** Seeds the shuffle: the same seed and epoch give the same order. */
  seed: number;
  epoch: number;
}

export interface ExampleSource {
  /** Number of examples. */
  readonly size: number;
  /** Label of every example in order (class index or regression target). */
  readonly labels: readonly number[];
  /**
   * Yields batches; the consumer disposes each batch's tensors. Streams from disk, so a dataset
   * larger than memory still trains.
   */
  batches(batchSize: number, opts: BatchOptions): AsyncIterable<Batch>;
  /**
   * The examples at `indices`, in that order, as a source of the same kind (folds of a
   * cross-validation, stratified subsets of a learning curve). Sources that cannot pick
   * examples leave it out, and cannot be cross-validated.
   */
  subset?(indices: readonly number[]): ExampleSource;
  /**
   * These examples again, with the preprocessing the source learns from data (a table's
   * standardisation, a word vocabulary) learned from the examples at `indices` only. A
   * cross-validation calls it with each fold's training part, so nothing of the held-out fold
   * shapes the inputs its model is trained and scored on. Sources whose preprocessing learns
   * nothing from the data (images, sentence-encoder embeddings) leave it out.
   */
  fitPreprocessing?(indices: readonly number[]): Promise<ExampleSource>;
}

export interface TrainingData {
  kind: DataKind;
  task: Task;
  /** Class names in index order (empty for regression). */
  classes: string[];
  /** Shape of one preprocessed example, e.g. [224, 224, 3] or [nFeatures]. */
  inputShape: number[];
  train: ExampleSource;
  /** The held-out split: the dataset's own, or a stratified split drawn from a seed. */
  validation?: ExampleSource;
}

/**
 * One batch as TF.js tensors, from what a dataset source read: `x` row-major in `shape`
 * (batch first), `y` class indices (Int32Array) or regression targets (Float32Array).
 */
export function toBatch(x: Float32Array, shape: number[], y: Int32Array | Float32Array): Batch {
  return {
    xs: tf.tensor(x, shape, 'float32'),
    ys: tf.tensor1d(y, y instanceof Int32Array ? 'int32' : 'float32'),
  };
}
