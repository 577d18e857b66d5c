import type { Forecast, LearningCurvePoint } from '../contracts/evaluation.js';
import { mixSeed, mulberry32 } from '../lib/seeded-split.js';
import { DEFAULT_LEVEL, quantileSorted } from './intervals.js';
import { zFor } from './normal.js';

/**
 * What more data would bring, from a learning curve (cross-validated accuracy at about 25%, 50%,
 * 75% and 100% of each class's examples).
 *
 * The curve is an inverse power law, acc(n) = a - b·n^-c with a <= 1, b >= 0 (accuracy does not
 * fall with more data) and c in [0.05, 2], the model the learning-curve literature finds to fit
 * best at small sizes (Figueroa et al. 2012; Viering & Loog 2022). It is fitted by weighted least
 * squares, each point weighted by its interval's precision: for each c on a fine grid, a and b
 * have a closed form, and the best c wins (a one-dimensional profile, exact up to the grid step,
 * so no iterative solver is needed). The interval comes from a parametric bootstrap: each point
 * redrawn around the fitted curve with its own standard error, the curve refitted, the forecast
 * taken again.
 */

const C_GRID = Array.from({ length: 40 }, (_, i) => 0.05 * (i + 1));
/** Smallest standard error a point is given, so a point at 1.0 does not pin the curve. */
const MIN_SE = 0.01;
/** A gain below this (in accuracy) is not worth collecting data for. */
export const MEANINGFUL_GAIN = 0.02;
const RESAMPLES = 1000;

interface Curve {
  a: number;
  b: number;
  c: number;
}

const at = (f: Curve, n: number) => Math.min(1, Math.max(0, f.a - f.b * n ** -f.c));

/** Weighted least-squares fit of acc = a - b·n^-c at one c, with b >= 0 and a <= 1. */
function fitAt(
  n: readonly number[],
  y: readonly number[],
  w: readonly number[],
  c: number,
): Curve & { sse: number } {
  const x = n.map((v) => v ** -c);
  const sw = w.reduce((s, v) => s + v, 0);
  const mx = x.reduce((s, v, i) => s + (w[i] as number) * v, 0) / sw;
  const my = y.reduce((s, v, i) => s + (w[i] as number) * v, 0) / sw;
  let sxy = 0;
  let sxx = 0;
  x.forEach((v, i) => {
    sxy += (w[i] as number) * (v - mx) * ((y[i] as number) - my);
    sxx += (w[i] as number) * (v - mx) ** 2;
  });
  let b = sxx > 0 ? Math.max(0, -sxy / sxx) : 0;
  let a = my + b * mx;
  if (a > 1) {
    // The ceiling binds: a = 1, and b alone by least squares on 1 - y = b·x.
    a = 1;
    const num = x.reduce((s, v, i) => s + (w[i] as number) * v * (1 - (y[i] as number)), 0);
    const den = x.reduce((s, v, i) => s + (w[i] as number) * v * v, 0);
    b = Math.max(0, num / den);
  }
  const sse = x.reduce((s, v, i) => s + (w[i] as number) * ((y[i] as number) - (a - b * v)) ** 2, 0);
  return { a, b, c, sse };
}

function fitCurve(n: readonly number[], y: readonly number[], w: readonly number[]): Curve {
  let best = fitAt(n, y, w, C_GRID[0] as number);
  for (const c of C_GRID.slice(1)) {
    const f = fitAt(n, y, w, c);
    if (f.sse < best.sse - 1e-12) best = f;
  }
  return best;
}

function normalDraws(seed: number): () => number {
  const u = mulberry32(mixSeed(seed, 0xc0ffee));
  return () => {
    let a = u();
    while (a <= 0) a = u();
    return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * u());
  };
}

export interface ForecastOptions {
  /** Interval level (0.95 by default); the points' intervals are read as 95% intervals. */
  level?: number;
  seed?: number;
  resamples?: number;
}

const f2 = (x: number) => x.toFixed(2);

