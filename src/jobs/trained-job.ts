import type { EvaluationWarning, OutOfFoldFile } from '../contracts/evaluation.js';
import {
  train,
  type WarmStartReport,
  type ExampleOutputs,
  type LayersModel,
  type TrainResult,
} from '../ml/index.js';
import type { Evaluation } from '../contracts/model-meta.js';
import { DEFAULT_ACCEPT_RATE } from '../evaluation/index.js';
import { estimate } from './estimate.js';
import { outOfFoldFile, toPredictions } from './out-of-fold.js';
import {
  NOVELTY_BIN,
  calibrationOf,
  noveltyAgainst,
  referenceBytes,
  referenceSample,
  unknownRule,
  type Reference,
} from './score-rules.js';
import type { TrainingPlan } from './training-plan.js';

/** What a job hands to the registry: the returned model, its evaluation and out-of-fold predictions. */
export interface TrainedJob {
  model: LayersModel;
  history: TrainResult['history'];
  evaluation: Evaluation;
  oof: OutOfFoldFile;
  /** Files stored beside the model (the novelty reference). */
  files: Record<string, Uint8Array>;
  /** For the job's log line. */
  log: { cached: boolean; microBatches: number[]; warnings: string[]; folds: number };
}

/** The evaluation's warnings, then those of the choice that led to it (each code once per message). */
export function withWarnings(ev: Evaluation, extra: EvaluationWarning[]): Evaluation {
  const all = [...(ev.warnings ?? []), ...extra];
  const seen = new Set<string>();
  ev.warnings = all.filter((w) => !seen.has(w.message) && seen.add(w.message));
  return ev;
}

/**
 * Holdout and test-split jobs: one fit, as before cross-validation existed, evaluated on the
 * validation split (holdout) or the dataset's own test split (test-split; its validation
 * folder when it has no test folder), with intervals, and that set's predictions kept.
 */
export async function singleFitJob(plan: TrainingPlan): Promise<TrainedJob> {
  const { data, evaluation: choice } = plan;
  const onTest = choice.method === 'test-split' && data.test !== undefined;
  const evaluated = onTest ? data.test : (data.validation ?? data.train);
  const base = plan.base;
  delete plan.base;
  const r = await train({
    spec: plan.spec,
    data,
    ...(base ? { base } : {}),
    onProgress: plan.onProgress,
    ...(plan.signal ? { signal: plan.signal } : {}),
    ...(plan.pixelRange ? { pixelRange: plan.pixelRange } : {}),
    ...(plan.memoryBudgetBytes ? { memoryBudgetBytes: plan.memoryBudgetBytes } : {}),
    ...(onTest && data.test ? { evaluateOn: data.test } : {}),
    ...(plan.warmStart ? { warmStart: plan.warmStart } : {}),
    collectOutputs: true,
    referenceFeatures: data.task === 'classification',
  });
  try {
    const method = onTest || data.validation ? choice.method : 'train';
    const source = evaluated ?? data.train;
    const rows = source.keys.map((_, i) => i);
    const seed = plan.spec.seed ?? 0;
    const outputs = r.outputs as NonNullable<TrainResult['outputs']>;
    // Predictions on the examples the model trained on say nothing of new ones: no rules then.
    const reference = method === 'train' || !r.reference ? undefined : referenceSample(r.reference, seed);
    const novelty = noveltyAgainst(outputs, reference);
    const predictions = toPredictions(data.task, source.keys, rows, outputs, 0, novelty);
    const oof = outOfFoldFile({ method, folds: 1, classes: data.classes, task: data.task }, [predictions]);
    const ev = estimate(oof, { method, folds: 1, seed, validationSize: source.size });
    const files =
      method === 'train' ? {} : addScoreRules(ev, oof, reference, plan.spec.evaluation.acceptRate, seed);
    return {
      model: r.model,
      history: r.history,
      evaluation: withWarnings(ev, [...choice.warnings, ...warmStartWarnings(plan, r.warmStart)]),
      oof,
      files,
      log: {
        cached: r.cached,
        microBatches: r.memory.map((m) => m.microBatch),
        warnings: r.warnings,
        folds: 1,
      },
    };
  } catch (err) {
    r.model.dispose();
    throw err;
  }
}

/**
 * Adds the calibration and the "unknown" rule to a classifier's evaluation, from its
 * out-of-fold predictions; returns the files they need beside the model.
 */
export function addScoreRules(
  ev: Evaluation,
  oof: OutOfFoldFile,
  reference: Reference | undefined,
  acceptRate: number | undefined,
  seed: number,
): Record<string, Uint8Array> {
  if (ev.task !== 'classification') return {};
  const calibration = calibrationOf(oof, seed);
  if (calibration) ev.calibration = calibration;
  // A job queued before the spec had evaluation.acceptRate carries none: the default then.
  const rule = unknownRule(oof, reference, acceptRate ?? DEFAULT_ACCEPT_RATE);
  if (!rule || !reference) return {};
  ev.unknown = rule;
  return { [NOVELTY_BIN]: referenceBytes(reference) };
}

/**
 * What the job's warm start did, for its evaluation's warnings: which layers took the previous
 * model's weights, and what that means for the figures (folds never start from it: it trained
 * on their held-out examples; a holdout may have been among its training examples).
 */
export function warmStartWarnings(
  plan: TrainingPlan,
  report: WarmStartReport | undefined,
): EvaluationWarning[] {
  const from = plan.spec.warmStart?.modelId;
  if (!from) return [];
  if (plan.warmStartRefused) {
    return [{ code: 'warm-start', message: `not started from model '${from}': ${plan.warmStartRefused}` }];
  }
  const copied = report?.copied ?? [];
  const skipped = (report?.skipped ?? []).map((s) => `${s.layer} (${s.reason})`);
  const what =
    copied.length > 0
      ? `started from model '${from}': ${copied.length} layer(s) took its weights (${copied.join(', ')})` +
        (skipped.length > 0 ? `; started fresh: ${skipped.join('; ')}` : '')
      : `model '${from}' has no layer this job could start from (${skipped.join('; ') || 'nothing trained'}); trained from a fresh start`;
  const figures =
    plan.evaluation.method === 'cross-validation'
      ? "the folds trained from a fresh start (the model it started from saw their held-out examples), so the figures are the recipe's"
      : 'the model it started from may have trained on some of the evaluated examples, so the figures may be optimistic';
  return [{ code: 'warm-start', message: `${what}. ${figures}` }];
}

/** The reference of a model trained on every example (the refit), when it gave features. */
export function finalReference(reference: ExampleOutputs | undefined, seed: number): Reference | undefined {
  return reference ? referenceSample(reference, seed) : undefined;
}
