import * as tf from '@tensorflow/tfjs';
import { featureDims, withFeatures } from './features.js';
import type { LayersModel } from './model-io.js';

/**
 * Forward passes for serving (src/serving/inference-worker.ts): plain arrays in and out. The
 * worker reads its backend's memory through tensorMemory (memory.ts).
 */

/** One dummy batch: the first real request must not pay for kernel setup and weight upload. */
export function warmUp(model: LayersModel, shape: readonly number[]): void {
  tf.tidy(() => {
    const y = model.predict(tf.zeros([1, ...shape]));
    (Array.isArray(y) ? y[0]! : y).dataSync();
  });
}

/** The first output of `rows` examples of `shape`, row-major. */
export function forward(
  model: LayersModel,
  input: Float32Array,
  rows: number,
  shape: readonly number[],
): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor(input, [rows, ...shape], 'float32');
    const y = model.predict(x);
    // A copy: some backends hand out their own backing store, which must not be transferred.
    return Float32Array.from((Array.isArray(y) ? y[0]! : y).dataSync());
  });
}

/**
 * A classifier that also scores novelty in its forward pass: the features its output layer
 * reads, L2-normalised, against a reference of training features (rows of unit length); the
 * distance to the k-th nearest is appended to each row's scores. One matrix product per batch.
 */
export interface NoveltyScorer {
  model: LayersModel;
  /** [dims, count]: the reference, transposed. */
  referenceT: tf.Tensor2D;
  k: number;
  dispose(): void;
}

export function noveltyScorer(
  model: LayersModel,
  reference: Float32Array,
  dims: number,
  k: number,
): NoveltyScorer {
  const count = reference.length / dims;
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`the novelty reference holds ${reference.length} values, not rows of ${dims}`);
  }
  const width = featureDims(model);
  if (width !== dims) throw new Error(`the model's features have ${width} values, the reference ${dims}`);
  const referenceT = tf.tidy(() => tf.transpose(tf.tensor2d(reference, [count, dims])) as tf.Tensor2D);
  return {
    model: withFeatures(model),
    referenceT,
    k: Math.min(k, count),
    dispose: () => referenceT.dispose(),
  };
}

/** Scores and novelty of `rows` examples: `classes + 1` values per row, novelty last. */
export function forwardWithNovelty(
  s: NoveltyScorer,
  input: Float32Array,
  rows: number,
  shape: readonly number[],
): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor(input, [rows, ...shape], 'float32');
    const [scores, features] = s.model.predict(x) as tf.Tensor[];
    const f = tf.reshape(features as tf.Tensor, [rows, -1]) as tf.Tensor2D;
    // The k-th largest f.r over |f| is the k-th largest cosine: one product with the raw features.
    const dots = tf.matMul(f, s.referenceT);
    const top =
      s.k === 1 ? tf.max(dots, 1, true) : tf.slice(tf.topk(dots, s.k).values, [0, s.k - 1], [rows, 1]);
    const kth = tf.div(top, tf.maximum(tf.norm(f, 'euclidean', 1, true), 1e-12));
    // |a - b| of unit vectors (a zero vector stays zero, as in src/evaluation/novelty.ts).
    const distance = tf.sqrt(tf.relu(tf.sub(2, tf.mul(kth, 2))));
    const out = tf.concat([tf.reshape(scores as tf.Tensor, [rows, -1]), distance], 1);
    return Float32Array.from(out.dataSync());
  });
}
