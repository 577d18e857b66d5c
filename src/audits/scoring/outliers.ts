/**
 * Outliers: examples far from every other in feature space. The score of an example is its
 * mean distance to its k nearest others (unit-length, mean-centred features: the distance is
 * sqrt(2 - 2 cos)); it is flagged when that distance is a robust outlier among the dataset's
 * own distances: a modified z-score (distance minus the median, over 1.4826 times the median
 * absolute deviation) of 3.5 or more (Iglewicz and Hoaglin's rule). A cluster of a few
 * unrelated examples is still far on average: k reaches past them.
 */

export const OUTLIER_Z = 3.5;

export interface Outlier {
  index: number;
  distance: number;
  /** The modified z-score: higher is farther out. */
  z: number;
}

export function knnMeanDistances(neighbours: { similarity: Float32Array; k: number }, n: number): number[] {
  const { similarity, k } = neighbours;
  return Array.from({ length: n }, (_, i) => {
    if (k === 0) return 0;
    let sum = 0;
    for (let r = 0; r < k; r++) sum += Math.sqrt(Math.max(0, 2 - 2 * (similarity[i * k + r] as number)));
    return sum / k;
  });
}

export function findOutliers(distances: readonly number[]): { outliers: Outlier[]; threshold: number } {
  const sorted = [...distances].sort((a, b) => a - b);
  const median = quantile(sorted, 0.5);
  const mad = quantile(
    distances.map((d) => Math.abs(d - median)).sort((a, b) => a - b),
    0.5,
  );
  const scale = 1.4826 * mad;
  const threshold = median + OUTLIER_Z * scale;
  if (!(scale > 0)) return { outliers: [], threshold };
  const outliers = distances
    .map((distance, index) => ({ index, distance, z: (distance - median) / scale }))
    .filter((o) => o.z >= OUTLIER_Z)
    .sort((a, b) => b.z - a.z);
  return { outliers, threshold };
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (at - lo);
}
