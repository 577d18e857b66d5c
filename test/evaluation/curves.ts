import type { LearningCurvePoint } from '../../src/contracts/evaluation.js';
import { wilsonInterval } from '../../src/evaluation/index.js';
import { draws } from './simulate.js';

/**
 * Learning curves whose truth is known: accuracy follows `truth(n)` in the examples per class n
 * that a fold's model trains on, and each point is what cross-validation would measure at 25%,
 * 50%, 75% and 100% of `perClass` examples per class over `classes` classes (binomial noise on
 * the out-of-fold predictions, with their Wilson interval).
 */
export function simulatedCurve(
  truth: (n: number) => number,
  perClass: number,
  seed: number,
  classes = 6,
  folds = 5,
): LearningCurvePoint[] {
  const r = draws(0xc0de, seed, perClass);
  return [0.25, 0.5, 0.75, 1].map((fraction) => {
    const kept = Math.max(2, Math.round(perClass * fraction));
    const examples = kept * classes;
    const examplesPerClass = (kept * (folds - 1)) / folds;
    const hits = r.binomial(examples, truth(examplesPerClass));
    const iv = wilsonInterval(hits, examples);
    return { examplesPerClass, fraction, accuracy: hits / examples, low: iv.low, high: iv.high, examples };
  });
}

/** A power law with parameters drawn per seed: ceiling 0.8 to 0.98, exponent 0.3 to 1. */
export function powerLaw(seed: number): (n: number) => number {
  const r = draws(0xa11, seed);
  const a = 0.8 + 0.18 * r.uniform();
  const c = 0.3 + 0.7 * r.uniform();
  // From about 0.35 to 0.55 at 2 examples per class.
  const b = (a - (0.35 + 0.2 * r.uniform())) * 2 ** c;
  return (n) => a - b * n ** -c;
}
