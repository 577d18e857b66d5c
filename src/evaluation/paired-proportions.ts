import { DEFAULT_LEVEL, wilsonInterval } from './intervals.js';

/**
 * The difference of two accuracies measured on the very same examples (two models, one set of
 * labelled examples): Newcombe's hybrid score interval for paired proportions (Newcombe 1998,
 * "Improved confidence intervals for the difference between binomial proportions based on
 * paired data", method 10). It combines each accuracy's Wilson interval with the correlation of
 * the two models' hits, so it is narrow when the models agree on most examples (the usual case
 * for two versions of one model), stays inside [-1, 1], and keeps close to its level at small n
 * where the Wald interval (difference ± z·se) does not. The seeded simulation in
 * test/evaluation/paired-proportions.test.ts measures its coverage.
 */

/** The four cells of the paired table. */
export interface PairedCounts {
  /** Both right. */
  both: number;
  /** Only the first (a) right. */
  aOnly: number;
  /** Only the second (b) right. */
  bOnly: number;
  /** Both wrong. */
  neither: number;
}

export interface PairedAccuracyDifference {
  /** b's accuracy minus a's, on the same examples. */
  difference: number;
  low: number;
  high: number;
  level: number;
  method: 'newcombe-paired';
  n: number;
}

export function pairedDifferenceInterval(c: PairedCounts, level = DEFAULT_LEVEL): PairedAccuracyDifference {
  for (const [k, v] of Object.entries(c)) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${k} must be a non-negative integer, got ${v}`);
  }
  const n = c.both + c.aOnly + c.bOnly + c.neither;
  const base = { level, method: 'newcombe-paired' as const, n };
  if (n === 0) return { ...base, difference: 0, low: -1, high: 1 };
  const aHits = c.both + c.aOnly;
  const bHits = c.both + c.bOnly;
  const pa = aHits / n;
  const pb = bHits / n;
  const a = wilsonInterval(aHits, n, level);
  const b = wilsonInterval(bHits, n, level);
  const phi = correlation(c);
  const difference = pb - pa;
  // Newcombe's method 10, written for b - a: the lower limit takes b's lower and a's upper distance.
  const lowerDist = Math.sqrt(
    Math.max(0, (pb - b.low) ** 2 - 2 * phi * (pb - b.low) * (a.high - pa) + (a.high - pa) ** 2),
  );
  const upperDist = Math.sqrt(
    Math.max(0, (b.high - pb) ** 2 - 2 * phi * (b.high - pb) * (pa - a.low) + (pa - a.low) ** 2),
  );
  return {
    ...base,
    difference,
    low: Math.max(-1, difference - lowerDist),
    high: Math.min(1, difference + upperDist),
  };
}

/**
 * Phi, the correlation of the two models' hits, with Newcombe's correction: a positive
 * AD - BC is shrunk by n/2 (and to 0 when it is smaller than that). Without it, two models that
 * agree on every one of a handful of examples get phi = 1 and, at an accuracy of exactly 0.5, an
 * interval of zero width; with it the interval stays as wide as a handful of examples warrants.
 * 0 when a margin is empty (phi is undefined there).
 */
function correlation(c: PairedCounts): number {
  const n = c.both + c.aOnly + c.bOnly + c.neither;
  const rowA = c.both + c.aOnly;
  const rowNotA = c.bOnly + c.neither;
  const colB = c.both + c.bOnly;
  const colNotB = c.aOnly + c.neither;
  const denom = Math.sqrt(rowA * rowNotA * colB * colNotB);
  if (denom === 0) return 0;
  const cross = c.both * c.neither - c.aOnly * c.bOnly;
  const corrected = cross > n / 2 ? cross - n / 2 : cross < 0 ? cross : 0;
  return corrected / denom;
}
