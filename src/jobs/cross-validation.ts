import type { LearningCurvePoint } from '../contracts/evaluation.js';
import type { ClassificationEvaluation } from '../contracts/model-meta.js';
import {
  foldCount,
  forecastFromCurve,
  refitEpochs,
  stratifiedFolds,
  stratifiedSubset,
} from '../evaluation/index.js';
import {
  refit,
  runFolds,
  sharedFeaturesFor,
  type CrossValidationPlan,
  type FoldOutcome,
} from '../ml/index.js';
import { estimate } from './estimate.js';
import { CURVE_FRACTIONS } from './evaluation-choice.js';
import { outOfFoldFile, toPredictions } from './out-of-fold.js';
import { noveltyAgainst, referenceSample } from './score-rules.js';
import {
  addScoreRules,
  finalReference,
  type TrainedJob,
  warmStartWarnings,
  withWarnings,
} from './trained-job.js';
import type { TrainingPlan } from './training-plan.js';

/**
 * A cross-validated job: k stratified folds of the job's own recipe give the out-of-fold
 * predictions the evaluation rests on; the learning curve repeats them on 25%, 50% and 75% of
 * each class; then the returned model is refit on every example for the folds' median number
 * of epochs. Every run shares the frozen prefix's features (src/ml/shared-features.ts).
 */
export async function crossValidatedJob(plan: TrainingPlan): Promise<TrainedJob> {
  const { data, evaluation: choice, spec } = plan;
  const seed = spec.seed ?? 0;
  // Regression folds are plain k-fold: every example in one stratum.
  const strata = data.task === 'classification' ? [...data.train.labels] : data.train.labels.map(() => 0);
  const cv = crossValidationPlan(plan);
  delete plan.base;
  try {
    const heldOut = foldLists(stratifiedFolds(strata, choice.folds, seed), choice.folds);
    const outcomes = await runFolds(cv, { heldOut, stage: 'fold' });
    const curve = choice.learningCurve
      ? await learningCurve(cv, data.train.keys, strata, seed, choice.folds)
      : undefined;
    const r = await refit(cv, refitEpochsFrom(outcomes, plan), plan.warmStart);
    try {
      return cvTrainedJob(plan, outcomes, curve, r);
    } catch (err) {
      r.model.dispose();
      throw err;
    }
  } finally {
    cv.base?.dispose();
  }
}

type Refit = Awaited<ReturnType<typeof refit>>;

/** What every fold, curve point and the refit train from: the plan's spec, data, base and limits. */
function crossValidationPlan(plan: TrainingPlan): CrossValidationPlan {
  const { data, spec } = plan;
  return {
    spec,
    data,
    shared: sharedFeaturesFor(data),
    ...(plan.base ? { base: plan.base } : {}),
    ...(plan.pixelRange ? { pixelRange: plan.pixelRange } : {}),
    ...(plan.memoryBudgetBytes ? { memoryBudgetBytes: plan.memoryBudgetBytes } : {}),
    ...(plan.signal ? { signal: plan.signal } : {}),
    onProgress: plan.onProgress,
  };
}

/** The refit's epochs: the folds' median best epochs, for training and any fine-tuning. */
function refitEpochsFrom(outcomes: FoldOutcome[], plan: TrainingPlan): { train: number; fineTune?: number } {
  const { spec } = plan;
  return {
    train: refitEpochs(
      outcomes.map((o) => o.bestEpochs.train),
      spec.fit.epochs,
    ),
    ...(spec.fineTune
      ? {
          fineTune: refitEpochs(
            outcomes.map((o) => o.bestEpochs.fineTune ?? spec.fineTune?.epochs ?? 1),
            spec.fineTune.epochs,
          ),
        }
      : {}),
  };
}

