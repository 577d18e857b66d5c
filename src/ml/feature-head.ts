import * as tf from '@tensorflow/tfjs';
import type { JobSpec } from '../contracts/job-spec.js';
import { throwIfAborted } from '../lib/cancellation.js';
import { stratifiedSplit } from '../lib/seeded-split.js';
import { MemorySource } from './memory-source.js';
import { train } from './trainer.js';

/**
 * A job without a base trained on feature rows: what the trainer's feature cache trains for a
 * frozen base, given the features directly. The advisor's spec probe cross-validates a
 * candidate's own head this way, and its benchmark fits the truth with it.
 */

export interface FeatureRows {
  /** `labels.length` x `dim` features, example after example. */
  values: Float32Array;
  dim: number;
  labels: readonly number[];
}

/** Trains `job` (no base: the rows are its input) on the rows, split by its validation split (the caller disposes the model). */
export async function fitFeatureHead(
  job: JobSpec,
  rows: FeatureRows,
  classes: readonly string[],
  signal?: AbortSignal,
): Promise<tf.LayersModel> {
  const all = new MemorySource(rows.values, rows.labels, [rows.dim]);
  const split = stratifiedSplit(rows.labels, job.fit.validationSplit, job.seed ?? 0);
  const result = await train({
    spec: job,
    data: {
      kind: 'tabular',
      task: 'classification',
      classes: [...classes],
      inputShape: [rows.dim],
      train: all.subset(split.train),
      ...(split.validation.length > 0 ? { validation: all.subset(split.validation) } : {}),
    },
    prefixThread: 'off',
    ...(signal ? { signal } : {}),
  });
  return result.model;
}

/** The predicted class of each of `n` feature rows. */
export async function predictClasses(
  model: tf.LayersModel,
  values: Float32Array,
  dim: number,
): Promise<Int32Array> {
  const n = values.length / dim;
  const predicted = tf.tidy(() => (model.predict(tf.tensor2d(values, [n, dim])) as tf.Tensor).argMax(-1));
  try {
    return (await predicted.data()) as Int32Array;
  } finally {
    predicted.dispose();
  }
}

/** Out-of-fold correctness of `job` on every example: fit on the other folds, scored on its own. */
export async function crossValidateFeatureHead(o: {
  job: JobSpec;
  rows: FeatureRows;
  classes: readonly string[];
  /** Fold of each example, 0..k-1. */
  folds: readonly number[];
  k: number;
  signal?: AbortSignal;
}): Promise<{ correct: Uint8Array }> {
  const { rows } = o;
  const correct = new Uint8Array(rows.labels.length);
  for (let fold = 0; fold < o.k; fold++) {
    throwIfAborted(o.signal);
    const trainIdx: number[] = [];
    const testIdx: number[] = [];
    o.folds.forEach((f, i) => (f === fold ? testIdx : trainIdx).push(i));
    if (testIdx.length === 0 || trainIdx.length === 0) continue;
    const part = {
      values: pickRows(rows.values, rows.dim, trainIdx),
      dim: rows.dim,
      labels: trainIdx.map((i) => rows.labels[i]!),
    };
    const model = await fitFeatureHead(o.job, part, o.classes, o.signal);
    try {
      const got = await predictClasses(model, pickRows(rows.values, rows.dim, testIdx), rows.dim);
      testIdx.forEach((i, j) => (correct[i] = got[j] === rows.labels[i] ? 1 : 0));
    } finally {
      model.dispose();
    }
  }
  return { correct };
}

/** The rows at `indices`, in that order. */
export function pickRows(values: Float32Array, dim: number, indices: readonly number[]): Float32Array {
  const out = new Float32Array(indices.length * dim);
  indices.forEach((i, j) => out.set(values.subarray(i * dim, (i + 1) * dim), j * dim));
  return out;
}
