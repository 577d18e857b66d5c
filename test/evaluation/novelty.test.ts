import { describe, expect, it } from 'vitest';
import {
  auroc,
  knnDistances,
  normalizeRows,
  noveltyQuantiles,
  stratifiedCap,
  thresholdAt,
  thresholdFromQuantiles,
} from '../../src/evaluation/novelty.js';
import { fitMahalanobis, mahalanobisScores } from '../../src/evaluation/mahalanobis.js';
import { mulberry32 } from '../../src/lib/seeded-split.js';

function gaussian(rng: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** n rows of N(mean, I) in `dims` dimensions. */
function cloud(n: number, mean: number[], seed: number): Float32Array {
  const z = gaussian(mulberry32(seed));
  const dims = mean.length;
  const out = new Float32Array(n * dims);
  for (let i = 0; i < n; i++) for (let j = 0; j < dims; j++) out[i * dims + j] = (mean[j] as number) + z();
  return out;
}

const DIMS = 16;
const axis = (j: number, scale: number) => Array.from({ length: DIMS }, (_, i) => (i === j ? scale : 0));

describe('kNN novelty on normalised features', () => {
  const reference = normalizeRows(cloud(500, axis(0, 4), 1), DIMS);
  const score = (rows: Float32Array) => knnDistances(normalizeRows(rows, DIMS), reference, DIMS, 1);

  it('separates a second Gaussian cloud from the first', () => {
    const known = score(cloud(400, axis(0, 4), 2));
    const novel = score(cloud(400, axis(1, 4), 3));
    expect(auroc(novel, known)).toBeGreaterThan(0.97);
  });

  it('is a coin between two samples of the same cloud', () => {
    const a = score(cloud(400, axis(0, 4), 4));
    const b = score(cloud(400, axis(0, 4), 5));
    expect(Math.abs(auroc(a, b) - 0.5)).toBeLessThan(0.06);
  });

  it('accepts the target share of fresh known examples at the threshold set on others', () => {
    const calibrationScores = score(cloud(2000, axis(0, 4), 6));
    for (const rate of [0.8, 0.95]) {
      const t = thresholdAt(calibrationScores, rate);
      const fresh = score(cloud(2000, axis(0, 4), 7 + rate));
      const accepted = fresh.filter((s) => s <= t).length / fresh.length;
      expect(Math.abs(accepted - rate)).toBeLessThan(0.025);
      // The stored quantiles give about the same threshold (interpolated between percentiles).
      const fromQuantiles = thresholdFromQuantiles(noveltyQuantiles(calibrationScores), rate);
      expect(Math.abs(fromQuantiles - t)).toBeLessThan(0.01);
    }
  });

  it('finds the k-th neighbour and can leave each example out of its own reference', () => {
    const refs = normalizeRows(new Float32Array([1, 0, 0, 1, -1, 0]), 2);
    const q = normalizeRows(new Float32Array([1, 0]), 2);
    expect(knnDistances(q, refs, 2, 1)[0]).toBeCloseTo(0, 6);
    expect(knnDistances(q, refs, 2, 2)[0]).toBeCloseTo(Math.SQRT2, 6);
    expect(knnDistances(q, refs, 2, 1, [0])[0]).toBeCloseTo(Math.SQRT2, 6);
  });
});

describe('helpers', () => {
  it('thresholdAt accepts at least the target share, by the fewest examples that do', () => {
    const scores = Array.from({ length: 45 }, (_, i) => i / 45);
    const t = thresholdAt(scores, 0.95);
    expect(scores.filter((s) => s <= t)).toHaveLength(43);
    expect(thresholdAt([3, 1, 2], 1)).toBe(3);
    expect(thresholdAt([3, 1, 2], 0.34)).toBe(2);
    expect(() => thresholdAt([1], 0)).toThrow(RangeError);
  });

  it('auroc is 1, 0 and 0.5 where it must be, ties counted half', () => {
    expect(auroc([3, 4], [1, 2])).toBe(1);
    expect(auroc([1, 2], [3, 4])).toBe(0);
    expect(auroc([1, 1], [1, 1])).toBe(0.5);
  });

  it('stratifiedCap keeps every class, equal shares, and everything under the cap', () => {
    const labels = [
      ...new Array<number>(900).fill(0),
      ...new Array<number>(50).fill(1),
      ...new Array<number>(300).fill(2),
    ];
    const kept = stratifiedCap(labels, 400, 1);
    expect(kept).toHaveLength(400);
    const per = [0, 1, 2].map((c) => kept.filter((i) => labels[i] === c).length);
    expect(per).toEqual([175, 50, 175]);
    expect(new Set(kept).size).toBe(400);
    expect(stratifiedCap([0, 1, 1], 10, 1)).toEqual([0, 1, 2]);
  });
});

describe('Mahalanobis novelty with a shrunk shared covariance', () => {
  it('separates a second Gaussian cloud, and is a coin within the first', () => {
    // Two known classes along axes 0 and 1; the novel cloud along axis 2.
    const a = cloud(200, axis(0, 4), 11);
    const b = cloud(200, axis(1, 4), 12);
    const train = new Float32Array([...a, ...b]);
    const labels = [...new Array<number>(200).fill(0), ...new Array<number>(200).fill(1)];
    const model = fitMahalanobis(train, labels, DIMS);
    const known = mahalanobisScores(
      model,
      new Float32Array([...cloud(200, axis(0, 4), 13), ...cloud(200, axis(1, 4), 14)]),
    );
    const novel = mahalanobisScores(model, cloud(400, axis(2, 4), 15));
    expect(auroc(novel, known)).toBeGreaterThan(0.97);
    const again = mahalanobisScores(
      model,
      new Float32Array([...cloud(200, axis(0, 4), 16), ...cloud(200, axis(1, 4), 17)]),
    );
    expect(Math.abs(auroc(again, known) - 0.5)).toBeLessThan(0.07);
  });

  it('is the plain Mahalanobis distance for a known covariance (no shrinkage)', () => {
    // Class 0 at the origin with variances 4 and 1 (a 2x2 design with exact moments).
    const f = new Float32Array([2, 1, -2, 1, 2, -1, -2, -1]);
    const model = fitMahalanobis(f, [0, 0, 0, 0], 2, 0);
    const [d] = mahalanobisScores(model, new Float32Array([2, 1]));
    expect(d).toBeCloseTo(Math.sqrt(4 / 4 + 1 / 1), 6);
  });
});
