import type { EvaluationMethod, EvaluationWarning } from '../contracts/evaluation.js';
import type { JobSpec } from '../contracts/job-spec.js';
import type { DatasetManifest } from '../datasets/dataset-manifest.js';
import { foldCount } from '../evaluation/index.js';
import type { FieldError } from '../lib/errors.js';
import { augmentActive } from '../ml/index.js';

/**
 * How a job estimates its figures, decided once from the spec and the dataset's manifest (by
 * the API, to answer 400 before queueing, and again by the worker):
 *
 * - `auto` cross-validates a dataset without a split of its own when it is small: fewer than
 *   AUTO_CV_MAX_PER_CLASS examples per class on average (AUTO_CV_MAX_ROWS rows for regression).
 *   A dataset with its own split is evaluated on it (`test-split`); a larger one on a held-out
 *   validation split (`holdout`).
 * - Cross-validation is capped by a cost budget (`evaluation.maxCost`, in fits of the recipe):
 *   past it the job falls back to holdout, and the learning curve is skipped, each with a warning.
 */

/** Below this many examples per class (on average), `auto` cross-validates. */
export const AUTO_CV_MAX_PER_CLASS = 200;
/** Regression: below this many rows, `auto` cross-validates. */
export const AUTO_CV_MAX_ROWS = 1000;
/**
 * The default of `evaluation.maxCost` when the caller gives none (EVALUATION_MAX_COST's default):
 * a 5-fold cross-validation with its refit and learning curve fits.
 */
export const DEFAULT_MAX_COST = 15;
/** Shares of each class's examples that the learning curve cross-validates again (1 is the CV itself). */
export const CURVE_FRACTIONS = [0.25, 0.5, 0.75] as const;

export interface EvaluationChoice {
  method: Exclude<EvaluationMethod, 'train'>;
  /** Folds of the cross-validation (1 otherwise). */
  folds: number;
  learningCurve: boolean;
  /** Whether every run can train on the same frozen-prefix features (see estimatedCost). */
  sharedPrefix: boolean;
  /** What the choice gave up, to be shown with the evaluation. */
  warnings: EvaluationWarning[];
}

/** Class labels of every example, from the manifest's counts (all zero for regression). */
function manifestLabels(manifest: DatasetManifest): number[] {
  if (manifest.task !== 'classification') return new Array<number>(manifest.examples).fill(0);
  return manifest.classes.flatMap((c, i) => new Array<number>(c.count).fill(i));
}

/**
 * Whether the folds, the learning curve and the refit can all train on one pass of a frozen
 * prefix: a frozen base, no fine-tune phase (it unfreezes part of it) and no augmentation (it
 * changes the inputs every epoch); or a sentence encoder, whose embeddings are computed once.
 * Not for tables: each fold standardises its inputs with its own training rows' statistics
 * (src/ml/cross-validate.ts), so no two folds feed a base the same inputs.
 */
export function sharesPrefix(spec: JobSpec, encoder: boolean, kind?: DatasetManifest['kind']): boolean {
  if (encoder) return true;
  if (kind === 'tabular') return false;
  return !!spec.base && spec.freeze !== 'none' && !spec.fineTune && !augmentActive(spec.augment);
}

/**
 * Cost in fits of the recipe over every example. A shared prefix is run once (one fit's
 * worth) and every run then trains only the head on its features, counted as nothing beside
 * it; otherwise every fold and the refit are a fit each, and the learning curve adds its
 * folds at 25%, 50% and 75% of the data.
 */
export function estimatedCost(folds: number, sharedPrefix: boolean, curve: boolean): number {
  if (sharedPrefix) return 1;
  const curveFits = curve ? folds * CURVE_FRACTIONS.reduce((a, f) => a + f, 0) : 0;
  return folds + 1 + curveFits;
}

/** What `method: auto` picks for a dataset (see evaluationSpecSchema). */
export function autoMethod(manifest: DatasetManifest): EvaluationChoice['method'] {
  if (manifest.split.provided) return 'test-split';
  const small =
    manifest.task === 'classification'
      ? manifest.examples / Math.max(1, manifest.classes.length) < AUTO_CV_MAX_PER_CLASS
      : manifest.examples < AUTO_CV_MAX_ROWS;
  return small ? 'cross-validation' : 'holdout';
}

