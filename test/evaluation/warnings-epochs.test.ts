import { describe, expect, it } from 'vitest';
import type { ClassificationEvaluation, RegressionEvaluation } from '../../src/contracts/model-meta.js';
import { evaluationWarnings, refitEpochs, wilsonInterval } from '../../src/evaluation/index.js';

/** A classification evaluation with `correct` of `n` right and the given per-class hits/support. */
function evaluation(
  correct: number,
  n: number,
  classes: Array<[string, number, number]>,
  extra: Partial<ClassificationEvaluation> = {},
): ClassificationEvaluation {
  return {
    task: 'classification',
    loss: 0.5,
    accuracy: correct / n,
    accuracyInterval: wilsonInterval(correct, n),
    confusionMatrix: [],
    perClass: classes.map(([label, hits, support]) => ({
      label,
      precision: 1,
      recall: hits / support,
      f1: 1,
      support,
      recallInterval: wilsonInterval(hits, support),
      precisionInterval: wilsonInterval(hits, hits),
    })),
    method: 'cross-validation',
    folds: 5,
    examples: n,
    ...extra,
  };
}

const codes = (e: ClassificationEvaluation | RegressionEvaluation, validationSize?: number) =>
  evaluationWarnings(e, validationSize === undefined ? {} : { validationSize }).map((w) => w.code);

describe('evaluationWarnings', () => {
  it('says nothing about a narrow, balanced, cross-validated estimate', () => {
    expect(
      codes(
        evaluation(360, 400, [
          ['a', 180, 200],
          ['b', 180, 200],
        ]),
      ),
    ).toEqual([]);
  });

  it('warns when the accuracy interval is wider than 0.2, with the figures in the message', () => {
    const e = evaluation(30, 40, [
      ['a', 15, 20],
      ['b', 15, 20],
    ]);
    const [w] = evaluationWarnings(e, {});
    expect(w?.code).toBe('wide-interval');
    expect(w?.message).toMatch(
      /0\.75 could be anywhere from 0\.\d\d to 0\.\d\d \(95% interval on 40 examples\)/,
    );
  });

  it('warns, naming the class, when a recall interval reaches 0', () => {
    const e = evaluation(180, 200, [
      ['a', 100, 100],
      ['rare', 0, 4],
      ['b', 80, 96],
    ]);
    const found = evaluationWarnings(e, {}).filter((w) => w.code === 'class-recall-may-be-zero');
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toContain("'rare'");
    expect(
      codes(
        evaluation(180, 200, [
          ['a', 100, 100],
          ['rare', 1, 4],
          ['b', 79, 96],
        ]),
      ),
    ).not.toContain('class-recall-may-be-zero');
  });

  it('warns about a holdout or test split under 30 examples, not about cross-validation', () => {
    const big = [
      ['a', 9, 10],
      ['b', 9, 10],
    ] as Array<[string, number, number]>;
    expect(codes(evaluation(18, 20, big, { method: 'holdout', folds: 1 }))).toContain('small-validation-set');
    expect(codes(evaluation(18, 20, big, { method: 'test-split', folds: 1 }))).toContain(
      'small-validation-set',
    );
    expect(codes(evaluation(18, 20, big, { method: 'holdout', folds: 1 }), 40)).not.toContain(
      'small-validation-set',
    );
    expect(codes(evaluation(18, 20, big))).not.toContain('small-validation-set');
    const regression: RegressionEvaluation = {
      task: 'regression',
      loss: 1,
      mae: 1,
      rmse: 1,
      examples: 12,
      method: 'holdout',
    };
    expect(codes(regression)).toEqual(['small-validation-set']);
  });

  it('warns about overfitting when train accuracy exceeds the estimate by more than its interval is wide', () => {
    const classes = [
      ['a', 170, 200],
      ['b', 170, 200],
    ] as Array<[string, number, number]>;
    // 0.85 (0.81 to 0.88): a gap of 0.15 is wider than the interval, 0.05 is not.
    expect(codes(evaluation(340, 400, classes, { trainAccuracy: 1 }))).toEqual(['overfitting']);
    expect(codes(evaluation(340, 400, classes, { trainAccuracy: 0.9 }))).toEqual([]);
  });
});

describe('refitEpochs', () => {
  it('takes the median of the folds best epochs, rounded, at least 1', () => {
    expect(refitEpochs([4, 9, 5, 6, 30], 10)).toBe(6);
    expect(refitEpochs([4, 5], 10)).toBe(5);
    expect(refitEpochs([0.2, 0.4, 0.1], 10)).toBe(1);
  });

  it('falls back when no fold reports a usable epoch', () => {
    expect(refitEpochs([], 12)).toBe(12);
    expect(refitEpochs([NaN, 0, -1], 7)).toBe(7);
    expect(refitEpochs([], 0)).toBe(1);
  });
});
