import { mixSeed, mulberry32, shuffle } from '../lib/seeded-split.js';
import { quantileSorted } from './intervals.js';

/**
 * Novelty of an example: how unlike the training examples its features are. The method is the
 * k-nearest-neighbour distance on L2-normalised features (Sun et al. 2022, "Out-of-distribution
 * detection with deep nearest neighbors"): no distribution is assumed, it needs only a sample of
 * training features, and with few examples per class k = 1 is what their results recommend
 * (k grows with the share of the training set kept). Features are rows of `dims` floats.
 */

/** References kept beside a model at most: enough for kNN, small enough to ship and scan. */
export const MAX_REFERENCES = 1000;
/** The default share of known examples accepted (not unknown). */
export const DEFAULT_ACCEPT_RATE = 0.95;

/** k for a reference of `n` examples: Sun et al. scale k with the training set (k=50 at 50,000). */
export function neighboursFor(n: number): number {
  return Math.max(1, Math.min(50, Math.round(n / 1000)));
}

/** Copies of the rows scaled to unit length (all-zero rows stay zero). */
export function normalizeRows(values: Float32Array, dims: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let at = 0; at < values.length; at += dims) {
    let ss = 0;
    for (let j = 0; j < dims; j++) ss += (values[at + j] as number) ** 2;
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let j = 0; j < dims; j++) out[at + j] = (values[at + j] as number) * inv;
  }
  return out;
}

/**
 * Distance from each (normalised) query row to its k-th nearest (normalised) reference row.
 * `skipSelf[i]`: the reference row that is query i itself, left out (leave-one-out).
 */
export function knnDistances(
  queries: Float32Array,
  references: Float32Array,
  dims: number,
  k: number,
  skipSelf?: readonly number[],
): number[] {
  const n = references.length / dims;
  const out: number[] = [];
  const best = new Float64Array(k);
  for (let at = 0, i = 0; at < queries.length; at += dims, i++) {
    best.fill(-Infinity);
    for (let r = 0; r < n; r++) {
      if (skipSelf?.[i] === r) continue;
      let dot = 0;
      const ro = r * dims;
      for (let j = 0; j < dims; j++) dot += (queries[at + j] as number) * (references[ro + j] as number);
      // Keep the k largest similarities, smallest first.
      if (dot > (best[0] as number)) {
        let p = 0;
        while (p + 1 < k && dot > (best[p + 1] as number)) {
          best[p] = best[p + 1] as number;
          p++;
        }
        best[p] = dot;
      }
    }
    const kth = best[0] as number;
    // |a - b| of unit vectors is sqrt(2 - 2 a.b); no reference at all: as far as can be.
    out.push(Number.isFinite(kth) ? Math.sqrt(Math.max(0, 2 - 2 * kth)) : 2);
  }
  return out;
}

/**
 * A class-stratified sample of at most `cap` examples: every class keeps an equal share of the
 * cap (a class with fewer keeps all it has, and the rest goes to the others), in a seeded order.
 */
export function stratifiedCap(labels: readonly number[], cap: number, seed: number): number[] {
  if (labels.length <= cap) return labels.map((_, i) => i);
  const byClass = new Map<number, number[]>();
  labels.forEach((l, i) => (byClass.get(l) ?? byClass.set(l, []).get(l)!).push(i));
  const lists = [...byClass.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([c, list]) => shuffle([...list], mulberry32(mixSeed(seed, 0x6e0f, c))));
  const quota = new Map<number[], number>();
  let left = cap;
  const pending = [...lists].sort((a, b) => a.length - b.length);
  while (pending.length > 0) {
    const share = Math.floor(left / pending.length);
    const list = pending.shift() as number[];
    const take = Math.min(list.length, pending.length === 0 ? left : share);
    quota.set(list, take);
    left -= take;
  }
  return lists.flatMap((list) => list.slice(0, quota.get(list) ?? 0)).sort((a, b) => a - b);
}

/**
 * The smallest novelty at or below which at least `acceptRate` of `scores` fall (an order
 * statistic, not an interpolation: on 45 examples, 95% accepts 43 of them, never 42).
 */
export function thresholdAt(scores: readonly number[], acceptRate: number): number {
  if (!(acceptRate > 0 && acceptRate <= 1))
    throw new RangeError(`acceptRate must be in (0, 1], got ${acceptRate}`);
  if (scores.length === 0) return Infinity;
  const sorted = [...scores].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(acceptRate * sorted.length - 1e-9) - 1)] as number;
}

/** Quantiles 0, 0.01 ... 1 of the scores: enough to turn any accept rate into a threshold later. */
export function noveltyQuantiles(scores: readonly number[]): number[] {
  const sorted = [...scores].sort((a, b) => a - b);
  return Array.from({ length: 101 }, (_, i) => Math.round(quantileSorted(sorted, i / 100) * 1e6) / 1e6);
}

/** The threshold at `acceptRate` read from stored quantiles (linear between them). */
export function thresholdFromQuantiles(quantiles: readonly number[], acceptRate: number): number {
  if (!(acceptRate > 0 && acceptRate <= 1))
    throw new RangeError(`acceptRate must be in (0, 1], got ${acceptRate}`);
  return quantileSorted(quantiles, acceptRate);
}

/**
 * Area under the ROC curve of `positives` scoring above `negatives` (Mann-Whitney U, ties
 * counted half): 0.5 is a coin, 1 separates them perfectly.
 */
export function auroc(positives: readonly number[], negatives: readonly number[]): number {
  if (positives.length === 0 || negatives.length === 0) return NaN;
  const all = [
    ...positives.map((v) => ({ v, pos: true })),
    ...negatives.map((v) => ({ v, pos: false })),
  ].sort((a, b) => a.v - b.v);
  let rankSum = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j]!.v === all[i]!.v) j++;
    const rank = (i + 1 + j) / 2;
    for (let t = i; t < j; t++) if (all[t]!.pos) rankSum += rank;
    i = j;
  }
  const np = positives.length;
  return (rankSum - (np * (np + 1)) / 2) / (np * negatives.length);
}
