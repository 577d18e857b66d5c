import type * as tf from '@tensorflow/tfjs';
import type { JobSpec } from '../contracts/job-spec.js';
import type { EpochLog, Evaluation } from '../contracts/model-meta.js';
import { warmStartLayers, type WarmStartReport } from './warm-start.js';
import { applyFreeze, buildModel, disposeBase, frozenEnd, unfreezeFrom } from './build-model.js';
import type { EarlyStoppingOutcome } from './callbacks.js';
import { findLayer } from '../contracts/layer-refs.js';
import { throwIfAborted } from '../lib/cancellation.js';
import type { ExampleOutputs } from './evaluate.js';
import { type Evaluated, evaluateRun } from './final-evaluation.js';
import { type CacheReport, type PreparedFeed, prepareFeed } from './feed.js';
import type { SharedRows } from './shared-features.js';
import { memoryBudget, type MemoryPlan, planMemory } from './memory-plan.js';
import { createOptimizer } from './optimizers.js';
import type { ProgressFn } from '../contracts/progress.js';
import { randomSeed } from './random.js';
import { runPhase } from './train-loop.js';
import type { ExampleSource, TrainingData } from './example-source.js';
import { checkJob, fitSettings, prefixThreadFor } from './train-setup.js';

export { PREFIX_THREAD_MIN_BATCHES } from './train-setup.js';

/**
 * The trainer's public entry: builds the job's model, trains it (optionally in two phases),
 * evaluates it, and hands it back. No HTTP, Redis or files: data arrives as TrainingData and a
 * base model as a LayersModel.
 *
 * Ownership: the caller owns and must dispose `result.model`. `base` is consumed: its kept
 * layers live on inside `result.model` (no weight copy) and everything else of it is disposed,
 * on success, failure and cancellation alike; never use or dispose `base` after calling train().
 * Everything else the trainer allocates (optimizers, caches, snapshots, batches) it disposes.
 *
 * Reproducibility: with `spec.seed` (else a random seed, returned as `seed`), new layers'
 * initial weights, the shuffle of sources that use `epochOrder` (MemorySource and the dataset sources do),
 * augmentation draws and Dropout masks all replay. Not covered: GaussianNoise-style layers of
 * a base (TF.js gives them no seed), the order of float reductions on multi-threaded native or
 * GPU backends, and sources that shuffle by their own means.
 */

/** Default memory budget of the frozen-prefix feature cache. */
export const DEFAULT_CACHE_BUDGET_BYTES = 512 * 1024 * 1024;

export interface TrainOptions {
  spec: JobSpec;
  data: TrainingData;
  /** Required when `spec.base` is set; consumed (see above). */
  base?: tf.LayersModel;
  onProgress?: ProgressFn;
  /** Checked before every batch; aborting makes train() reject with CancelledError. */
  signal?: AbortSignal;
  /** Most bytes the feature cache may hold; 0 disables caching. */
  cacheBudgetBytes?: number;
  /** Value range of preprocessed pixels for brightness augmentation; default `spec.input.scale` or [0, 1]. */
  pixelRange?: [number, number];
  /**
   * How an uncached phase runs the frozen prefix: as inference outside the gradient tape (the
   * default), or on the tape with the rest (the old path; for comparisons in tests and benches).
   */
  frozenPrefix?: 'inference' | 'tape';
  /**
   * Most bytes a training step may use (TRAIN_MEMORY_BUDGET_BYTES); default the backend's limit
   * (see memory-plan.ts). Less what tensors already hold.
   */
  memoryBudgetBytes?: number;
  /** Forces micro-batches of this many examples (tests and benches). */
  microBatchSize?: number;
  /**
   * Whether an uncached phase runs its frozen prefix on a second core (prefix-thread.ts): 'auto'
   * (the default) on the wasm backend with more than one core and at least
   * PREFIX_THREAD_MIN_BATCHES batches in the phase, so the thread's start (about a second) pays;
   * 'on' whenever there is a prefix; 'off' never.
   */
  prefixThread?: 'auto' | 'on' | 'off';
  /** Frozen-prefix features shared with the job's other runs (folds, learning curve, refit). */
  shared?: SharedRows;
  /** Evaluate on these examples (e.g. the dataset's own test split) instead of the validation split. */
  evaluateOn?: ExampleSource;
  /**
   * Keep every evaluated example's output (`result.outputs`): out-of-fold predictions, with a
   * classifier's features (the output layer's input) for the novelty score.
   */
  collectOutputs?: boolean;
  /**
   * Also keep the features of every training example (`result.reference`): the novelty score's
   * reference. Costs one inference pass over the training data when the evaluation is elsewhere.
   */
  referenceFeatures?: boolean;
  /** A trained model whose weights the trained layers start from (not consumed; see warm-start.ts). */
  warmStart?: tf.LayersModel;
}

