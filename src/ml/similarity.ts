import * as tf from '@tensorflow/tfjs';
import { throwIfAborted } from '../lib/cancellation.js';

/**
 * The nearest neighbours of every row among all the others, by dot product: with rows scaled to
 * unit length (the caller's job) that is cosine similarity. One matrix product per block of
 * rows, so a few thousand examples take seconds, not the minutes of a scalar double loop.
 */

export interface Neighbours {
  /** `n` x `k`: the indices of each row's nearest other rows, most similar first. */
  index: Int32Array;
  /** `n` x `k`: their similarities. */
  similarity: Float32Array;
  k: number;
}

const BLOCK = 256;

export async function nearestNeighbours(
  values: Float32Array,
  dim: number,
  k: number,
  signal?: AbortSignal,
): Promise<Neighbours> {
  const n = values.length / dim;
  const kk = Math.max(0, Math.min(k, n - 1));
  const index = new Int32Array(n * kk);
  const similarity = new Float32Array(n * kk);
  if (kk === 0) return { index, similarity, k: kk };
  const all = tf.tensor2d(values, [n, dim]);
  try {
    for (let start = 0; start < n; start += BLOCK) {
      throwIfAborted(signal);
      const size = Math.min(BLOCK, n - start);
      const { values: sims, indices } = tf.tidy(() => {
        const block = all.slice([start, 0], [size, dim]);
        // Each row's own similarity is pushed below every other, so it never counts as a neighbour.
        const self = tf.oneHot(tf.range(start, start + size, 1, 'int32'), n).mul(-1e9);
        return tf.topk(block.matMul(all, false, true).add(self), kk);
      });
      similarity.set((await sims.data()) as Float32Array, start * kk);
      index.set((await indices.data()) as Int32Array, start * kk);
      tf.dispose([sims, indices]);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    all.dispose();
  }
  return { index, similarity, k: kk };
}
