import * as tf from '@tensorflow/tfjs';
import { boundaryElements, buildSuffixModel, cacheFeatures, findFrozenBoundary } from './feature-cache.js';
import type { ProgressFn } from '../contracts/progress.js';
import type { Feed } from './train-loop.js';
import type { TrainingData } from './example-source.js';

/** Whether a phase trained on cached frozen-prefix features, and why not when it did not. */
export interface CacheReport {
  phase: 'train' | 'fineTune';
  used: boolean;
  reason?: string;
  /** Output layer of the cached frozen prefix. */
  boundary?: string;
  /** Memory the cached features take (train + validation). */
  bytes?: number;
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
  const uncached = (reason: string): PreparedFeed => ({
    feed: { forward: model, train: data.train, validation: data.validation },
    report: { phase: o.phase, used: false, reason },
    dispose: () => undefined,
  });
  if (o.budgetBytes <= 0) return uncached('caching is disabled (budget 0)');
  if (o.augmenting) return uncached('augmentation changes the inputs every epoch');
  const boundary = findFrozenBoundary(model);
  if ('reason' in boundary) return uncached(boundary.reason);
  const elems = boundaryElements(boundary.tensor);
  if (elems === null) return uncached('the frozen features have an unknown size');
  const valSize = data.validation?.size ?? 0;
  const bytes = (data.train.size + valSize) * elems * 4;
  if (bytes > o.budgetBytes) {
    return uncached(`the features need ${bytes} bytes, over the cache budget of ${o.budgetBytes}`);
  }

  const featureShape = boundary.tensor.shape.slice(1) as number[];
  const prefix = tf.model({ inputs: model.inputs, outputs: boundary.tensor });
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
