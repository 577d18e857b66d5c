import * as tf from '@tensorflow/tfjs';
import { boundaryElements, buildSuffixModel, cacheFeatures, findFrozenBoundary } from './feature-cache.js';
import type { ProgressFn } from '../contracts/progress.js';
import type { Feed } from './train-loop.js';
import type { ExampleSource, TrainingData } from './example-source.js';

/** Whether a phase trained on cached frozen-prefix features, and why not when it did not. */
export interface CacheReport {
  phase: 'train' | 'fineTune';
  used: boolean;
  reason?: string;
  /** Output layer of the cached frozen prefix. */
  boundary?: string;
  /** Memory the cached features take (train + validation). */
  bytes?: number;
  /**
   * Uncached: the output layer of the frozen prefix that each batch runs through as inference
   * (outside the gradient tape) before the trainable suffix. Absent when the whole model is
   * differentiated.
   */
  inferencePrefix?: string;
}

export interface PreparedFeed {
  feed: Feed;
  report: CacheReport;
  dispose: () => void;
}

export interface FeedOptions {
  phase: 'train' | 'fineTune';
  augmenting: boolean;
  budgetBytes: number;
  batchSize: number;
  signal?: AbortSignal | undefined;
  onProgress?: ProgressFn | undefined;
  /**
   * `tape` differentiates the whole model, frozen prefix included (the path before frozen
   * layers ran as inference; kept for tests and benchmarks that compare against it).
   */
  frozenPrefix?: 'inference' | 'tape' | undefined;
}

/**
 * `source` with every batch's inputs replaced by the frozen prefix's outputs, computed as
 * inference: nothing of the prefix is ever on a gradient tape.
 */
export function throughPrefix(source: ExampleSource, prefix: tf.LayersModel): ExampleSource {
  return {
    size: source.size,
    labels: source.labels,
    async *batches(batchSize, opts) {
      for await (const b of source.batches(batchSize, opts)) {
        let xs: tf.Tensor;
        try {
          xs = prefix.predict(b.xs) as tf.Tensor;
        } catch (err) {
          tf.dispose([b.xs, b.ys]);
          throw err;
        }
        b.xs.dispose();
        yield { xs, ys: b.ys };
      }
    },
  };
}

/**
 * The batches a phase trains on: cached frozen-prefix features through the trainable suffix
 * when that is possible and fits the budget, else the data itself through the full model.
 */
export async function prepareFeed(
  model: tf.LayersModel,
  data: TrainingData,
  o: FeedOptions,
): Promise<PreparedFeed> {
  const whole = (reason: string): PreparedFeed => ({
    feed: { forward: model, train: data.train, validation: data.validation },
    report: { phase: o.phase, used: false, reason },
    dispose: () => undefined,
  });
  const boundary = findFrozenBoundary(model);
  if ('reason' in boundary) return whole(boundary.reason);
  const prefix = tf.model({ inputs: model.inputs, outputs: boundary.tensor });
  // Uncached, the prefix still runs as inference per batch and only the suffix is differentiated.
  const split = (reason: string): PreparedFeed => {
    if (o.frozenPrefix === 'tape') return whole(reason);
    const suffix = buildSuffixModel(model, boundary.tensor);
    return {
      feed: {
        prefix,
        forward: suffix.model,
        train: data.train,
        validation: data.validation && throughPrefix(data.validation, prefix),
      },
      report: { phase: o.phase, used: false, reason, inferencePrefix: boundary.tensor.sourceLayer.name },
      dispose: suffix.release,
    };
  };
  if (o.budgetBytes <= 0) return split('caching is disabled (budget 0)');
  if (o.augmenting) return split('augmentation changes the inputs every epoch');
  const elems = boundaryElements(boundary.tensor);
  if (elems === null) return split('the frozen features have an unknown size');
  const valSize = data.validation?.size ?? 0;
  const bytes = (data.train.size + valSize) * elems * 4;
  if (bytes > o.budgetBytes) {
    return split(`the features need ${bytes} bytes, over the cache budget of ${o.budgetBytes}`);
  }

  const featureShape = boundary.tensor.shape.slice(1) as number[];
  const suffix = buildSuffixModel(model, boundary.tensor);
  try {
    const batches =
      Math.ceil(data.train.size / o.batchSize) + (valSize ? Math.ceil(valSize / o.batchSize) : 0);
    const started = performance.now();
    let before = 0;
    const onBatch = (examples: number) => {
      const done = before + examples;
      const ms = performance.now() - started;
      const batch = Math.ceil(before / o.batchSize) + Math.ceil(examples / o.batchSize);
      o.onProgress?.({
        phase: 'caching',
        epoch: 0,
        epochs: 0,
        batch,
        batches,
        metrics: {},
        examplesPerSec: (done * 1000) / ms,
        etaMs: (ms / done) * (data.train.size + valSize - done),
      });
    };
    const opts = { batchSize: o.batchSize, task: data.task, signal: o.signal, onBatch };
    const train = await cacheFeatures(prefix, data.train, featureShape, opts);
    before = data.train.size;
    const validation =
      data.validation && valSize > 0
        ? await cacheFeatures(prefix, data.validation, featureShape, opts)
        : undefined;
    return {
      feed: { forward: suffix.model, train, validation },
      report: { phase: o.phase, used: true, boundary: boundary.tensor.sourceLayer.name, bytes },
      dispose: suffix.release,
    };
  } catch (err) {
    suffix.release();
    throw err;
  }
}
