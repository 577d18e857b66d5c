import * as tf from '@tensorflow/tfjs';
import { boundaryElements, buildSuffixModel, cacheFeatures, findFrozenBoundary } from './feature-cache.js';
import type { ProgressFn } from '../contracts/progress.js';
import type { SharedRows } from './shared-features.js';
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
  /** Features computed once for every run of a job; `data` then holds this run's rows of them. */
  shared?: SharedRows | undefined;
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
  const bytes = o.shared
    ? o.shared.features.bytes(elems)
    : (data.train.size + (data.validation?.size ?? 0)) * elems * 4;
  if (bytes > o.budgetBytes) {
    return split(`the features need ${bytes} bytes, over the cache budget of ${o.budgetBytes}`);
  }
  const suffix = buildSuffixModel(model, boundary.tensor);
  try {
    const { train, validation } = await cachedSources(prefix, boundary.tensor, data, o);
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

/**
 * The frozen prefix's features of the train and validation examples: this run's rows of the
 * job's shared features (computed on their first use), or computed here for this run alone.
 */
async function cachedSources(
  prefix: tf.LayersModel,
  boundary: tf.SymbolicTensor,
  data: TrainingData,
  o: FeedOptions,
): Promise<{ train: ExampleSource; validation: ExampleSource | undefined }> {
  const featureShape = boundary.shape.slice(1) as number[];
  const valSize = o.shared ? 0 : (data.validation?.size ?? 0);
  const total = o.shared ? o.shared.features.all.size : data.train.size + valSize;
  const batches = Math.ceil(total / o.batchSize);
  const started = performance.now();
  let before = 0;
  const onBatch = (examples: number) => {
    const done = before + examples;
    const ms = performance.now() - started;
    o.onProgress?.({
      phase: 'caching',
      epoch: 0,
      epochs: 0,
      batch: Math.ceil(before / o.batchSize) + Math.ceil(examples / o.batchSize),
      batches,
      metrics: {},
      examplesPerSec: (done * 1000) / ms,
      etaMs: (ms / done) * (total - done),
    });
  };
  const opts = { batchSize: o.batchSize, task: data.task, signal: o.signal, onBatch };
  if (o.shared) {
    const all = await o.shared.features.features(boundary.sourceLayer.name, prefix, featureShape, opts);
    const held = o.shared.validation ?? [];
    return { train: all.subset(o.shared.train), validation: held.length > 0 ? all.subset(held) : undefined };
  }
  const train = await cacheFeatures(prefix, data.train, featureShape, opts);
  before = data.train.size;
  const validation =
    data.validation && valSize > 0
      ? await cacheFeatures(prefix, data.validation, featureShape, opts)
      : undefined;
  return { train, validation };
}
