import type { Logger } from 'pino';
import { ConflictError } from '../lib/errors.js';
import { derivedId } from '../lib/ids.js';
import type { ModelMeta } from '../contracts/model-meta.js';
import { OOF_JSON, saveTrainedModel } from '../models/registry.js';
import { liveTensors } from '../ml/index.js';
import type { TrainProgress as TrainerProgress } from '../contracts/progress.js';
import type { TrainJobProgress, TrainJobResult, TrainPayload } from '../queue/queues.js';
import type { Store } from '../storage/store.js';
import { crossValidatedJob } from './cross-validation.js';
import { resolveJob } from './job-context.js';
import { singleFitJob, type TrainedJob } from './trained-job.js';
import { PermanentJobError, jobFailure } from './retry-policy.js';
import { buildTrainingPlan, type TrainingPlan } from './training-plan.js';
import type { JobSpec } from '../contracts/job-spec.js';

export { PermanentJobError, jobFailure } from './retry-policy.js';

export interface RunTrainingJobOptions {
  store: Store;
  jobId: string;
  payload: TrainPayload;
  backend: string;
  /** TRAIN_MEMORY_BUDGET_BYTES; default the backend's own limit. */
  memoryBudgetBytes?: number;
  /** EVALUATION_MAX_COST: the evaluation budget of a spec that sets none. */
  evaluationMaxCost?: number;
  signal?: AbortSignal;
  /** Receives throttled progress (the latest report plus the epoch history). */
  report: (progress: TrainJobProgress) => Promise<void> | void;
  log: Logger;
  /** Minimum milliseconds between two batch reports (epoch ends are always reported). */
  reportEveryMs?: number;
}

/**
 * One training job, from payload to stored model: resolve and re-check the spec (the dataset or
 * base may have changed since it was queued) into a plan, train and evaluate as the plan's
 * evaluation says (cross-validation, holdout or test split), save the model with its
 * out-of-fold predictions atomically. Bad specs or data fail with PermanentJobError (no retry:
 * they would fail again); cancellation saves nothing. Knows nothing of HTTP; Redis only through
 * `report`.
 */
export async function runTrainingJob(opts: RunTrainingJobOptions): Promise<TrainJobResult> {
  const started = Date.now();
  const tensorsBefore = liveTensors();
  const spec: JobSpec = opts.payload.spec;
  // Exactly-once publication: the job's model id is derived from the job id, so an attempt
  // that finds it published (an earlier attempt saved it, then lost its lock or its process)
  // records it instead of training again, and two attempts running at once publish one model.
  const modelId = derivedId('model', opts.jobId);
  const models = opts.store.collection('models');
  if (await models.exists(modelId)) {
    opts.log.info({ jobId: opts.jobId, modelId }, 'model already published by an earlier attempt');
    return { modelId };
  }
  const resolved = await resolveJob(opts.store, spec, {
    ...(opts.evaluationMaxCost !== undefined ? { maxCost: opts.evaluationMaxCost } : {}),
  });
  if (!resolved.ok) {
    throw new PermanentJobError(
      'the job spec no longer fits its dataset or base: ' +
        resolved.errors.map((e) => `${e.path}: ${e.message}`).join('; '),
    );
  }
  const progress = progressReporter(opts);
  let trained: TrainedJob | undefined;
  try {
    const plan = await buildTrainingPlan(opts.store, resolved.context, {
      onProgress: progress.onProgress,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.memoryBudgetBytes ? { memoryBudgetBytes: opts.memoryBudgetBytes } : {}),
    });
    try {
      trained =
        plan.evaluation.method === 'cross-validation'
          ? await crossValidatedJob(plan)
          : await singleFitJob(plan);
    } finally {
      plan.base?.dispose();
      plan.warmStart?.dispose();
    }
    await opts.report({ phase: 'saving', throughput: progress.throughput(), history: trained.history });
    const meta = await saveJobModel(opts, modelId, plan, trained, Date.now() - started);
    opts.log.info(
      {
        jobId: opts.jobId,
        modelId,
        evaluation: plan.evaluation.method,
        ...trained.log,
        durationMs: Date.now() - started,
        twin: !meta,
      },
      meta ? 'model trained and saved' : 'model already published by a twin attempt',
    );
    return { modelId };
  } catch (err) {
    throw jobFailure(err, opts.backend);
  } finally {
    trained?.model.dispose();
    const leaked = liveTensors() - tensorsBefore;
    if (leaked !== 0) opts.log.warn({ jobId: opts.jobId, leaked }, 'tensor count changed across the job');
  }
}

/** The trainer's progress, throttled into job reports with the epoch history and throughputs. */
function progressReporter(opts: RunTrainingJobOptions) {
  const history: TrainJobProgress['history'] = [];
  const throughput: Record<string, number> = {};
  let lastReport = 0;
  let run = '';
  const every = opts.reportEveryMs ?? 500;
  const onProgress = (p: TrainerProgress): void => {
    // The history is the current run's: each fold's curve while it trains, then the refit's,
    // which is the one the job keeps.
    const current = JSON.stringify(p.evaluation ?? null);
    if (current !== run) {
      run = current;
      history.length = 0;
    }
    if (p.epochEnd) history.push(p.epochEnd);
    if (p.examplesPerSec !== undefined && Number.isFinite(p.examplesPerSec)) {
      throughput[p.phase] = p.examplesPerSec;
    }
    const now = Date.now();
    if (!p.epochEnd && now - lastReport < every && p.batch !== p.batches) return;
    lastReport = now;
    const { epochEnd: _epochEnd, etaMs, ...rest } = p;
    const report: TrainJobProgress = { ...rest, throughput: { ...throughput }, history: [...history] };
    if (etaMs !== undefined) report.etaSeconds = Math.round(etaMs / 1000);
    void Promise.resolve(opts.report(report)).catch((err: unknown) =>
      opts.log.warn({ err }, 'could not report progress'),
    );
  };
  return { onProgress, throughput: () => ({ ...throughput }) };
}

/** Publishes the model with its meta and out-of-fold predictions; undefined when a twin attempt won. */
async function saveJobModel(
  opts: RunTrainingJobOptions,
  modelId: string,
  plan: TrainingPlan,
  trained: TrainedJob,
  durationMs: number,
): Promise<ModelMeta | undefined> {
  const spec = opts.payload.spec;
  const { data } = plan;
  return saveTrainedModel(opts.store, {
    id: modelId,
    model: trained.model,
    ...(spec.modelName ? { name: spec.modelName } : {}),
    files: { ...plan.files, ...trained.files, [OOF_JSON]: JSON.stringify(trained.oof) },
    meta: {
      task: data.task,
      labels: data.classes,
      inputShape: data.inputShape,
      preprocessing: plan.preprocessing,
      evaluation: trained.evaluation,
      history: trained.history,
      lineage: {
        jobId: opts.jobId,
        datasetId: spec.datasetId,
        datasetParentId: plan.datasetParentId ?? null,
        base: spec.base ?? null,
        spec,
      },
      backend: opts.backend,
      durationMs,
    },
  }).catch(async (err: unknown) => {
    // A twin attempt of this job published first: its model is this job's model.
    if (err instanceof ConflictError && (await opts.store.collection('models').exists(modelId)))
      return undefined;
    throw err;
  });
}
