import { describe, expect, it } from 'vitest';
import { classThresholds, findLabelIssues } from '../../src/audits/scoring/confident-learning.js';
import { classAudits, datasetFindings } from '../../src/audits/scoring/dataset-level.js';
import { findDuplicates } from '../../src/audits/scoring/duplicates.js';
import { rescoreNeighbours, selfCentredUnitRows, shingleJaccard } from '../../src/audits/scoring/features.js';
import { findOutliers } from '../../src/audits/scoring/outliers.js';
import { seededRandom } from '../helpers/seeded-random.js';

/** The audit's pure scoring on simulations where the truth is known. */
describe('confident learning', () => {
  /** Probabilities of a decent model (the true class gets most of the mass), labels 10% flipped. */
  function simulate(n: number, classes: number, flipRate: number, seed: number) {
    const rnd = seededRandom(seed);
    const truth: number[] = [];
    const given: number[] = [];
    const probs = new Float32Array(n * classes);
    for (let i = 0; i < n; i++) {
      const t = i % classes;
      truth.push(t);
      const raw = Array.from({ length: classes }, (_, j) => (j === t ? 2.5 + rnd() * 2 : rnd() * 1.5));
      const z = raw.reduce((s, v) => s + Math.exp(v), 0);
      raw.forEach((v, j) => (probs[i * classes + j] = Math.exp(v) / z));
      given.push(rnd() < flipRate ? (t + 1 + Math.floor(rnd() * (classes - 1))) % classes : t);
    }
    return { truth, given, probs };
  }

  it('finds flipped labels with their true class, and flags nothing when no label is wrong', () => {
    const { truth, given, probs } = simulate(600, 4, 0.1, 7);
    const issues = findLabelIssues(probs, given, 4);
    const flipped = new Set(given.map((g, i) => (g !== truth[i] ? i : -1)).filter((i) => i >= 0));
    const hits = issues.filter((x) => flipped.has(x.index));
    expect(flipped.size).toBeGreaterThan(40);
    expect(hits.length / flipped.size).toBeGreaterThanOrEqual(0.75);
    expect(hits.length / issues.length).toBeGreaterThanOrEqual(0.9);
    for (const h of hits) expect(h.suggested).toBe(truth[h.index]);
    // Most certain first.
    for (let i = 1; i < issues.length; i++)
      expect(issues[i]!.score).toBeLessThanOrEqual(issues[i - 1]!.score);
    const clean = simulate(600, 4, 0, 8);
    expect(findLabelIssues(clean.probs, clean.given, 4)).toEqual([]);
  });

  it('sets each class threshold to its mean self-confidence', () => {
    const probs = Float32Array.from([0.9, 0.1, 0.7, 0.3, 0.2, 0.8]);
    expect(classThresholds(probs, [0, 0, 1], 2).map((t) => Number(t.toFixed(4)))).toEqual([0.8, 0.8]);
  });
});

describe('duplicates and leaks', () => {
  const none = { index: new Int32Array(0), similarity: new Float32Array(0), k: 0 };
  it('pairs same hashes, keeps the training copy as the original, and flags conflicts and leaks', () => {
    const pairs = findDuplicates({
      hashes: ['a', 'b', 'a', 'c', 'b'],
      labels: [0, 1, 1, 0, 1],
      splits: ['validation', 'train', 'train', 'train', 'train'],
      neighbours: none,
      threshold: 0.99,
    });
    expect(pairs).toEqual([
      { original: 2, copy: 0, similarity: 1, exact: true, conflict: true, leak: true },
      { original: 1, copy: 4, similarity: 1, exact: true, conflict: false, leak: false },
    ]);
  });

  it('takes near pairs from the neighbours above the threshold only', () => {
    const neighbours = {
      index: Int32Array.from([1, 2, 0, 2, 0, 1]),
      similarity: Float32Array.from([0.995, 0.5, 0.995, 0.4, 0.5, 0.4]),
      k: 2,
    };
    const pairs = findDuplicates({
      hashes: ['x', 'y', 'z'],
      labels: [0, 0, 1],
      splits: ['train', 'train', 'train'],
      neighbours,
      threshold: 0.99,
    });
    expect(pairs).toHaveLength(1);
    expect(pairs[0]).toMatchObject({ original: 0, copy: 1, exact: false, conflict: false, leak: false });
  });

  it('rescores candidates on finer rows and on shared word pairs', () => {
    const fine = selfCentredUnitRows(Float32Array.from([1, 2, 3, 4, 2, 4, 6, 8.1, 4, 3, 2, 1]), 4);
    const candidates = {
      index: Int32Array.from([1, 2, 0, 2, 0, 1]),
      similarity: new Float32Array(6).fill(1),
      k: 2,
    };
    const got = rescoreNeighbours(candidates, 0.9, (i, j) => {
      let s = 0;
      for (let d = 0; d < 4; d++) s += fine[i * 4 + d]! * fine[j * 4 + d]!;
      return s;
    });
    expect(got.index[0]).toBe(1);
    expect(got.similarity[0]).toBeGreaterThan(0.99);
    expect(got.similarity[1]).toBeLessThan(0);
    const jaccard = shingleJaccard([
      ['win', 'a', 'free', 'cruise', 'now'],
      ['fwd', 'win', 'a', 'free', 'cruise', 'now'],
      ['meeting', 'moved', 'to', 'friday'],
    ]);
    expect(jaccard(0, 1)).toBeCloseTo(0.8, 5);
    expect(jaccard(0, 2)).toBe(0);
  });
});

describe('outliers and dataset checks', () => {
  it('flags distances far above the median by a robust z-score, and only those', () => {
    const rnd = seededRandom(3);
    const d = Array.from({ length: 200 }, () => 0.8 + rnd() * 0.1);
    d[17] = 1.4;
    d[90] = 1.3;
    const { outliers } = findOutliers(d);
    expect(outliers.map((o) => o.index)).toEqual([17, 90]);
  });

  it('reports recall per class with its interval, imbalance and small images', () => {
    const classes = classAudits(['a', 'b'], [0, 0, 0, 0, 0, 0, 1, 1], [0, 0, 0, 0, 0, 1, 0, 0]);
    expect(classes[1]).toMatchObject({ name: 'b', examples: 2, recall: 0, inseparable: true });
    expect(classes[0]!.recallInterval.low).toBeLessThan(classes[0]!.recall);
    const found = datasetFindings(classes, {
      ids: ['ex_a', 'ex_b'],
      widths: [28, 300],
      heights: [28, 300],
      input: [224, 224],
    });
    expect(found.map((f) => f.kind).sort()).toEqual([
      'few-examples',
      'imbalance',
      'inseparable',
      'too-small',
    ]);
    expect(found.find((f) => f.kind === 'too-small')!.items).toEqual(['ex_a']);
  });
});
