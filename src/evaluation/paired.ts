import type { PairedComparison } from '../contracts/advisor.js';
import { normalCdf, tQuantile } from './normal.js';
import { DEFAULT_LEVEL } from './intervals.js';

/**
 * Paired comparison of two models scored by repeated k-fold cross-validation on the same folds:
 * the corrected resampled t-test (Nadeau & Bengio 2003, in its repeated k-fold form by Bouckaert
 * & Frank 2004). Each (repeat, fold) gives a difference of held-out accuracies on the very same
 * examples; their mean is the estimate, and its variance is the spread of those differences
 * times (1/(r·k) + n_test/n_train). The second term is the correction: folds share most of their
 * training examples, so the r·k differences are far from independent, and the naive variance
 * (1/(r·k) alone) would call most noise a win. The README's design notes say why this test.
 */

/** One model's out-of-fold correctness: per repeat, per example, 1 when right. */
export type RepeatedOutcomes = ReadonlyArray<ArrayLike<number>>;

/** The contract's paired comparison, with what it rests on. */
export interface PairedDifference extends PairedComparison {
  /** (repeat, fold) differences the test rests on. */
  folds: number;
  /** Examples per repeat. */
  examples: number;
}

/** Accuracy of `outcomes` on each (repeat, fold), in repeat then fold order. */
export function foldAccuracies(
  outcomes: RepeatedOutcomes,
  folds: ReadonlyArray<readonly number[]>,
  k: number,
): number[] {
  if (outcomes.length !== folds.length) {
    throw new RangeError(`outcomes has ${outcomes.length} repeats but folds has ${folds.length}`);
  }
  const out: number[] = [];
  outcomes.forEach((row, r) => {
    const foldOf = folds[r] as readonly number[];
    if (row.length !== foldOf.length) {
      throw new RangeError(`repeat ${r}: ${row.length} outcomes for ${foldOf.length} examples`);
    }
    const hits = new Array<number>(k).fill(0);
    const size = new Array<number>(k).fill(0);
    for (let i = 0; i < row.length; i++) {
      const f = foldOf[i] as number;
      size[f]! += 1;
      hits[f]! += row[i] as number;
    }
    for (let f = 0; f < k; f++)
      if ((size[f] as number) > 0) out.push((hits[f] as number) / (size[f] as number));
  });
  return out;
}

/**
 * The corrected resampled t-test of `a` against `b`: both scored on the same `folds` (one fold
 * index per example for each repeat, 0..k-1). A positive mean says `a` is better.
 */
export function pairedDifference(
  a: RepeatedOutcomes,
  b: RepeatedOutcomes,
  folds: ReadonlyArray<readonly number[]>,
  k: number,
  level = DEFAULT_LEVEL,
): PairedDifference {
  const fa = foldAccuracies(a, folds, k);
  const fb = foldAccuracies(b, folds, k);
  if (fa.length !== fb.length) throw new RangeError('a and b are not scored on the same folds');
  const d = fa.map((x, i) => x - (fb[i] as number));
  const m = d.length;
  const examples = folds[0]?.length ?? 0;
  const mean = d.reduce((s, x) => s + x, 0) / Math.max(1, m);
  const variance = m > 1 ? d.reduce((s, x) => s + (x - mean) ** 2, 0) / (m - 1) : NaN;
  // Test share over training share of one fold: 1/(k-1) for k-fold.
  const ratio = 1 / (k - 1);
  const se = Math.sqrt((1 / m + ratio) * variance);
  const base = { mean, level, folds: m, examples };
  if (!(m > 1)) return { ...base, low: -1, high: 1, pValue: 1, tied: true };
  if (se === 0) {
    // Every fold gave the same difference: none (identical models) or a constant one.
    return mean === 0
      ? { ...base, low: 0, high: 0, pValue: 1, tied: true }
      : { ...base, low: mean, high: mean, pValue: 0, tied: false };
  }
  const df = m - 1;
  const half = tQuantile(1 - (1 - level) / 2, df) * se;
  const t = Math.abs(mean) / se;
  const low = Math.max(-1, mean - half);
  const high = Math.min(1, mean + half);
  return { ...base, low, high, pValue: tTwoSidedP(t, df), tied: low <= 0 && high >= 0 };
}

/**
 * Two-sided p-value of Student's t (through the normal distribution of a Cornish-Fisher-adjusted
 * statistic; to about 1e-3, which is all a yes/no at 5% needs).
 */
function tTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  // Bisection on tQuantile: the p at which the quantile equals t.
  let lo = 0.5;
  let hi = 1 - 1e-12;
  if (tQuantile(hi, df) < t) return 2 * (1 - hi);
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (tQuantile(mid, df) < t) lo = mid;
    else hi = mid;
  }
  const p = 2 * (1 - (lo + hi) / 2);
  return Number.isFinite(p) ? Math.min(1, Math.max(0, p)) : 2 * (1 - normalCdf(t));
}

/** Mean out-of-fold accuracy over every repeat and example. */
export function meanAccuracy(outcomes: RepeatedOutcomes): number {
  let hits = 0;
  let n = 0;
  for (const row of outcomes) {
    for (let i = 0; i < row.length; i++) hits += row[i] as number;
    n += row.length;
  }
  return n === 0 ? NaN : hits / n;
}
