import * as tf from '@tensorflow/tfjs';
import type { ClassificationEvaluation, Evaluation, RegressionEvaluation } from '../contracts/model-meta.js';
import { throwIfAborted } from './cancellation.js';
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
  onOutputs?: (outputs: Float32Array, width: number, labels: ArrayLike<number>) => void;
}

/** Every example's model output and label, in source order: what out-of-fold predictions rest on. */
export interface ExampleOutputs {
  /** Outputs per example: class probabilities (classification) or the value (regression). */
  width: number;
  values: Float32Array;
  labels: number[];
}

/** An `onOutputs` that gathers everything into one ExampleOutputs. */
export function outputsCollector(): {
  onOutputs: NonNullable<EvaluateOptions['onOutputs']>;
  result: () => ExampleOutputs;
} {
  const parts: Float32Array[] = [];
  const labels: number[] = [];
  let width = 1;
  return {
    onOutputs: (out, w, ys) => {
      width = w;
      parts.push(out);
      for (const y of Array.from(ys)) labels.push(y);
    },
    result: () => {
      const values = new Float32Array(labels.length * width);
      let at = 0;
      for (const p of parts) {
        values.set(p, at);
        at += p.length;
      }
      return { width, values, labels };
    },
  };
}

export async function evaluate(
  model: tf.LayersModel,
  batches: AsyncIterable<Batch>,
  opts: EvaluateOptions,
): Promise<Evaluation> {
  const k = opts.classes.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let n = 0;
  let lossSum = 0;
  let absSum = 0;
  let sqSum = 0;
  for await (const batch of batches) {
    try {
      throwIfAborted(opts.signal);
      const [lossT, predT, outT] = tf.tidy(() => {
        const out = model.predict(batch.xs) as tf.Tensor;
        const pred = opts.task === 'classification' ? tf.argMax(out, -1) : tf.reshape(out, [-1]);
        return [tf.sum(opts.loss(batch.ys, out)), pred, tf.reshape(out, [out.shape[0] as number, -1])];
      });
      const [lossV, pred, ys, outV] = await Promise.all([
        lossT.data(),
        predT.data(),
        batch.ys.data(),
        opts.onOutputs ? outT.data() : undefined,
      ]);
      if (opts.onOutputs && outV) opts.onOutputs(Float32Array.from(outV), outT.shape[1] as number, ys);
      tf.dispose([lossT, predT, outT]);
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
