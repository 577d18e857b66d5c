import { loadBaseModel } from '../base-models/base-ref.js';
import type { JobSpec } from '../contracts/job-spec.js';
import type { Preprocessing } from '../contracts/preprocessing.js';
import type { ProgressFn } from '../contracts/progress.js';
import type { DatasetTrainingData } from '../datasets/modality.js';
import { openTrainingData } from '../datasets/training-data.js';
import type { LayersModel } from '../ml/index.js';
import type { Store } from '../storage/store.js';
import type { EvaluationChoice } from './evaluation-choice.js';
import { headOnly, type JobContext } from './job-context.js';

/**
 * Everything a training job resolves once, before anything trains: the spec the trainer runs,
 * the opened dataset (every example for a cross-validation; train, validation and the dataset's
 * own test split otherwise), the base model, the evaluation choice. The folds, the learning
 * curve and the refit all train from it without going back to the store or the spec checks.
 */
export interface TrainingPlan {
  /** What the trainer runs (a sentence-encoder job trains the head over embeddings). */
  spec: JobSpec;
  evaluation: EvaluationChoice;
  data: DatasetTrainingData;
  preprocessing: Preprocessing;
  /** Files the model needs beside it (a vocabulary). */
  files: Record<string, string>;
  /** Loaded once; owned by whoever trains from the plan (train() consumes it). */
  base?: LayersModel;
  pixelRange?: [number, number];
  memoryBudgetBytes?: number;
  signal?: AbortSignal;
  onProgress: ProgressFn;
  /** The dataset the trained one is a version of (POST /v1/datasets/{id}/versions), if any. */
  datasetParentId?: string | null;
  /** spec.warmStart's model, loaded; owned by whoever runs the plan (runTrainingJob disposes it). */
  warmStart?: LayersModel;
  /** Why spec.warmStart is not used, when it is not (a words model's vocabulary is its data's). */
  warmStartRefused?: string;
}

export async function buildTrainingPlan(
  store: Store,
  ctx: JobContext,
  o: { onProgress: ProgressFn; signal?: AbortSignal; memoryBudgetBytes?: number },
): Promise<TrainingPlan> {
  const { spec, evaluation } = ctx;
  const encoding = ctx.text?.tokenizer === 'sentence-encoder';
  const prepStarted = Date.now();
  const opened = await openTrainingData(store, spec.datasetId, {
    ...(ctx.image ? { image: ctx.image } : {}),
    ...(ctx.text ? { text: ctx.text } : {}),
    // Cross-validation holds out each fold in turn: the data is every example.
    validationSplit: evaluation.method === 'cross-validation' ? 0 : spec.fit.validationSplit,
    ...(evaluation.method === 'cross-validation' ? { allExamples: true } : {}),
    seed: spec.seed ?? 0,
    // Encoding every text once is the job's caching pass: the epochs then train on embeddings.
    onPrepare: (done, total) => {
      const ms = Date.now() - prepStarted;
      o.onProgress({
        phase: 'caching',
        epoch: 0,
        epochs: 0,
        batch: done,
        batches: total,
        metrics: {},
        examplesPerSec: ms > 0 ? (done * 1000) / ms : 0,
        etaMs: done > 0 ? (ms / done) * (total - done) : 0,
      });
    },
  });
  // A sentence encoder stays outside the trained model: the job trains the head on its embeddings.
  const trainSpec = encoding ? headOnly(spec) : spec;
  const base = trainSpec.base ? await loadBaseModel(store, trainSpec.base) : undefined;
  // Word ids come from a vocabulary learned from this dataset: the previous model's embedding
  // would read different words under the same ids.
  const warmStartRefused =
    spec.warmStart && ctx.text?.tokenizer === 'words'
      ? 'a words model learns its vocabulary from its dataset, so its layers started from the base instead'
      : undefined;
  const warmStart =
    spec.warmStart && !warmStartRefused
      ? await loadBaseModel(store, { modelId: spec.warmStart.modelId }).catch((err: unknown) => {
          base?.dispose();
          throw err;
        })
      : undefined;
  return {
    spec: trainSpec,
    evaluation,
    data: opened.data,
    preprocessing: opened.preprocessing,
    files: opened.files ?? {},
    ...(base ? { base } : {}),
    ...(ctx.image ? { pixelRange: ctx.image.scale } : {}),
    ...(o.memoryBudgetBytes ? { memoryBudgetBytes: o.memoryBudgetBytes } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    onProgress: o.onProgress,
    datasetParentId: opened.manifest.parent?.datasetId ?? null,
    ...(warmStart ? { warmStart } : {}),
    ...(warmStartRefused ? { warmStartRefused } : {}),
  };
}
