import type { EvaluationWarning, OutOfFoldFile } from '../contracts/evaluation.js';
import type { Evaluation } from '../contracts/model-meta.js';
import type { LayersModel } from '../ml/model-io.js';
import { train, type TrainResult } from '../ml/trainer.js';
import { estimate } from './estimate.js';
import { outOfFoldFile, toPredictions } from './out-of-fold.js';
import type { TrainingPlan } from './training-plan.js';

/** What a job hands to the registry: the returned model, its evaluation and out-of-fold predictions. */
export interface TrainedJob {
  model: LayersModel;
  history: TrainResult['history'];
  evaluation: Evaluation;
  oof: OutOfFoldFile;
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
    collectOutputs: true,
  });
  try {
    const method = onTest || data.validation ? choice.method : 'train';
    const source = evaluated ?? data.train;
    const rows = source.keys.map((_, i) => i);
    const predictions = toPredictions(
      data.task,
      source.keys,
      rows,
      r.outputs as NonNullable<TrainResult['outputs']>,
      0,
    );
    const oof = outOfFoldFile({ method, folds: 1, classes: data.classes, task: data.task }, [predictions]);
    const ev = estimate(oof, { method, folds: 1, seed: plan.spec.seed ?? 0, validationSize: source.size });
    return {
      model: r.model,
      history: r.history,
      evaluation: withWarnings(ev, choice.warnings),
      oof,
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
