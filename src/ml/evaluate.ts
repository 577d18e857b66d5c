import * as tf from '@tensorflow/tfjs';
import type { ClassificationEvaluation, Evaluation, RegressionEvaluation } from '../contracts/model-meta.js';
import { throwIfAborted } from '../lib/cancellation.js';
import { withFeatures } from './features.js';
import type { PerExampleLoss } from './losses.js';
import type { Batch } from './example-source.js';
import type { Task } from '../contracts/task.js';

/**
 * Loss and metrics of a model over a stream of batches, in inference mode: the per-epoch
 * validation numbers and the final evaluation stored with the model. The loss is unweighted
 * (class weights shape training, not the score).
 */

export interface EvaluateOptions {
  task: Task;
  classes: readonly string[];
  loss: PerExampleLoss;
  signal?: AbortSignal;
  /** Called after each batch with the number of examples seen so far. */
  onBatch?: (examples: number) => void;
  /**
   * Receives each batch's model outputs (row-major, `width` per example: class probabilities
   * or the regression value) and labels, in the order of the batches.
   */
  onOutputs?: (
    outputs: Float32Array,
    width: number,
    labels: ArrayLike<number>,
    features?: { values: Float32Array; dims: number },
  ) => void;
  /** Classification: also pass each batch's features (the output layer's input) to `onOutputs`. */
  features?: boolean;
}

/** Every example's model output and label, in source order: what out-of-fold predictions rest on. */
export interface ExampleOutputs {
  /** Outputs per example: class probabilities (classification) or the value (regression). */
  width: number;
  values: Float32Array;
  labels: number[];
  /** With `features`: what the output layer read, `dims` per example, in the same order. */
  features?: { values: Float32Array; dims: number };
}

/** An `onOutputs` that gathers everything into one ExampleOutputs. */
export function outputsCollector(): {
  onOutputs: NonNullable<EvaluateOptions['onOutputs']>;
  result: () => ExampleOutputs;
} {
  const parts: Float32Array[] = [];
  const featureParts: Float32Array[] = [];
  const labels: number[] = [];
  let width = 1;
  let dims = 0;
  const join = (list: Float32Array[], size: number) => {
    const values = new Float32Array(size);
    let at = 0;
    for (const p of list) {
      values.set(p, at);
      at += p.length;
    }
    return values;
  };
  return {
    onOutputs: (out, w, ys, features) => {
      width = w;
      parts.push(out);
      if (features) {
        dims = features.dims;
        featureParts.push(features.values);
      }
      for (const y of Array.from(ys)) labels.push(y);
    },
    result: () => ({
      width,
      values: join(parts, labels.length * width),
      labels,
      ...(dims > 0 ? { features: { values: join(featureParts, labels.length * dims), dims } } : {}),
    }),
  };
}

export async function evaluate(
  model: tf.LayersModel,
  batches: AsyncIterable<Batch>,
  opts: EvaluateOptions,
): Promise<Evaluation> {
  const k = opts.classes.length;
  // Shares the model's weights: dropped, never disposed.
  const forward = opts.features && opts.task === 'classification' ? withFeatures(model) : model;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let n = 0;
  let lossSum = 0;
  let absSum = 0;
  let sqSum = 0;
  for await (const batch of batches) {
    try {
      throwIfAborted(opts.signal);
      const [lossT, predT, outT, featT] = tf.tidy(() => {
        const y = forward.predict(batch.xs);
        const [out, feat] = Array.isArray(y) ? [y[0] as tf.Tensor, y[1]] : [y, undefined];
        const pred = opts.task === 'classification' ? tf.argMax(out, -1) : tf.reshape(out, [-1]);
        const rows = out.shape[0] as number;
        return [
          tf.sum(opts.loss(batch.ys, out)),
          pred,
          tf.reshape(out, [rows, -1]),
          feat ? tf.reshape(feat, [rows, -1]) : undefined,
        ];
      });
      const [lossV, pred, ys, outV, featV] = await Promise.all([
        lossT.data(),
        predT.data(),
        batch.ys.data(),
        opts.onOutputs ? outT.data() : undefined,
        opts.onOutputs ? featT?.data() : undefined,
      ]);
      if (opts.onOutputs && outV) {
        const features =
          featT && featV ? { values: Float32Array.from(featV), dims: featT.shape[1] as number } : undefined;
        opts.onOutputs(Float32Array.from(outV), outT.shape[1] as number, ys, features);
      }
      tf.dispose([lossT, predT, outT, ...(featT ? [featT] : [])]);
      lossSum += lossV[0] as number;
      for (let i = 0; i < ys.length; i++) {
        const y = ys[i] as number;
        const p = pred[i] as number;
        if (opts.task === 'classification') {
          const row = confusion[y];
          if (row && p < k) row[p] = (row[p] ?? 0) + 1;
        } else {
          absSum += Math.abs(p - y);
          sqSum += (p - y) ** 2;
        }
      }
      n += ys.length;
    } finally {
      tf.dispose([batch.xs, batch.ys]);
    }
    opts.onBatch?.(n);
  }
  const loss = n ? lossSum / n : NaN;
  if (opts.task === 'regression') {
    const r: RegressionEvaluation = {
      task: 'regression',
      loss,
      mae: n ? absSum / n : NaN,
      rmse: n ? Math.sqrt(sqSum / n) : NaN,
      examples: n,
    };
    return r;
  }
  return classificationReport(confusion, opts.classes, loss, n);
}

export function classificationReport(
  confusion: number[][],
  classes: readonly string[],
  loss: number,
  examples: number,
): ClassificationEvaluation {
  let correct = 0;
  const perClass = classes.map((label, c) => {
    const row = confusion[c] ?? [];
    const tp = row[c] ?? 0;
    correct += tp;
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, r) => a + (r[c] ?? 0), 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support };
  });
  return {
    task: 'classification',
    loss,
    accuracy: examples ? correct / examples : NaN,
    confusionMatrix: confusion,
    perClass,
    examples,
  };
}
