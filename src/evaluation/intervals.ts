import type { Interval } from '../contracts/evaluation.js';
import { mixSeed, mulberry32 } from '../lib/seeded-split.js';
import { normalCdf, tQuantile, zFor } from './normal.js';

/**
 * The two intervals every figure a user reads carries: Wilson's score interval for a proportion
 * (accuracy, a class's recall or precision) and a stratified percentile bootstrap for anything
 * else (macro-F1, MAE, RMSE). The README's design notes say why these two and what they cover.
 */

export const DEFAULT_LEVEL = 0.95;
export const DEFAULT_RESAMPLES = 2000;

/**
 * Wilson score interval for `successes` out of `n` at `level` (0.95 by default). Unlike the
 * normal-approximation interval it stays inside [0, 1], is not zero-width at 0 of n or n of n,
 * and keeps close to its level down to a handful of trials. With n = 0 nothing is known: [0, 1].
 */
export function wilsonInterval(successes: number, n: number, level = DEFAULT_LEVEL): Interval {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new RangeError(`successes must be an integer in [0, ${n}], got ${successes}`);
  }
  const z = zFor(level);
  if (n === 0) return { low: 0, high: 1, level, method: 'wilson' };
  const p = successes / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n));
  return {
    low: successes === 0 ? 0 : Math.max(0, centre - half),
    high: successes === n ? 1 : Math.min(1, centre + half),
    level,
    method: 'wilson',
  };
}

/** The q-quantile of ascending `sorted` values, interpolated between neighbours (R's type 7). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  return a + (h - lo) * (b - a);
}

export interface BootstrapOptions {
  /** Resamples drawn (2000 by default). */
  resamples?: number;
  level?: number;
  seed?: number;
  /**
   * Widen the percentiles for small samples (Hesterberg's expanded percentile interval; true by
   * default): the plain percentile interval is too narrow by the factor sqrt((m-1)/m) for strata
   * of m examples and ignores that the spread itself is estimated, so it covers less than its
   * level on 8 to 30 examples per stratum. The expansion takes the percentiles of the level whose
   * normal critical value is sqrt(m/(m-1)) * t(n - strata), with m the mean stratum size.
   */
  expand?: boolean;
}

/** The share of the bootstrap distribution to keep: `level`, expanded for small strata. */
export function expandedLevel(level: number, examples: number, strata: number): number {
  const m = examples / strata;
  const df = examples - strata;
  if (!(m > 1 && df >= 1)) return level;
  const z = Math.sqrt(m / (m - 1)) * tQuantile(1 - (1 - level) / 2, df);
  return Math.max(level, 2 * normalCdf(z) - 1);
}

/**
 * Stratified percentile bootstrap of `statistic` over examples 0..strata.length-1: each resample
 * draws, with replacement, as many examples from each stratum (e.g. each true class) as it has,
 * so every resample keeps the dataset's class counts; the interval is the central share of the
 * statistic over the resamples: `level`, expanded for small samples (see `expand`). The
 * returned `level` is the nominal one. `statistic` receives the resampled example positions
 * (repeats included); resamples where it is not finite are left out.
 */
export function stratifiedBootstrap(
  strata: readonly number[],
  statistic: (indices: number[]) => number,
  opts: BootstrapOptions = {},
): Interval {
  const level = opts.level ?? DEFAULT_LEVEL;
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  zFor(level); // validates the level
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  }
  if (strata.length === 0) throw new RangeError('stratifiedBootstrap needs at least one example');
  const groups = new Map<number, number[]>();
  strata.forEach((s, i) => {
    const list = groups.get(s);
    if (list) list.push(i);
    else groups.set(s, [i]);
  });
  const members = [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, list]) => list);
  const rng = mulberry32(mixSeed(opts.seed ?? 0, 0xb007));
  const values: number[] = [];
  const indices = new Array<number>(strata.length);
  for (let r = 0; r < resamples; r++) {
    let at = 0;
    for (const list of members) {
      for (let j = 0; j < list.length; j++) indices[at++] = list[Math.floor(rng() * list.length)] as number;
    }
    const value = statistic(indices.slice());
    if (Number.isFinite(value)) values.push(value);
  }
  values.sort((a, b) => a - b);
  const kept = opts.expand === false ? level : expandedLevel(level, strata.length, members.length);
  const alpha = (1 - kept) / 2;
  return {
    low: quantileSorted(values, alpha),
    high: quantileSorted(values, 1 - alpha),
    level,
    method: 'bootstrap',
  };
}