export function chooseEvaluation(
  spec: JobSpec,
  manifest: DatasetManifest,
  encoder: boolean,
  /** The budget when the spec sets none (EVALUATION_MAX_COST). */
  defaultMaxCost: number = DEFAULT_MAX_COST,
): { ok: true; choice: EvaluationChoice } | { ok: false; errors: FieldError[] } {
  const asked = spec.evaluation;
  const method = asked.method === 'auto' ? autoMethod(manifest) : asked.method;
  const sharedPrefix = sharesPrefix(spec, encoder, manifest.kind);
  const base = { folds: 1, learningCurve: false, sharedPrefix, warnings: [] as EvaluationWarning[] };
  if (method === 'test-split' && !manifest.split.provided) {
    return fail(
      'evaluation.method',
      `dataset '${manifest.id}' has no split of its own to test on: use cross-validation or holdout`,
    );
  }
  if (method !== 'cross-validation') return { ok: true, choice: { ...base, method } };

  const classes = manifest.task === 'classification' ? manifest.classes.map((c) => c.name) : [];
  const counted = foldCount(manifestLabels(manifest), classes, asked.folds);
  const smallest = counted.smallestClass;
  const what = classes.length > 0 ? `class '${smallest.name}' has` : 'the dataset has';
  if (counted.folds < 2) {
    return fail(
      'evaluation.folds',
      `cross-validation needs at least 2 examples of every class: ${what} ${smallest.count}; ` +
        `add examples, or use evaluation.method "holdout"`,
    );
  }
  const folds = counted.folds;
  const warnings: EvaluationWarning[] = [];
  if (folds < asked.folds) {
    warnings.push({
      code: 'few-examples-per-fold',
      message: `${folds} folds instead of ${asked.folds}: ${what} only ${smallest.count} examples`,
    });
  }
  const budget = asked.maxCost ?? defaultMaxCost;
  const cvCost = estimatedCost(folds, sharedPrefix, false);
  if (cvCost > budget) {
    warnings.push({
      code: 'cross-validation-skipped',
      message:
        `cross-validation with ${folds} folds would cost about ${cvCost} fits, over the budget of ${budget} ` +
        `(${budgetSource(asked.maxCost)}): the job was evaluated on a held-out validation split instead`,
    });
    return { ok: true, choice: { ...base, method: 'holdout', warnings } };
  }
  const curve = learningCurveChoice(spec, manifest, folds, sharedPrefix, budget);
  if (curve.warning) warnings.push(curve.warning);
  return { ok: true, choice: { method, folds, learningCurve: curve.run, sharedPrefix, warnings } };
}

function learningCurveChoice(
  spec: JobSpec,
  manifest: DatasetManifest,
  folds: number,
  sharedPrefix: boolean,
  budget: number,
): { run: boolean; warning?: EvaluationWarning } {
  if (!spec.evaluation.learningCurve || manifest.task !== 'classification') return { run: false };
  const skipped = (why: string) => ({
    run: false,
    warning: { code: 'learning-curve-skipped' as const, message: `no learning curve: ${why}` },
  });
  if (spec.fineTune) {
    return skipped('a job with a fine-tune phase would train every fold three more times in full');
  }
  const cost = estimatedCost(folds, sharedPrefix, true);
  if (cost > budget) {
    return skipped(
      `with it the evaluation would cost about ${cost} fits, over the budget of ${budget} (${budgetSource(spec.evaluation.maxCost)})`,
    );
  }
  return { run: true };
}

/** Where the budget came from, so the warning says what to change. */
function budgetSource(asked: number | undefined): string {
  return asked === undefined
    ? 'the EVALUATION_MAX_COST setting; evaluation.maxCost overrides it'
    : 'evaluation.maxCost';
}

function fail(path: string, message: string): { ok: false; errors: FieldError[] } {
  return { ok: false, errors: [{ path, message }] };
}
