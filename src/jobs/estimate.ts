import type { EvaluationMethod, OutOfFoldFile } from '../contracts/evaluation.js';
import type { Evaluation } from '../contracts/model-meta.js';
import { classificationEstimate, evaluationWarnings, regressionEstimate } from '../evaluation/index.js';

/**
 * The evaluation stored with a model, from its out-of-fold predictions (src/evaluation/ does
 * the statistics): figures, 95% intervals, and the warnings a user can act on.
 */
export function estimate(
  oof: OutOfFoldFile,
  o: {
    method: EvaluationMethod;
    folds: number;
    seed: number;
    trainAccuracy?: number;
    validationSize?: number;
  },
): Evaluation {
  const ev: Evaluation =
    oof.task === 'classification'
      ? classificationEstimate(oof.predictions, oof.classes, {
          method: o.method,
          folds: o.folds,
          seed: o.seed,
          ...(o.trainAccuracy !== undefined ? { trainAccuracy: o.trainAccuracy } : {}),
        })
      : regressionEstimate(oof.predictions, { method: o.method, folds: o.folds, seed: o.seed });
  const more = evaluationWarnings(
    ev,
    o.method === 'holdout' && o.validationSize !== undefined ? { validationSize: o.validationSize } : {},
  );
  const seen = new Set((ev.warnings ?? []).map((w) => w.message));
  ev.warnings = [...(ev.warnings ?? []), ...more.filter((w) => !seen.has(w.message))];
  return ev;
}
