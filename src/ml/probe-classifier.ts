import * as tf from '@tensorflow/tfjs';
import { throwIfAborted } from '../lib/cancellation.js';

/**
 * The advisor's quick probe: a softmax classifier (multinomial logistic regression, L2
 * regularised) on frozen features, trained full-batch with Adam on each fold's training part
 * (features standardised with that part's mean and spread only) and scored on the held-out fold.
 * Small and convex, so its accuracy reflects how linearly separable the classes are at a cut,
 * which is what a frozen base plus a softmax head can reach.
 */

export interface ProbeInput {
  /** `labels.length` x `dim` features, example after example. */
  values: Float32Array;
  dim: number;
  labels: readonly number[];
  classes: number;
  /** Fold of each example, 0..k-1. */
  folds: readonly number[];
  k: number;
  steps?: number;
  learningRate?: number;
  l2?: number;
  signal?: AbortSignal;
}

export interface ProbeResult {
  /** Held-out accuracy of each fold. */
  accuracies: number[];
  /** Per example, 1 when the fold's probe that never saw it got it right (out-of-fold). */
  correct: Uint8Array;
  /** Per example, the out-of-fold class probabilities: `labels.length` x `classes`. */
  probabilities: Float32Array;
}

/** Held-out accuracy of each fold and the out-of-fold correctness of every example. */
export async function crossValidateSoftmax(input: ProbeInput): Promise<ProbeResult> {
  const { dim, labels, classes, folds, k } = input;
  const steps = input.steps ?? 120;
  const l2 = input.l2 ?? 1e-3;
  const accuracies: number[] = [];
  const correct = new Uint8Array(labels.length);
  const probabilities = new Float32Array(labels.length * classes);
  const all = tf.tensor2d(input.values, [labels.length, dim]);
  const y = tf.tensor1d(labels as number[], 'int32');
  try {
    for (let fold = 0; fold < k; fold++) {
      throwIfAborted(input.signal);
      const trainIdx: number[] = [];
      const testIdx: number[] = [];
      folds.forEach((f, i) => (f === fold ? testIdx : trainIdx).push(i));
      if (testIdx.length === 0 || trainIdx.length === 0) continue;
      const { xTrain, yTrain, xTest, yTest } = tf.tidy(() => {
        const rawTrain = tf.gather(all, trainIdx);
        const { mean, variance } = tf.moments(rawTrain, 0);
        const std = tf.sqrt(variance).add(1e-6);
        return {
          xTrain: rawTrain.sub(mean).div(std) as tf.Tensor2D,
          yTrain: tf.oneHot(tf.gather(y, trainIdx), classes).toFloat(),
          xTest: tf.gather(all, testIdx).sub(mean).div(std) as tf.Tensor2D,
          yTest: tf.gather(y, testIdx),
        };
      });
      // In a tidy, so the zeros they start from are released (variables outlive tidy).
      const w = tf.tidy(() => tf.variable(tf.zeros([dim, classes])));
      const b = tf.tidy(() => tf.variable(tf.zeros([classes])));
      const optimizer = tf.train.adam(input.learningRate ?? 0.05);
      try {
        for (let s = 0; s < steps; s++) {
          tf.tidy(() => {
            optimizer.minimize(() => {
              const logits = xTrain.matMul(w).add(b);
              return tf.losses
                .softmaxCrossEntropy(yTrain, logits)
                .add(tf.sum(tf.square(w)).mul(l2)) as tf.Scalar;
            });
          });
          // Let the event loop (cancel messages, progress) turn now and then.
          if (s % 40 === 39) {
            await new Promise<void>((resolve) => setImmediate(resolve));
            throwIfAborted(input.signal);
          }
        }
        const [right, probs] = tf.tidy(() => {
          const logits = xTest.matMul(w).add(b);
          return [logits.argMax(1).equal(yTest), tf.softmax(logits)];
        });
        const hits = await right.data();
        const p = (await probs.data()) as Float32Array;
        tf.dispose([right, probs]);
        testIdx.forEach((i, j) => probabilities.set(p.subarray(j * classes, (j + 1) * classes), i * classes));
        let n = 0;
        testIdx.forEach((i, j) => {
          correct[i] = hits[j] ? 1 : 0;
          n += correct[i] as number;
        });
        accuracies.push(n / testIdx.length);
      } finally {
        optimizer.dispose();
        tf.dispose([w, b, xTrain, yTrain, xTest, yTest]);
      }
    }
  } finally {
    tf.dispose([all, y]);
  }
  return { accuracies, correct, probabilities };
}
