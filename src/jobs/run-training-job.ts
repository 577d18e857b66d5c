import * as tf from '@tensorflow/tfjs';
import { UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { loadBaseModel } from '../base-models/base-ref.js';
import { openTrainingData } from '../data/training-data.js';
import { isAppError } from '../lib/errors.js';
import type { ModelMeta } from '../models/meta.js';
import { saveTrainedModel } from '../models/registry.js';
import { engineFailure } from '../ml/engine-errors.js';
import { CancelledError } from '../ml/errors.js';
import type { TrainProgress as TrainerProgress } from '../ml/progress.js';
import { train } from '../ml/trainer.js';
import type { TrainPayload, TrainProgress, TrainResult } from '../queue/queues.js';
import type { Store } from '../storage/store.js';
import { resolveJob } from './job-context.js';
import type { JobSpec } from './spec.js';

/**
 * The error a failed job is recorded with. Only what a retry could cure is retried (a crash, a
 * store that did not answer); bad spec or data, running out of memory, divergence and
 * cancellation fail at the first attempt (UnrecoverableError), with a message a user can act
 * on: engine messages such as `Aborted()` never reach the job view.
 */
export function jobFailure(err: unknown, backend: string): Error {
  if (err instanceof UnrecoverableError) return err;
  if (err instanceof CancelledError) return new UnrecoverableError('cancelled by request');
  if (isAppError(err) && err.status < 500) return new UnrecoverableError(err.message);
  const engine = engineFailure(err, backend);
  if (engine) return new UnrecoverableError(engine.message);
  return err instanceof Error ? err : new Error(String(err));
}

export interface RunTrainingJobOptions {
  store: Store;
  jobId: string;
  payload: TrainPayload;
  backend: string;
  /** TRAIN_MEMORY_BUDGET_BYTES; default the backend's own limit. */
  memoryBudgetBytes?: number;
  signal?: AbortSignal;
  /** Receives throttled progress (the latest report plus the epoch history). */
  report: (progress: TrainProgress) => Promise<void> | void;
  log: Logger;
  /** Minimum milliseconds between two batch reports (epoch ends are always reported). */
  reportEveryMs?: number;
}

/**
 * One training job, from payload to stored model: resolve and re-check the spec (the dataset or
 * base may have changed since it was queued), stream the dataset, train, evaluate, save
 * atomically. Bad specs or data fail with UnrecoverableError (no retry: they would fail again);
 * cancellation saves nothing. Knows nothing of HTTP; Redis only through `report`.
 */
export async function runTrainingJob(opts: RunTrainingJobOptions): Promise<TrainResult> {
  const started = Date.now();
  const tensorsBefore = tf.memory().numTensors;
  const spec: JobSpec = opts.payload.spec;
  const resolved = await resolveJob(opts.store, spec);
  if (!resolved.ok) {
    throw new UnrecoverableError(
      'the job spec no longer fits its dataset or base: ' +
        resolved.errors.map((e) => `${e.path}: ${e.message}`).join('; '),
    );
  }
  const ctx = resolved.context;
  const history: TrainProgress['history'] = [];
  let lastReport = 0;
  const every = opts.reportEveryMs ?? 500;
  const onProgress = (p: TrainerProgress): void => {
    if (p.epochEnd) history.push(p.epochEnd);
    const now = Date.now();
    if (!p.epochEnd && now - lastReport < every && p.batch !== p.batches) return;
    lastReport = now;
    const { epochEnd: _epochEnd, etaMs, ...rest } = p;
    const report: TrainProgress = { ...rest, history: [...history] };
    if (etaMs !== undefined) report.etaSeconds = Math.round(etaMs / 1000);
    void Promise.resolve(opts.report(report)).catch((err: unknown) =>
      opts.log.warn({ err }, 'could not report progress'),
    );
  };

  let model: tf.LayersModel | undefined;
  try {
    const { data, preprocessing } = await openTrainingData(opts.store, spec.datasetId, {
      ...(ctx.image ? { image: ctx.image } : {}),
      validationSplit: ctx.spec.fit.validationSplit,
      seed: ctx.spec.seed ?? 0,
    });
    const base = ctx.spec.base ? await loadBaseModel(opts.store, ctx.spec.base) : undefined;
    const result = await train({
      spec: ctx.spec,
      data,
      ...(base ? { base } : {}),
      onProgress,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(ctx.image ? { pixelRange: ctx.image.scale } : {}),
      ...(opts.memoryBudgetBytes ? { memoryBudgetBytes: opts.memoryBudgetBytes } : {}),
    });
    model = result.model;
    await opts.report({ phase: 'saving', history: result.history });
    const meta: ModelMeta = await saveTrainedModel(opts.store, {
      model,
      ...(spec.modelName ? { name: spec.modelName } : {}),
      meta: {
        task: data.task,
        labels: data.classes,
        inputShape: data.inputShape,
        preprocessing,
        evaluation: result.evaluation,
        history: result.history,
        lineage: {
          jobId: opts.jobId,
          datasetId: spec.datasetId,
          base: spec.base ?? null,
          spec,
        },
        backend: opts.backend,
        durationMs: Date.now() - started,
      },
    });
    opts.log.info(
      {
        jobId: opts.jobId,
        modelId: meta.id,
        cached: result.cached,
        microBatches: result.memory.map((m) => m.microBatch),
        warnings: result.warnings,
        durationMs: Date.now() - started,
      },
      'model trained and saved',
    );
    return { modelId: meta.id };
  } catch (err) {
    throw jobFailure(err, opts.backend);
  } finally {
    model?.dispose();
    const leaked = tf.memory().numTensors - tensorsBefore;
    if (leaked !== 0) opts.log.warn({ jobId: opts.jobId, leaked }, 'tensor count changed across the job');
  }
}
