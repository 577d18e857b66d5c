import * as tf from '@tensorflow/tfjs';
import { throwIfAborted } from '../lib/cancellation.js';
import type { ExampleSource } from './example-source.js';
import { concatFloat32 } from '../lib/float32.js';

/**
 * The advisor's features: one forward pass per example through a base gives the activations at
 * every probed cut point at once (a model with one output per cut), each pooled to a vector
 * (global average over the spatial axes for feature maps, flattened otherwise), kept in memory
 * as one Float32Array per cut. Then the cost of each cut is measured on its own: a timed
 * forward pass of a few examples up to that cut only.
 *
 * The multi-output and truncated models are views of the base's own layers (no weights of their
 * own), so they are never disposed: disposing a view would release the base's weights, which
 * the base owns and its caller disposes.
 */

export interface CutFeatures {
  name: string;
  /** Length of one pooled feature vector. */
  dim: number;
  /** `examples` x `dim`, example after example. */
  values: Float32Array;
  /** Rank of the layer's output (4: a feature map, pooled; 2: already a vector). */
  rank: number;
}

export interface ExtractedFeatures {
  cuts: CutFeatures[];
  labels: number[];
  /** Wall time of the shared forward passes, per example. */
  msPerExample: number;
}

function cutOutput(model: tf.LayersModel, name: string): tf.SymbolicTensor {
  const layer = model.getLayer(name);
  return layer.getOutputAt(0) as tf.SymbolicTensor;
}

/** One model from the base's input to the outputs of `cuts` (a view: never dispose it). */
function cutView(base: tf.LayersModel, cuts: readonly string[]): tf.LayersModel {
  return tf.model({ inputs: base.inputs, outputs: cuts.map((c) => cutOutput(base, c)) });
}

function pool(t: tf.Tensor): tf.Tensor2D {
  if (t.rank === 4) return tf.mean(t, [1, 2]) as tf.Tensor2D;
  if (t.rank === 2) return t as tf.Tensor2D;
  return t.reshape([t.shape[0] as number, -1]);
}

/**
 * Runs `source` (in its fixed order) through `base` once and returns the pooled features at each
 * cut for the examples whose position is in `keep` (all when absent).
 */
export async function extractCutFeatures(
  base: tf.LayersModel,
  cuts: readonly string[],
  source: ExampleSource,
  opts: {
    batchSize: number;
    keep?: ReadonlySet<number>;
    signal?: AbortSignal;
    onBatch?: (done: number, total: number) => void;
  },
): Promise<ExtractedFeatures> {
  const view = cutView(base, cuts);
  const total = opts.keep ? opts.keep.size : source.size;
  const chunks: Float32Array[][] = cuts.map(() => []);
  const dims: number[] = cuts.map(() => 0);
  const ranks = cuts.map((c) => cutOutput(base, c).rank);
  const labels: number[] = [];
  let position = 0;
  let forwardMs = 0;
  for await (const batch of source.batches(opts.batchSize, { shuffle: false, seed: 0, epoch: 0 })) {
    const n = batch.xs.shape[0] as number;
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (!opts.keep || opts.keep.has(position + i)) rows.push(i);
    position += n;
    try {
      if (rows.length === 0) continue;
      await new Promise<void>((resolve) => setImmediate(resolve));
      throwIfAborted(opts.signal);
      const started = performance.now();
      const pooled = tf.tidy(() => {
        const xs = rows.length === n ? batch.xs : tf.gather(batch.xs, rows);
        const out = view.predict(xs);
        return (Array.isArray(out) ? out : [out]).map(pool);
      });
      const values = await Promise.all(pooled.map((p) => p.data() as Promise<Float32Array>));
      forwardMs += performance.now() - started;
      pooled.forEach((p, i) => {
        dims[i] = p.shape[1] as number;
        (chunks[i] as Float32Array[]).push(values[i] as Float32Array);
      });
      tf.dispose(pooled);
      const ys = await batch.ys.data();
      for (const r of rows) labels.push(ys[r] as number);
    } finally {
      tf.dispose([batch.xs, batch.ys]);
    }
    opts.onBatch?.(labels.length, total);
  }
  return {
    cuts: cuts.map((name, i) => ({
      name,
      dim: dims[i] as number,
      values: concatFloat32(chunks[i] as Float32Array[]),
      rank: ranks[i] as number,
    })),
    labels,
    msPerExample: labels.length > 0 ? forwardMs / labels.length : 0,
  };
}

export interface CutCost {
  msPerExample: number;
  /** Parameters of the base up to and including the cut. */
  params: number;
}

/**
 * The forward cost of the base up to `cut`: one untimed pass (kernels warmed), then the best of
 * `repeats` timed passes over `sample` (a batch of preprocessed inputs, not consumed).
 */
export async function measureCutCost(
  base: tf.LayersModel,
  cut: string,
  sample: tf.Tensor,
  repeats = 2,
): Promise<CutCost> {
  const view = cutView(base, [cut]);
  const run = async (): Promise<number> => {
    const started = performance.now();
    const out = view.predict(sample) as tf.Tensor;
    await out.data();
    out.dispose();
    return performance.now() - started;
  };
  await run();
  let best = Infinity;
  for (let i = 0; i < repeats; i++) best = Math.min(best, await run());
  return { msPerExample: best / (sample.shape[0] as number), params: view.countParams() };
}

/** The first `n` examples of `source` as one tensor (the caller disposes it). */
export async function sampleInputs(source: ExampleSource, n: number): Promise<tf.Tensor> {
  for await (const batch of source.batches(n, { shuffle: false, seed: 0, epoch: 0 })) {
    batch.ys.dispose();
    return batch.xs;
  }
  throw new Error('the example source is empty');
}
