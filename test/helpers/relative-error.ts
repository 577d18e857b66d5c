/**
 * max|actual - expected| / max(1, max|expected|): relative for large gradients, absolute for small
 * ones, so values near zero do not blow the ratio up.
 */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    return Number.POSITIVE_INFINITY;
  }
  let maxDiff = 0;
  let maxExpected = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    const diff = Math.abs(a - e);
    // NaN must fail the comparison, and Math.max would propagate it only by accident.
    maxDiff = Number.isNaN(diff) ? Number.POSITIVE_INFINITY : Math.max(maxDiff, diff);
    maxExpected = Math.max(maxExpected, Math.abs(e));
  }
  return maxDiff / Math.max(1, maxExpected);
}
