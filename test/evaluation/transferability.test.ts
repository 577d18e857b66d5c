import { Matrix, determinant, inverse } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { knnLooAccuracy, logME, logMEPerClass } from '../../src/evaluation/transferability.js';

/**
 * The reference: the log evidence of the Bayesian linear model y = F w + noise, w ~ N(0, I/alpha),
 * noise ~ N(0, I/beta), straight from its definition: y ~ N(0, C) with C = I/beta + F F^T/alpha,
 * so log p(y) = -1/2 (n log 2 pi + log|C| + y^T C^-1 y), with an explicit inverse and determinant
 * (no eigendecomposition, no fixed point).
 */
function referenceEvidence(f: number[][], y: number[], alpha: number, beta: number): number {
  const n = f.length;
  const fm = new Matrix(f);
  const c = Matrix.eye(n, n)
    .mul(1 / beta)
    .add(fm.mmul(fm.transpose()).mul(1 / alpha));
  const yv = Matrix.columnVector(y);
  const quad = yv.transpose().mmul(inverse(c)).mmul(yv).get(0, 0);
  return -0.5 * (n * Math.log(2 * Math.PI) + Math.log(determinant(c)) + quad);
}

/** The reference evidence maximised over a fine log grid of alpha and beta. */
function referenceMax(f: number[][], y: number[]): number {
  let best = -Infinity;
  for (let la = -6; la <= 6; la += 0.1) {
    for (let lb = -6; lb <= 6; lb += 0.1)
      best = Math.max(best, referenceEvidence(f, y, Math.exp(la), Math.exp(lb)));
  }
  return best;
}

// 7 examples of 3 features (more examples than features) and 4 examples of 6 (fewer): both paths.
const tall = [
  [0.9, 0.1, -0.3],
  [1.2, -0.2, 0.4],
  [0.7, 0.3, 0.1],
  [-0.8, 0.5, 0.2],
  [-1.1, 0.2, -0.5],
  [-0.4, -0.9, 0.3],
  [0.2, -1.3, -0.2],
];
const tallLabels = [0, 0, 0, 1, 1, 2, 2];
const wide = [
  [0.5, -0.2, 1.1, 0.3, -0.7, 0.2],
  [0.8, 0.1, 0.9, -0.2, -0.4, 0.6],
  [-0.6, 0.7, -0.3, 0.4, 0.9, -0.1],
  [-0.9, 0.4, -0.8, 0.1, 0.5, -0.3],
];
const wideLabels = [0, 0, 1, 1];

describe.each([
  ['more examples than features', tall, tallLabels, 3],
  ['fewer examples than features', wide, wideLabels, 2],
])('LogME against the evidence computed from its definition (%s)', (_, f, labels, classes) => {
  const values = Float32Array.from(f.flat());
  const dim = (f[0] as number[]).length;
  const n = f.length;
  const per = logMEPerClass(values, dim, labels, classes);

  it('gives, at its alpha and beta, the evidence of the definition', () => {
    per.forEach((e, c) => {
      const y = labels.map((l) => (l === c ? 1 : 0));
      const ref = referenceEvidence(f, y, e.alpha, e.beta) / n;
      expect(e.evidence).toBeCloseTo(ref, 5);
    });
  });

  it('finds the maximum of the evidence (no grid point beats its fixed point)', () => {
    per.forEach((e, c) => {
      const y = labels.map((l) => (l === c ? 1 : 0));
      const best = referenceMax(f, y) / n;
      expect(e.evidence).toBeGreaterThanOrEqual(best - 1e-4);
      expect(e.evidence - best).toBeLessThan(1e-2);
    });
  });

  it('is the mean over classes', () => {
    const mean = per.reduce((s, e) => s + e.evidence, 0) / classes;
    expect(logME(values, dim, labels, classes)).toBeCloseTo(mean, 10);
  });
});

describe('transferability scores rank features as their separation does', () => {
  /** 3 classes x 12 examples of 20 features, class means `spread` apart, seeded noise. */
  function task(spread: number, seed: number) {
    let s = seed >>> 0;
    const rand = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32 - 0.5;
    };
    const means = [0, 1, 2].map(() => Array.from({ length: 20 }, () => spread * rand() * 2));
    const labels = Array.from({ length: 36 }, (_, i) => i % 3);
    const values = Float32Array.from(labels.flatMap((c) => (means[c] as number[]).map((m) => m + rand())));
    return { values, labels };
  }

  it('scores separated classes above mixed ones', () => {
    const good = task(2, 7);
    const bad = task(0, 7);
    expect(logME(good.values, 20, good.labels, 3)).toBeGreaterThan(logME(bad.values, 20, bad.labels, 3));
    const kGood = knnLooAccuracy(good.values, 20, good.labels);
    const kBad = knnLooAccuracy(bad.values, 20, bad.labels);
    expect(kGood.accuracy).toBeGreaterThan(0.9);
    expect(kBad.accuracy).toBeLessThan(0.6);
    expect(kGood).toMatchObject({ examples: 36, hits: Math.round(kGood.accuracy * 36) });
  });

  it('counts a leave-one-out vote by hand on a tiny case', () => {
    // Two groups pointing opposite ways once centred (mean (0.18, 0)), and one point of the right
    // group labelled as the left one: with k = 1, the four clean points each find their twin, the
    // mislabelled one finds (0.82, 0) of class 0 (cosine 0.9905 against 0.9666 for (0.82, 0.1)).
    const values = Float32Array.from([1, 0, 1, 0.1, -1, 0, -1, -0.1, 0.9, -0.1]);
    const labels = [0, 0, 1, 1, 1];
    expect(knnLooAccuracy(values, 2, labels, 1)).toEqual({ accuracy: 0.8, hits: 4, examples: 5 });
  });
});