export interface TrainResult {
  model: tf.LayersModel;
  history: EpochLog[];
  evaluation: Evaluation;
  /** `evaluateOn`, else the validation split, else the training data when there is none. */
  evaluatedOn: 'given' | 'validation' | 'train';
  /** `collectOutputs`: every evaluated example's output and label, in the source's order. */
  outputs?: ExampleOutputs;
  /** `referenceFeatures`: every training example's output, features and label, in order. */
  reference?: ExampleOutputs;
  /** Whether any phase trained on cached frozen-prefix features. */
  cached: boolean;
  cache: CacheReport[];
  /** Per phase: the memory estimate and the micro-batch size it led to. */
  memory: Array<MemoryPlan & { phase: 'train' | 'fineTune' }>;
  params: { total: number; trainable: number };
  durationMs: number;
  /** The seed the run used (spec.seed, or the random one drawn). */
  seed: number;
  earlyStopping: Partial<Record<'train' | 'fineTune', EarlyStoppingOutcome>>;
  warnings: string[];
  /** With `warmStart`: which layers took its weights. */
  warmStart?: WarmStartReport;
}

interface PhasePlan {
  phase: 'train' | 'fineTune';
  epochs: number;
  lr: number;
}

/** What the phases of one train() call share and add to. */
interface Run {
  opts: TrainOptions;
  model: tf.LayersModel;
  seed: number;
  settings: ReturnType<typeof fitSettings>;
  hasValidation: boolean;
  history: EpochLog[];
  cache: CacheReport[];
  memory: TrainResult['memory'];
  early: TrainResult['earlyStopping'];
  epochOffset: number;
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  const { spec, data, signal } = opts;
  const seed = spec.seed ?? randomSeed();
  let model: tf.LayersModel | undefined;
  // Until buildModel takes it over, the base is this function's to dispose on failure.
  let pendingBase = opts.base;
  try {
    checkJob(opts);
    throwIfAborted(signal);
    const base = pendingBase;
    pendingBase = undefined;
    const built = buildModel(spec, data, base, seed);
    model = built.model;
    const end = frozenEnd(spec, built.baseLayers);
    applyFreeze(model, built.baseLayers, end);
    const warm = opts.warmStart ? warmStartLayers(model, opts.warmStart) : undefined;

    const hasValidation = !!data.validation && data.validation.size > 0;
    const run: Run = {
      opts,
      model,
      seed,
      settings: fitSettings(opts, hasValidation),
      hasValidation,
      history: [],
      cache: [],
      memory: [],
      early: {},
      epochOffset: 0,
    };
    const phases = phasePlans(spec);
    let evaluated: Evaluated | undefined;
    for (const [i, p] of phases.entries()) {
      if (p.phase === 'fineTune' && spec.fineTune) {
        const from = findLayer(built.baseLayers, spec.fineTune.unfreezeFrom);
        if (typeof from === 'number') unfreezeFrom(built.baseLayers, from, end, spec.fineTune.trainBatchNorm);
      }
      evaluated = await trainPhase(run, p, i === phases.length - 1);
    }
    const done = evaluated as Evaluated;
    const trainable = model.trainableWeights.reduce((a, w) => a + w.read().size, 0);
    return {
      model,
      history: run.history,
      evaluation: done.evaluation,
      evaluatedOn: opts.evaluateOn ? 'given' : hasValidation ? 'validation' : 'train',
      ...(done.outputs ? { outputs: done.outputs } : {}),
      ...(done.reference ? { reference: done.reference } : {}),
      cached: run.cache.some((c) => c.used),
      cache: run.cache,
      memory: run.memory,
      params: { total: model.countParams(), trainable },
      durationMs: performance.now() - started,
      seed,
      earlyStopping: run.early,
      warnings: run.settings.warnings,
      ...(warm ? { warmStart: warm } : {}),
    };
  } catch (err) {
    if (model) model.dispose();
    else if (pendingBase) disposeBase(pendingBase);
    throw err;
  }
}

