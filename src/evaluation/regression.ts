import type { EvaluationMethod, OutOfFoldPrediction } from '../contracts/evaluation.js';
import type { RegressionEvaluation } from '../contracts/model-meta.js';
import { DEFAULT_LEVEL, stratifiedBootstrap } from './intervals.js';
import { evaluationWarnings } from './warnings.js';

/**
 * The evaluation stored with a regressor, from out-of-fold (or held-out) predictions: MAE and RMSE
 * with bootstrap intervals (one stratum: a regression has no classes to keep the counts of), and
 * the loss as the mean squared error.
 */

export interface RegressionEstimateOptions {
  method: EvaluationMethod;
  folds: number;
  level?: number;
  seed?: number;
  resamples?: number;
}

export function regressionEstimate(
  predictions: readonly OutOfFoldPrediction[],
  opts: RegressionEstimateOptions,
): RegressionEvaluation {
  const level = opts.level ?? DEFAULT_LEVEL;
  const errors = predictions.map((p, i) => {
    if (!Number.isFinite(p.target) || !Number.isFinite(p.value)) {
      throw new RangeError(
        `predictions[${i}] needs a finite target and value, got ${p.target} and ${p.value}`,
      );
    }
    return (p.value as number) - (p.target as number);
  });
  const n = errors.length;
  if (n === 0) throw new RangeError('regressionEstimate needs at least one prediction');
  const mae = (idx: readonly number[]) =>
    idx.reduce((a, i) => a + Math.abs(errors[i] as number), 0) / idx.length;
  const mse = (idx: readonly number[]) =>
    idx.reduce((a, i) => a + (errors[i] as number) ** 2, 0) / idx.length;
  const all = errors.map((_, i) => i);
  const boot = {
    level,
    seed: opts.seed ?? 0,
    ...(opts.resamples !== undefined && { resamples: opts.resamples }),
  };
  const strata = new Array<number>(n).fill(0);
  const evaluation: RegressionEvaluation = {
    task: 'regression',
    loss: mse(all),
    mae: mae(all),
    rmse: Math.sqrt(mse(all)),
    maeInterval: stratifiedBootstrap(strata, mae, boot),
    rmseInterval: stratifiedBootstrap(strata, (idx) => Math.sqrt(mse(idx)), boot),
    method: opts.method,
    folds: opts.folds,
    examples: n,
    warnings: [],
  };
  evaluation.warnings = evaluationWarnings(evaluation, {});
  return evaluation;
}
