import type * as tf from '@tensorflow/tfjs';
import type { JobSpec } from '../contracts/job-spec.js';
import type { EpochLog } from '../contracts/model-meta.js';
import type { EvaluationStage, ProgressFn } from '../contracts/progress.js';
import type { ExampleOutputs } from './evaluate.js';
import type { ExampleSource, TrainingData } from './example-source.js';
import { cloneModel } from './model-io.js';
import { SharedFeatures } from './shared-features.js';
import { train, type TrainOptions, type TrainResult } from './trainer.js';

/**
 * The folds of a cross-validation and the refit on every example, each a train() of the job's
 * own recipe. The caller (src/jobs/) resolves the spec, data and base once into a plan and
 * chooses the folds (src/evaluation/); this module only trains what the plan says. Every run
 * gets its own copy of the base (train() consumes it) and shares the frozen prefix's features
 * with the others, so a head-only job computes them once for all its folds.
 */

export interface CrossValidationPlan {
  spec: JobSpec;
  /** `data.train` holds every example of the job (the indices below refer to it); no validation. */
  data: TrainingData;
  /** Loaded once: every fold trains on a copy, the refit consumes it. Owned by the plan's user. */
  base?: tf.LayersModel;
  shared: SharedFeatures;
  pixelRange?: [number, number];
  memoryBudgetBytes?: number;
  cacheBudgetBytes?: number;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

/** One cross-validation: which examples it uses and which each fold holds out (indices into data.train). */
export interface FoldRun {
  /** Default: every example. */
  examples?: readonly number[];
  heldOut: ReadonlyArray<readonly number[]>;
  stage: 'fold' | 'learning-curve';
  /** Learning curve: the share of each class's examples. */
  fraction?: number;
}

export interface FoldOutcome {
  fold: number;
  /** Indices into data.train, in the order of `outputs`. */
  heldOut: readonly number[];
  outputs: ExampleOutputs;
  /** Outputs, features and labels of the fold's training examples: its novelty reference. */
  reference?: ExampleOutputs;
  /** Per phase: the epoch whose weights the fold model kept (early stopping), else epochs run. */
  bestEpochs: { train: number; fineTune?: number };
  history: EpochLog[];
  cached: boolean;
  warnings: string[];
}

/** A new SharedFeatures over the plan's examples. */
export function sharedFeaturesFor(data: TrainingData): SharedFeatures {
  return new SharedFeatures(data.train, data.task);
}

function subsetOf(source: ExampleSource, indices: readonly number[]): ExampleSource {
  if (!source.subset) throw new Error('cross-validation needs a source that can pick examples (subset)');
  return source.subset(indices);
}

/**
 * The train() options every run of the plan shares, for `data` and its rows of the shared
 * features. A source that learns its preprocessing from data (a table's standardisation, a word
 * vocabulary) learns it again from the run's training rows, so a held-out fold never shapes
 * the inputs it is scored on; its runs then compute any frozen prefix themselves, since shared
 * features were made from the inputs as preprocessed for every example.
 */
async function runOptions(
  plan: CrossValidationPlan,
  spec: JobSpec,
  rows: { train: readonly number[]; validation?: readonly number[] },
  stage: EvaluationStage,
): Promise<Omit<TrainOptions, 'base'>> {
  const source = plan.data.train;
  const whole = rows.train.length === source.size;
  const refitted = !whole && source.fitPreprocessing !== undefined;
  const all = !whole && source.fitPreprocessing ? await source.fitPreprocessing(rows.train) : source;
  const data: TrainingData = { ...plan.data, train: whole ? all : subsetOf(all, rows.train) };
  delete data.validation;
  if (rows.validation) data.validation = subsetOf(all, rows.validation);
  const onProgress = plan.onProgress;
  return {
    spec,
    data,
    ...(refitted ? {} : { shared: { features: plan.shared, ...rows } }),
    ...(onProgress ? { onProgress: (p) => onProgress({ ...p, evaluation: stage }) } : {}),
    ...(plan.signal ? { signal: plan.signal } : {}),
    ...(plan.pixelRange ? { pixelRange: plan.pixelRange } : {}),
    ...(plan.memoryBudgetBytes ? { memoryBudgetBytes: plan.memoryBudgetBytes } : {}),
    ...(plan.cacheBudgetBytes !== undefined ? { cacheBudgetBytes: plan.cacheBudgetBytes } : {}),
  };
}

/** A run's own base: a copy of the plan's (train() consumes what it gets). */
async function baseCopy(plan: CrossValidationPlan): Promise<{ base?: tf.LayersModel }> {
  return plan.base ? { base: await cloneModel(plan.base) } : {};
}

function bestEpochs(spec: JobSpec, r: TrainResult): FoldOutcome['bestEpochs'] {
  const restores = spec.callbacks.earlyStopping?.restoreBestWeights ?? false;
  const kept = (phase: 'train' | 'fineTune') => {
    const ran = r.history.filter((h) => h.phase === phase).length;
    const best = r.earlyStopping[phase]?.bestEpoch;
    return restores && best !== undefined ? best : ran;
  };
  return { train: kept('train'), ...(spec.fineTune ? { fineTune: kept('fineTune') } : {}) };
}

/** Trains one model per fold and keeps its outputs on the fold it never saw. */
export async function runFolds(plan: CrossValidationPlan, run: FoldRun): Promise<FoldOutcome[]> {
  const examples = run.examples ?? Array.from({ length: plan.data.train.size }, (_, i) => i);
  const folds = run.heldOut.length;
  const outcomes: FoldOutcome[] = [];
  for (const [k, heldOut] of run.heldOut.entries()) {
    const held = new Set(heldOut);
    const trainRows = examples.filter((i) => !held.has(i));
    const stage: EvaluationStage = {
      stage: run.stage,
      fold: k + 1,
      folds,
      ...(run.fraction !== undefined ? { fraction: run.fraction } : {}),
    };
    const opts = await runOptions(plan, plan.spec, { train: trainRows, validation: heldOut }, stage);
    const r = await train({
      ...opts,
      ...(await baseCopy(plan)),
      collectOutputs: true,
      // The novelty threshold rests on the job's own folds, not the learning curve's.
      referenceFeatures: plan.data.task === 'classification' && run.stage === 'fold',
    });
    r.model.dispose();
    outcomes.push({
      fold: k,
      heldOut,
      outputs: r.outputs as ExampleOutputs,
      ...(r.reference ? { reference: r.reference } : {}),
      bestEpochs: bestEpochs(plan.spec, r),
      history: r.history,
      cached: r.cached,
      warnings: r.warnings,
    });
  }
  return outcomes;
}

/**
 * The spec of the refit: the folds' epochs, and no early stopping (there is no validation data
 * left to stop on; a `val_*` monitor of ReduceLROnPlateau falls back to its training metric).
 */
export function refitSpec(spec: JobSpec, epochs: { train: number; fineTune?: number }): JobSpec {
  const { earlyStopping: _earlyStopping, ...callbacks } = spec.callbacks;
  return {
    ...spec,
    fit: { ...spec.fit, epochs: epochs.train },
    callbacks,
    ...(spec.fineTune
      ? { fineTune: { ...spec.fineTune, epochs: epochs.fineTune ?? spec.fineTune.epochs } }
      : {}),
  };
}

/**
 * The returned model: the recipe trained on every example for the folds' epochs. Consumes
 * `plan.base`. Its evaluation is on its own training data (the train accuracy the overfitting
 * warning compares with the out-of-fold accuracy).
 */
export async function refit(
  plan: CrossValidationPlan,
  epochs: { train: number; fineTune?: number },
  warmStart?: tf.LayersModel,
): Promise<TrainResult> {
  const all = Array.from({ length: plan.data.train.size }, (_, i) => i);
  const spec = refitSpec(plan.spec, epochs);
  const opts = await runOptions(plan, spec, { train: all }, { stage: 'refit', folds: 1 });
  const base = plan.base;
  plan.base = undefined;
  return train({
    ...opts,
    ...(base ? { base } : {}),
    referenceFeatures: plan.data.task === 'classification',
    ...(warmStart ? { warmStart } : {}),
  });
}
