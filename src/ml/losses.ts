import * as tf from '@tensorflow/tfjs';
import type { JobSpec, LossName } from '../contracts/job-spec.js';
import type { Task } from '../contracts/task.js';

/**
 * Per-example losses on the model's outputs (softmax probabilities, or one linear unit), and
 * the per-batch pieces of a training step. Labels are class indices (int32) or targets (float32),
 * as ExampleSource yields them.
 */

const EPSILON = 1e-7;

export type PerExampleLoss = (ys: tf.Tensor, out: tf.Tensor) => tf.Tensor1D;

export function defaultLoss(task: Task): LossName {
  return task === 'classification' ? 'categoricalCrossentropy' : 'meanSquaredError';
}

export function lossFunction(name: LossName, classes: number): PerExampleLoss {
  switch (name) {
    case 'categoricalCrossentropy':
    case 'sparseCategoricalCrossentropy':
      // Labels are indices either way; the two names are accepted for Keras users' habits.
      return (ys, out) =>
        tf.tidy(() => {
          const p = tf.clipByValue(out, EPSILON, 1 - EPSILON);
          const picked = tf.sum(
            tf.mul(tf.oneHot(tf.cast(ys, 'int32') as tf.Tensor1D, classes), tf.log(p)),
            -1,
          );
          return tf.neg(picked) as tf.Tensor1D;
        });
    case 'meanSquaredError':
      return (ys, out) => tf.tidy(() => tf.square(residual(ys, out)) as tf.Tensor1D);
    case 'meanAbsoluteError':
      return (ys, out) => tf.tidy(() => tf.abs(residual(ys, out)) as tf.Tensor1D);
    case 'huber':
      return (ys, out) =>
        tf.tidy(() => {
          const a = tf.abs(residual(ys, out));
          const quadratic = tf.minimum(a, 1);
          return tf.add(tf.mul(0.5, tf.square(quadratic)), tf.sub(a, quadratic)) as tf.Tensor1D;
        });
  }
}

function residual(ys: tf.Tensor, out: tf.Tensor): tf.Tensor {
  return tf.sub(tf.reshape(out, [-1]), tf.cast(ys, 'float32'));
}

/**
 * Weight of each class index, or undefined when all weigh 1. `balanced` follows scikit-learn:
 * n / (classes * n_c), so every class contributes equally to the loss; empty classes weigh 0.
 */
export function classWeights(
  spec: JobSpec['classWeight'],
  classes: readonly string[],
  labels: readonly number[],
): number[] | undefined {
  if (spec === undefined || classes.length === 0) return undefined;
  if (spec === 'balanced') {
    const counts = new Array<number>(classes.length).fill(0);
    for (const y of labels) counts[y] = (counts[y] ?? 0) + 1;
    return counts.map((c) => (c === 0 ? 0 : labels.length / (classes.length * c)));
  }
  return classes.map((name) => spec[name] ?? 1);
}

/** Number of correct predictions (classification) or sum of absolute errors (regression). */
export function metricSum(task: Task, ys: tf.Tensor, out: tf.Tensor): tf.Scalar {
  return tf.tidy(() =>
    task === 'classification'
      ? (tf.sum(tf.cast(tf.equal(tf.argMax(out, -1), tf.cast(ys, 'int32')), 'float32')) as tf.Scalar)
      : (tf.sum(tf.abs(residual(ys, out))) as tf.Scalar),
  );
}
