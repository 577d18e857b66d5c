import { describe, expect, it } from 'vitest';
import { foldCount, stratifiedFolds, stratifiedSubset } from '../../src/evaluation/index.js';

/** Labels with `counts[c]` examples of class c, interleaved as a dataset might store them. */
function labelsOf(counts: number[]): number[] {
  const out: number[] = [];
  const left = [...counts];
  while (left.some((n) => n > 0)) {
    left.forEach((n, c) => {
      if (n > 0) {
        out.push(c);
        left[c] = n - 1;
      }
    });
  }
  return out;
}

const tally = (values: readonly number[], size: number) => {
  const t = new Array<number>(size).fill(0);
  for (const v of values) t[v] = (t[v] ?? 0) + 1;
  return t;
};

describe('stratifiedFolds', () => {
  it('spreads every class over the folds as evenly as possible, and the fold sizes too', () => {
    for (const [counts, k] of [
      [[8, 8, 8, 8, 8, 8], 5],
      [[3, 17, 9, 50], 3],
      [[2, 2, 7], 2],
      [[11, 13, 5, 6, 40], 5],
      [[4, 9], 10],
    ] as Array<[number[], number]>) {
      const labels = labelsOf(counts);
      const folds = stratifiedFolds(labels, k, 7);
      expect(folds).toHaveLength(labels.length);
      expect(folds.every((f) => Number.isInteger(f) && f >= 0 && f < k)).toBe(true);
      counts.forEach((n, c) => {
        const perFold = tally(
          folds.filter((_, i) => labels[i] === c),
          k,
        );
        expect(Math.max(...perFold) - Math.min(...perFold)).toBeLessThanOrEqual(1);
        expect(perFold.reduce((a, b) => a + b, 0)).toBe(n);
      });
      const sizes = tally(folds, k);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('is deterministic for a seed and shuffles differently for another', () => {
    const labels = labelsOf([8, 8, 8, 8, 8, 8]);
    expect(stratifiedFolds(labels, 5, 42)).toEqual(stratifiedFolds(labels, 5, 42));
    expect(stratifiedFolds(labels, 5, 42)).not.toEqual(stratifiedFolds(labels, 5, 43));
  });

  it('refuses fewer than two folds and labels that are not class indices', () => {
    expect(() => stratifiedFolds([0, 1, 0, 1], 1, 0)).toThrow(RangeError);
    expect(() => stratifiedFolds([0, 1, 0, 1], 2.5, 0)).toThrow(RangeError);
    expect(() => stratifiedFolds([0, -1], 2, 0)).toThrow(/labels\[1\]/);
  });
});

describe('foldCount', () => {
  const classes = ['cat', 'dog', 'owl'];

  it('uses the requested folds (5 by default) when every class has enough examples', () => {
    expect(foldCount(labelsOf([8, 8, 8]), classes)).toEqual({
      folds: 5,
      smallestClass: { name: 'cat', count: 8 },
    });
    expect(foldCount(labelsOf([8, 12, 9]), classes, 10)).toEqual({
      folds: 8,
      smallestClass: { name: 'cat', count: 8 },
    });
  });

  it('uses fewer folds when the smallest class has fewer examples, naming it', () => {
    expect(foldCount(labelsOf([8, 3, 9]), classes)).toEqual({
      folds: 3,
      smallestClass: { name: 'dog', count: 3 },
    });
  });

  it('names the class with one example (or none) when no two folds can be formed', () => {
    expect(foldCount(labelsOf([8, 6, 1]), classes)).toEqual({
      folds: 1,
      smallestClass: { name: 'owl', count: 1 },
    });
    expect(foldCount(labelsOf([8, 0, 4]), classes)).toEqual({
      folds: 0,
      smallestClass: { name: 'dog', count: 0 },
    });
  });

  it('treats a task without classes as one group, and refuses labels outside the classes', () => {
    expect(foldCount([0, 0, 0], [])).toEqual({ folds: 3, smallestClass: { name: '', count: 3 } });
    expect(() => foldCount([0, 3], classes)).toThrow(/labels\[1\]/);
    expect(() => foldCount([0, 1], classes, 1)).toThrow(RangeError);
  });
});

describe('stratifiedSubset', () => {
  it('keeps about the fraction of every class, at least two where a class has two, in ascending order', () => {
    const counts = [8, 20, 2, 50];
    const labels = labelsOf(counts);
    for (const fraction of [0.25, 0.5, 0.75, 1]) {
      const subset = stratifiedSubset(labels, fraction, 3);
      expect([...subset].sort((a, b) => a - b)).toEqual(subset);
      expect(new Set(subset).size).toBe(subset.length);
      const kept = tally(
        subset.map((i) => labels[i] as number),
        counts.length,
      );
      counts.forEach((n, c) => expect(kept[c]).toBe(Math.min(n, Math.max(2, Math.round(n * fraction)))));
    }
    expect(stratifiedSubset(labels, 1, 3)).toEqual(labels.map((_, i) => i));
  });

  it('is deterministic for a seed, and nested: a smaller fraction keeps part of a larger one', () => {
    const labels = labelsOf([16, 16, 16]);
    expect(stratifiedSubset(labels, 0.5, 9)).toEqual(stratifiedSubset(labels, 0.5, 9));
    expect(stratifiedSubset(labels, 0.5, 9)).not.toEqual(stratifiedSubset(labels, 0.5, 10));
    const quarter = stratifiedSubset(labels, 0.25, 9);
    const half = new Set(stratifiedSubset(labels, 0.5, 9));
    expect(quarter.every((i) => half.has(i))).toBe(true);
  });

  it('refuses a fraction outside (0, 1]', () => {
    expect(() => stratifiedSubset([0, 1], 0, 1)).toThrow(RangeError);
    expect(() => stratifiedSubset([0, 1], 1.5, 1)).toThrow(RangeError);
  });
});