function where(target: number, largest: number): string {
  return Math.abs(target - 2 * largest) < 1e-9
    ? 'at twice the data'
    : `at ${Math.round(target)} examples per class`;
}

/**
 * Fits a curve to learning-curve points and forecasts accuracy with an interval at
 * `targetExamplesPerClass` (default twice the largest point), in plain words. The trend is
 * 'flat' when the gain over today's fitted accuracy is below 0.02 in 90% of the bootstrap
 * (more of the same data is unlikely to help), 'rising' when it is above 0.005 in 90% of it,
 * and 'unknown' when the points cannot tell (too noisy, or fewer than three sizes).
 */
export function forecastFromCurve(
  points: readonly LearningCurvePoint[],
  targetExamplesPerClass?: number,
  opts: ForecastOptions = {},
): Forecast {
  const level = opts.level ?? DEFAULT_LEVEL;
  const usable = points.filter(
    (p) =>
      Number.isFinite(p.examplesPerClass) && p.examplesPerClass > 0 && p.accuracy >= 0 && p.accuracy <= 1,
  );
  const largest = Math.max(0, ...usable.map((p) => p.examplesPerClass));
  const target = targetExamplesPerClass ?? 2 * largest;
  const sizes = new Set(usable.map((p) => p.examplesPerClass)).size;
  if (sizes < 3 || !(target > 0)) {
    return {
      trend: 'unknown',
      examplesPerClass: target,
      message: `no forecast: a curve needs accuracy at three or more sizes, and there ${sizes === 1 ? 'is' : 'are'} ${sizes}`,
    };
  }
  const z95 = zFor(0.95);
  const n = usable.map((p) => p.examplesPerClass);
  const y = usable.map((p) => p.accuracy);
  const se = usable.map((p) => {
    const fromInterval = (p.high - p.low) / (2 * z95);
    const binomial = p.examples > 0 ? Math.sqrt((p.accuracy * (1 - p.accuracy)) / p.examples) : 0;
    return Math.max(MIN_SE, Number.isFinite(fromInterval) && fromInterval > 0 ? fromInterval : binomial);
  });
  const w = se.map((s) => 1 / (s * s));
  const curve = fitCurve(n, y, w);
  const accuracy = at(curve, target);
  const today = at(curve, largest);
  const normal = normalDraws(opts.seed ?? 0);
  const forecasts: number[] = [];
  const gains: number[] = [];
  const fitted = n.map((v) => at(curve, v));
  for (let r = 0; r < (opts.resamples ?? RESAMPLES); r++) {
    const yStar = fitted.map((v, i) => Math.min(1, Math.max(0, v + (se[i] as number) * normal())));
    const c = fitCurve(n, yStar, w);
    forecasts.push(at(c, target));
    gains.push(at(c, target) - at(c, largest));
  }
  forecasts.sort((a, b) => a - b);
  gains.sort((a, b) => a - b);
  const alpha = (1 - level) / 2;
  const low = Math.min(accuracy, quantileSorted(forecasts, alpha));
  const high = Math.max(accuracy, quantileSorted(forecasts, 1 - alpha));
  const model = `power-law: acc = ${curve.a.toFixed(3)} - ${curve.b.toFixed(3)} * n^-${curve.c.toFixed(2)}`;
  const base = { examplesPerClass: target, accuracy, low, high, model };
  const words = `about ${f2(accuracy)} (${f2(low)} to ${f2(high)}) ${where(target, largest)}`;
  if (quantileSorted(gains, 0.9) < MEANINGFUL_GAIN) {
    return {
      trend: 'flat',
      ...base,
      message:
        today >= 0.98
          ? `flat: accuracy is already about ${f2(today)}, so more of the same data has little left to add`
          : 'flat: more of the same data is unlikely to help; try another base or cut',
    };
  }
  if (quantileSorted(gains, 0.1) > 0.005) return { trend: 'rising', ...base, message: words };
  return {
    trend: 'unknown',
    ...base,
    message: `${words}, but the curve is too noisy to tell whether more data helps`,
  };
}
