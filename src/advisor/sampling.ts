import { foldCount, stratifiedFolds } from '../evaluation/index.js';
import { mixSeed, mulberry32, shuffle } from '../lib/seeded-split.js';

/**
 * How the advisor splits a small dataset for its probes: k from the data size (more folds when
 * there is little data, so each probe still trains on most of it), the k-fold repeated with new
 * shuffles when the data are small (every candidate gets the very same folds, so their
 * differences are paired), and a stratified sample when the dataset is larger than the probe
 * needs. The folds themselves are src/evaluation's.
 */

/** Fewest examples per class that k-fold cross-validation can work with (one per fold, two folds). */
export const MIN_PER_CLASS = 2;

/** The folds every candidate is probed on. */
export interface FoldPlan {
  k: number;
  /** Fold of each example, one row per repeat of the k-fold. */
  folds: number[][];
  /** Accuracy of always answering the most frequent class. */
  chance: number;
  /** The labels the folds were dealt for (every candidate must see them in this order). */
  labels: number[];
}

/**
 * k: at most 10 folds under 100 examples, 5 under 1000, 3 above (the probe is repeated k times,
 * and bigger data gives steadier folds); never more than the smallest class, so each fold holds
 * every class.
 */
export function chooseK(labels: readonly number[], classes: readonly string[]): number {
  const n = labels.length;
  const cap = n < 100 ? 10 : n < 1000 ? 5 : 3;
  return Math.max(2, foldCount(labels, classes, cap).folds);
}

/**
 * Repeats of the k-fold: 3 under 150 examples, 2 under 400, else 1. On 8 to 30 examples per
 * class one shuffle's folds are a noisy draw of their own; averaging three shuffles removes that
 * part of the noise (not the noise of the examples themselves) at three times the probe cost.
 */
export function chooseRepeats(examples: number): number {
  return examples < 150 ? 3 : examples < 400 ? 2 : 1;
}

export function planFolds(labels: readonly number[], classes: readonly string[], seed: number): FoldPlan {
  const k = chooseK(labels, classes);
  const repeats = chooseRepeats(labels.length);
  const folds = Array.from({ length: repeats }, (_, r) => stratifiedFolds(labels, k, mixSeed(seed, r)));
  const counts = new Array<number>(classes.length).fill(0);
  for (const l of labels) counts[l]! += 1;
  return { k, folds, chance: Math.max(...counts) / labels.length, labels: [...labels] };
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
