import { describe, expect, it } from 'vitest';
import type { OutOfFoldPrediction } from '../../src/contracts/evaluation.js';
import { classificationEstimate, wilsonInterval } from '../../src/evaluation/index.js';

const classes = ['cat', 'dog', 'owl'];

/** [label, predicted, probability given to the label] rows, probabilities spread over the others. */
function oof(rows: Array<[number, number, number]>): OutOfFoldPrediction[] {
  return rows.map(([label, predicted, pTrue], i) => {
    const probabilities = [0, 0, 0];
    probabilities[label] = pTrue;
    const rest = 1 - pTrue;
    if (predicted !== label) probabilities[predicted] = rest;
    else probabilities[(label + 1) % 3] = rest;
    return { exampleId: `e${i}`, fold: i % 2, label, probabilities };
  });
}

// 10 examples: cat 4 (3 right, 1 called dog), dog 4 (2 right, 1 cat, 1 owl), owl 2 (2 right).
const rows: Array<[number, number, number]> = [
  [0, 0, 0.9],
  [0, 0, 0.8],
  [0, 0, 0.7],
  [0, 1, 0.2],
  [1, 1, 0.6],
  [1, 1, 0.9],
  [1, 0, 0.1],
  [1, 2, 0.3],
  [2, 2, 0.55],
  [2, 2, 0.99],
];

describe('classificationEstimate', () => {
  const e = classificationEstimate(oof(rows), classes, { method: 'cross-validation', folds: 2, seed: 1 });

  it('counts accuracy, the confusion matrix and per-class figures from the predictions', () => {
    expect(e.accuracy).toBeCloseTo(0.7, 12);
    expect(e.examples).toBe(10);
    expect(e.confusionMatrix).toEqual([
      [3, 1, 0],
      [1, 2, 1],
      [0, 0, 2],
    ]);
    expect(e.perClass.map((c) => [c.label, c.support, c.precision, c.recall])).toEqual([
      ['cat', 4, 3 / 4, 3 / 4],
      ['dog', 4, 2 / 3, 2 / 4],
      ['owl', 2, 2 / 3, 1],
    ]);
    expect(e.perClass[1]!.f1).toBeCloseTo((2 * (2 / 3) * 0.5) / (2 / 3 + 0.5), 12);
    expect(e.macroF1).toBeCloseTo((0.75 + 4 / 7 + 0.8) / 3, 12);
    expect(e).toMatchObject({ method: 'cross-validation', folds: 2, task: 'classification' });
  });

  it('puts a Wilson interval on accuracy, recall (over support) and precision (over predictions)', () => {
    expect(e.accuracyInterval).toEqual(wilsonInterval(7, 10));
    expect(e.perClass[1]!.recallInterval).toEqual(wilsonInterval(2, 4));
    expect(e.perClass[1]!.precisionInterval).toEqual(wilsonInterval(2, 3));
    expect(e.perClass[2]!.recallInterval).toEqual(wilsonInterval(2, 2));
  });

  it('puts a bootstrap interval around macro-F1, deterministic for a seed', () => {
    const iv = e.macroF1Interval!;
    expect(iv.method).toBe('bootstrap');
    expect(iv.low).toBeLessThan(e.macroF1!);
    expect(iv.high).toBeGreaterThan(e.macroF1!);
    expect(iv.low).toBeGreaterThanOrEqual(0);
    expect(iv.high).toBeLessThanOrEqual(1);
    const again = classificationEstimate(oof(rows), classes, {
      method: 'cross-validation',
      folds: 2,
      seed: 1,
    });
    expect(again.macroF1Interval).toEqual(iv);
  });

  it('takes the loss as the mean cross-entropy of the true class, clipping zeros', () => {
    const expected = -rows.reduce((a, [, , p]) => a + Math.log(p), 0) / rows.length;
    expect(e.loss).toBeCloseTo(expected, 12);
    const zero = classificationEstimate(oof([[0, 1, 0]]), classes, { method: 'holdout', folds: 1 });
    expect(zero.loss).toBeCloseTo(-Math.log(1e-7), 6);
  });

  it('takes the argmax when no predicted class is given, and honours one that is', () => {
    const given = oof(rows).map((p, i) => ({ ...p, predicted: rows[i]![1], probabilities: undefined }));
    const byClass = classificationEstimate(given, classes, { method: 'holdout', folds: 1 });
    expect(byClass.confusionMatrix).toEqual(e.confusionMatrix);
    expect(Number.isNaN(byClass.loss)).toBe(true);
  });

  it('honours the level and carries the warnings (here: an interval far wider than 0.2)', () => {
    const e90 = classificationEstimate(oof(rows), classes, {
      method: 'cross-validation',
      folds: 2,
      level: 0.9,
    });
    expect(e90.accuracyInterval).toEqual(wilsonInterval(7, 10, 0.9));
    expect(e90.macroF1Interval!.level).toBe(0.9);
    expect(e.warnings!.map((w) => w.code)).toContain('wide-interval');
  });

  it('refuses predictions without a usable label or prediction, and an empty list', () => {
    expect(() =>
      classificationEstimate([{ exampleId: 'x', fold: 0, predicted: 1 }], classes, {
        method: 'holdout',
        folds: 1,
      }),
    ).toThrow(/predictions\[0\]\.label/);
    expect(() =>
      classificationEstimate([{ exampleId: 'x', fold: 0, label: 1, predicted: 5 }], classes, {
        method: 'holdout',
        folds: 1,
      }),
    ).toThrow(/predictions\[0\]\.predicted/);
    expect(() =>
      classificationEstimate([{ exampleId: 'x', fold: 0, label: 1 }], classes, {
        method: 'holdout',
        folds: 1,
      }),
    ).toThrow(/neither/);
    expect(() => classificationEstimate([], classes, { method: 'holdout', folds: 1 })).toThrow(RangeError);
  });
});