/** The refit model with the evaluation of the out-of-fold predictions, its curve, rules and log. */
function cvTrainedJob(
  plan: TrainingPlan,
  outcomes: FoldOutcome[],
  curve: Curve | undefined,
  r: Refit,
): TrainedJob {
  const { data, evaluation: choice, spec } = plan;
  const seed = spec.seed ?? 0;
  const oof = outOfFoldFile(
    { method: 'cross-validation', folds: choice.folds, classes: data.classes, task: data.task },
    outcomes.map((o) => {
      const reference = o.reference ? referenceSample(o.reference, seed) : undefined;
      const novelty = noveltyAgainst(o.outputs, reference);
      return toPredictions(data.task, data.train.keys, o.heldOut, o.outputs, o.fold, novelty);
    }),
  );
  const trainAccuracy = r.evaluation.task === 'classification' ? r.evaluation.accuracy : undefined;
  const ev = estimate(oof, {
    method: 'cross-validation',
    folds: choice.folds,
    seed,
    ...(trainAccuracy !== undefined ? { trainAccuracy } : {}),
  });
  if (curve && ev.task === 'classification') addCurve(ev, curve);
  const files = addScoreRules(ev, oof, finalReference(r.reference, seed), spec.evaluation.acceptRate, seed);
  return {
    model: r.model,
    history: r.history,
    evaluation: withWarnings(ev, [
      ...choice.warnings,
      ...(curve?.warnings ?? []),
      ...warmStartWarnings(plan, r.warmStart),
    ]),
    oof,
    files,
    log: {
      cached: r.cached,
      microBatches: r.memory.map((m) => m.microBatch),
      warnings: [...new Set([...outcomes.flatMap((o) => o.warnings), ...r.warnings])],
      folds: choice.folds,
    },
  };
}

/** Held-out example lists per fold, from a fold number per example. */
function foldLists(foldOf: readonly number[], folds: number): number[][] {
  const lists = Array.from({ length: folds }, () => [] as number[]);
  foldOf.forEach((f, i) => lists[f]?.push(i));
  return lists;
}

interface Curve {
  points: LearningCurvePoint[];
  warnings: ClassificationEvaluation['warnings'] & object;
}

/** Cross-validation again on stratified shares of each class (the 100% point is the job's own). */
async function learningCurve(
  cv: CrossValidationPlan,
  keys: readonly string[],
  strata: number[],
  seed: number,
  folds: number,
): Promise<Curve> {
  const points: LearningCurvePoint[] = [];
  const warnings: Curve['warnings'] = [];
  const classes = cv.data.classes;
  for (const fraction of CURVE_FRACTIONS) {
    const examples = stratifiedSubset(strata, fraction, seed);
    const labels = examples.map((i) => strata[i] as number);
    const k = foldCount(labels, classes, folds).folds;
    if (k < 2) {
      warnings.push({
        code: 'learning-curve-skipped',
        message: `no learning-curve point at ${fraction * 100}% of the examples: too few per class for folds`,
      });
      continue;
    }
    const heldOut = foldLists(stratifiedFolds(labels, k, seed), k).map((l) =>
      l.map((j) => examples[j] as number),
    );
    const outcomes = await runFolds(cv, { examples, heldOut, stage: 'learning-curve', fraction });
    points.push(curvePoint(cv, keys, outcomes, fraction, examples.length, k, seed));
  }
  return { points, warnings };
}

function curvePoint(
  cv: CrossValidationPlan,
  keys: readonly string[],
  outcomes: FoldOutcome[],
  fraction: number,
  examples: number,
  k: number,
  seed: number,
): LearningCurvePoint {
  const { data } = cv;
  const oof = outOfFoldFile(
    { method: 'cross-validation', folds: k, classes: data.classes, task: data.task },
    outcomes.map((o) => toPredictions(data.task, keys, o.heldOut, o.outputs, o.fold)),
  );
  const ev = estimate(oof, { method: 'cross-validation', folds: k, seed });
  const acc = ev.task === 'classification' ? ev : undefined;
  return {
    examplesPerClass: ((examples / Math.max(1, data.classes.length)) * (k - 1)) / k,
    fraction,
    accuracy: acc?.accuracy ?? NaN,
    low: acc?.accuracyInterval?.low ?? NaN,
    high: acc?.accuracyInterval?.high ?? NaN,
    examples: oof.predictions.length,
  };
}

/** The job's own CV as the 100% point, then the forecast from the whole curve. */
function addCurve(ev: ClassificationEvaluation, curve: Curve): void {
  const folds = ev.folds ?? 1;
  const full: LearningCurvePoint = {
    examplesPerClass: ((ev.examples / Math.max(1, ev.perClass.length)) * (folds - 1)) / folds,
    fraction: 1,
    accuracy: ev.accuracy,
    low: ev.accuracyInterval?.low ?? NaN,
    high: ev.accuracyInterval?.high ?? NaN,
    examples: ev.examples,
  };
  ev.learningCurve = [...curve.points, full];
  ev.forecast = forecastFromCurve(ev.learningCurve);
}
