import { mulberry32, shuffle } from '../lib/seeded-split.js';

/**
 * How the advisor splits a small dataset for its probes: k from the data size (more folds when
 * there is little data, so each probe still trains on most of it), folds stratified by class,
 * and a stratified sample when the dataset is larger than the probe needs.
 */

/** Fewest examples per class that k-fold cross-validation can work with (one per fold, two folds). */
export const MIN_PER_CLASS = 2;

export function countsOf(labels: readonly number[], classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const l of labels) counts[l] = (counts[l] ?? 0) + 1;
  return counts;
}

/**
 * k: at most 10 folds under 100 examples, 5 under 1000, 3 above (the probe is repeated k times,
 * and bigger data gives steadier folds); never more than the smallest class, so each fold holds
 * every class.
 */
export function chooseK(counts: readonly number[]): number {
  const n = counts.reduce((a, b) => a + b, 0);
  const smallest = Math.min(...counts);
  const cap = n < 100 ? 10 : n < 1000 ? 5 : 3;
  return Math.max(2, Math.min(cap, smallest));
}

/** Fold of each example: every class dealt round-robin over the folds after a seeded shuffle. */
export function stratifiedFolds(labels: readonly number[], k: number, seed: number): number[] {
  const rng = mulberry32(seed);
  const folds = new Array<number>(labels.length).fill(0);
  const byClass = new Map<number, number[]>();
  labels.forEach((l, i) => byClass.set(l, [...(byClass.get(l) ?? []), i]));
  let offset = 0;
  for (const idx of byClass.values()) {
    shuffle(idx, rng).forEach((i, j) => (folds[i] = (j + offset) % k));
    // Rotate the start so small classes don't all land in fold 0.
    offset += idx.length;
  }
  return folds;
}

/**
 * Positions to keep so at most `max` examples remain, each class keeping its share (at least
 * MIN_PER_CLASS where it has them); undefined when all are kept.
 */
export function stratifiedSample(
  labels: readonly number[],
  max: number,
  seed: number,
): Set<number> | undefined {
  if (labels.length <= max) return undefined;
  const rng = mulberry32(seed);
  const byClass = new Map<number, number[]>();
  labels.forEach((l, i) => byClass.set(l, [...(byClass.get(l) ?? []), i]));
  const keep = new Set<number>();
  for (const idx of byClass.values()) {
    const share = Math.max(
      Math.min(MIN_PER_CLASS, idx.length),
      Math.round((idx.length / labels.length) * max),
    );
    for (const i of shuffle(idx, rng).slice(0, share)) keep.add(i);
  }
  return keep;
}

export function meanStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}