function phasePlans(spec: JobSpec): PhasePlan[] {
  return [
    { phase: 'train' as const, epochs: spec.fit.epochs, lr: spec.compile.learningRate },
    ...(spec.fineTune
      ? [{ phase: 'fineTune' as const, epochs: spec.fineTune.epochs, lr: spec.fineTune.learningRate }]
      : []),
  ];
}

/** One phase: its feed (cached or not), memory plan, optimizer and epochs; the last also evaluates. */
async function trainPhase(run: Run, p: PhasePlan, last: boolean): Promise<Evaluated | undefined> {
  const { opts, model } = run;
  const { spec, data, signal } = opts;
  const prepared = await prepareFeed(model, data, {
    phase: p.phase,
    augmenting: run.settings.augmenting,
    budgetBytes: opts.cacheBudgetBytes ?? DEFAULT_CACHE_BUDGET_BYTES,
    batchSize: spec.fit.batchSize,
    signal,
    onProgress: opts.onProgress,
    frozenPrefix: opts.frozenPrefix,
    shared: opts.shared,
  });
  try {
    run.cache.push(prepared.report);
    const plan = phaseMemory(run, p, prepared);
    const optimizer = createOptimizer(spec.compile.optimizer, p.lr);
    const thread = await prefixThreadFor(
      prepared.feed,
      opts.prefixThread ?? 'auto',
      Math.ceil(prepared.feed.train.size / spec.fit.batchSize) * p.epochs,
      run.settings.warnings,
    );
    try {
      const { reduceLr, earlyStopping, augment, loss, weights } = run.settings;
      const r = await runPhase({
        phase: p.phase,
        model,
        feed: prepared.feed,
        optimizer,
        epochs: p.epochs,
        epochOffset: run.epochOffset,
        batchSize: spec.fit.batchSize,
        shuffle: spec.fit.shuffle,
        seed: run.seed,
        task: data.task,
        classes: data.classes,
        loss,
        classWeights: weights,
        augment,
        reduceLr,
        earlyStopping,
        signal,
        onProgress: opts.onProgress,
        microBatch: plan.microBatch,
        prefixThread: thread,
      });
      run.history.push(...r.history);
      if (r.earlyStopping) run.early[p.phase] = r.earlyStopping;
      run.epochOffset += p.epochs;
    } finally {
      optimizer.dispose();
      await thread?.close();
    }
    return last
      ? await evaluateRun(
          { opts, model, hasValidation: run.hasValidation, loss: run.settings.loss },
          prepared.feed,
        )
      : undefined;
  } finally {
    prepared.dispose();
  }
}

/** The phase's memory estimate and micro-batch size (with a warning when batches are split). */
function phaseMemory(run: Run, p: PhasePlan, prepared: PreparedFeed): MemoryPlan {
  const { spec } = run.opts;
  const plan = planMemory({
    feed: prepared.feed,
    model: run.model,
    optimizer: spec.compile.optimizer,
    batchSize: spec.fit.batchSize,
    augmenting: !!run.settings.augment && !prepared.report.used,
    budgetBytes: memoryBudget(run.opts.memoryBudgetBytes),
    microBatchSize: run.opts.microBatchSize,
  });
  run.memory.push({ phase: p.phase, ...plan });
  if (plan.microBatch < spec.fit.batchSize && !run.opts.microBatchSize) {
    run.settings.warnings.push(
      `phase '${p.phase}': each batch of ${spec.fit.batchSize} runs as micro-batches of ${plan.microBatch} ` +
        'to fit in memory (one update per batch, as with the full batch)',
    );
  }
  return plan;
}
