import type { Interval } from '../contracts/evaluation.js';
import { wilsonInterval } from '../evaluation/index.js';
import { foldAccuracies, meanAccuracy } from '../evaluation/paired.js';
import { knnLooAccuracy, logME } from '../evaluation/transferability.js';
import { crossValidateSoftmax } from '../ml/index.js';
import type { FoldPlan } from './sampling.js';

/** Neighbours of the k-NN leave-one-out score. */
export const KNN_NEIGHBOURS = 3;

/**
 * Everything the advisor measures of one candidate's frozen features: the softmax probe on every
 * repeat of the shared folds (its per-example out-of-fold correctness is what the paired tests
 * compare), and the two scores that need no training, LogME and the k-NN leave-one-out accuracy.
 */
export interface CutScores {
  /** Out-of-fold correctness, one row per repeat (for the paired tests; not in the response). */
  outcomes: Uint8Array[];
  /** Mean out-of-fold accuracy of the probe over every repeat. */
  accuracy: number;
  /** 95% Wilson interval of that accuracy over the `examples` examples. */
  accuracyInterval: Interval;
  /** Standard deviation of the accuracy of one fold (the spread of a fold, not of the mean). */
  accuracyStd: number;
  examples: number;
  logME: number;
  knnAccuracy: number;
  knnInterval: Interval;
  /** The interval of the accuracy reaches down to chance. */
  atChance: boolean;
}

export async function scoreCut(
  values: Float32Array,
  dim: number,
  classes: number,
  plan: FoldPlan,
  signal?: AbortSignal,
): Promise<CutScores> {
  const { labels, k } = plan;
  const outcomes: Uint8Array[] = [];
  for (const folds of plan.folds) {
    const got = await crossValidateSoftmax({
      values,
      dim,
      labels,
      classes,
      folds,
      k,
      ...(signal ? { signal } : {}),
    });
    outcomes.push(got.correct);
  }
  const accuracy = meanAccuracy(outcomes);
  const perFold = foldAccuracies(outcomes, plan.folds, k);
  const foldMean = perFold.reduce((s, x) => s + x, 0) / perFold.length;
  const std = Math.sqrt(perFold.reduce((s, x) => s + (x - foldMean) ** 2, 0) / perFold.length);
  const n = labels.length;
  const accuracyInterval = roundInterval(wilsonInterval(Math.round(accuracy * n), n));
  const knn = knnLooAccuracy(values, dim, labels, KNN_NEIGHBOURS);
  return {
    outcomes,
    accuracy: r4(accuracy),
    accuracyInterval,
    accuracyStd: r4(std),
    examples: n,
    logME: r4(logME(values, dim, labels, classes)),
    knnAccuracy: r4(knn.accuracy),
    knnInterval: roundInterval(wilsonInterval(knn.hits, knn.examples)),
    atChance: accuracyInterval.low <= plan.chance,
  };
}

/** Four decimals, as the advisor's figures are reported. */
export const r4 = (x: number) => Number(x.toFixed(4));
/** An interval with its bounds at four decimals. */
export const roundInterval = (i: Interval): Interval => ({ ...i, low: r4(i.low), high: r4(i.high) });
