import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { ModelMeta } from '../contracts/model-meta.js';
import { PermanentJobError } from '../jobs/run-training-job.js';
import { AppError, NotFoundError } from '../lib/errors.js';
import type { BatchPayload, BatchProgress, BatchResult } from '../queue/queues.js';
import { formatRow, modelRules, type ScoreRules } from '../serving/format.js';
import { rowSize, toRows, type InstanceLimits, type InstanceRow } from '../serving/instances.js';
import type { Store } from '../storage/store.js';
import { openInputs, type BatchItem, type InputLimits, type OpenedInputs } from './batch-inputs.js';
import { RESULT_FILES, ResultWriter, SUMMARY_FILE, type ResultLine } from './batch-output.js';

/**
 * One batch prediction, in the trainer process: inputs are read one by one, preprocessed a
 * chunk at a time exactly as predict does (`toRows`), and every chunk's rows go through the
 * model's batcher and inference workers (PredictionService.forwardRows), the forward pass of
 * predict itself. Up to PIPELINE chunks are in flight, so the next chunk is decoded while the
 * previous one runs. Lines are written in input order to a staging folder that the store
 * publishes only once complete: a retried attempt (after a crash) starts over in a fresh folder,
 * so no line is ever written twice, and an attempt that finds the results already published
 * (it crashed after publishing) just returns them.
 */

/** The forward pass the runner uses: PredictionService's, in production. */
export interface RowScorer {
  forwardRows(meta: ModelMeta, rows: InstanceRow[]): Promise<Float32Array[]>;
}

export interface RunBatchJobOptions {
  store: Store;
  payload: BatchPayload;
  resolveModel(id: string): Promise<ModelMeta>;
  scorer: RowScorer;
  limits: InstanceLimits & InputLimits;
  /** Inputs per chunk (PREDICT_MAX_BATCH: one forward pass each). */
  chunkSize: number;
  signal?: AbortSignal;
  report(progress: BatchProgress): Promise<void> | void;
  log: Logger;
}

/** Chunks preprocessed or running at once: enough to keep the inference worker busy. */
const PIPELINE = 3;
const REPORT_EVERY_MS = 250;

/** Wall time of the chunks' preprocessing and forward passes, summed (they overlap), for the log. */
interface Timing {
  prepareMs: number;
  forwardMs: number;
}

export async function runBatchJob(opts: RunBatchJobOptions): Promise<BatchResult> {
  const { store, payload } = opts;
  const results = store.collection('batch-results');
  if (await results.exists(payload.batchId)) {
    opts.log.info({ batchId: payload.batchId }, 'results already published by an earlier attempt');
    return results.readJson<BatchResult>(payload.batchId, SUMMARY_FILE);
  }
  const meta = await opts.resolveModel(payload.modelId).catch((err: unknown) => {
    if (err instanceof NotFoundError) {
      throw new PermanentJobError(`model '${payload.modelId}' no longer exists; it was deleted`);
    }
    throw err;
  });
  return results.create(payload.batchId, (dir) => scoreAll(opts, meta, dir));
}

/** Scores every input into the staging folder: the warm-up, the chunk pipeline, then the summary. */
async function scoreAll(opts: RunBatchJobOptions, meta: ModelMeta, dir: string): Promise<BatchResult> {
  const inputs = await openInputs(opts.store, opts.payload.input, meta, opts.limits).catch((err: unknown) => {
    throw err instanceof AppError ? new PermanentJobError(err.message) : err;
  });
  const writer = new ResultWriter(dir);
  // The model loads into the inference worker before the clock starts: the rate is scoring's.
  await opts.scorer.forwardRows(meta, [
    meta.preprocessing.kind === 'text' ? '' : new Float32Array(rowSize(meta)),
  ]);
  const run: ScoringRun = {
    timing: { prepareMs: 0, forwardMs: 0 },
    started: performance.now(),
    counts: { processed: 0, errors: 0 },
  };
  try {
    await scoreChunks(opts, meta, inputs, writer, run);
    await writer.close();
  } catch (err) {
    writer.destroy();
    throw err;
  } finally {
    inputs.close();
  }
  return publishSummary(opts, dir, run);
}

/** One scoring pass's clock, line counts and timing, shared by its steps. */
interface ScoringRun {
  timing: Timing;
  started: number;
  counts: { processed: number; errors: number };
}

/** Reads the inputs into chunks, keeps up to PIPELINE of them scoring, and writes their lines in order. */
async function scoreChunks(
  opts: RunBatchJobOptions,
  meta: ModelMeta,
  inputs: OpenedInputs,
  writer: ResultWriter,
  run: ScoringRun,
): Promise<void> {
  const { counts } = run;
  const rules = modelRules(meta);
  const report = progressReporter(opts, inputs, run);
  const inFlight: Array<Promise<ResultLine[]>> = [];
  const writeOldest = async (): Promise<void> => {
    const lines = await inFlight.shift()!;
    await writer.write(lines);
    counts.processed += lines.length;
    counts.errors += lines.filter((l) => 'error' in l).length;
    await report(false);
  };
  const submit = (chunk: BatchItem[]): void => {
    const p = scoreChunk(opts, meta, rules, chunk, run.timing);
    p.catch(() => undefined); // awaited in order by writeOldest; never unhandled meanwhile
    inFlight.push(p);
  };
  await report(true);
  let chunk: BatchItem[] = [];
  for await (const item of inputs.items) {
    chunk.push(item);
    if (chunk.length < opts.chunkSize) continue;
    submit(chunk);
    chunk = [];
    while (inFlight.length >= PIPELINE) await writeOldest();
    if (opts.signal?.aborted) throw new PermanentJobError('cancelled by request');
  }
  if (chunk.length > 0) submit(chunk);
  while (inFlight.length > 0) await writeOldest();
}

/** Reports scoring progress at most every REPORT_EVERY_MS, unless forced. */
function progressReporter(
  opts: RunBatchJobOptions,
  inputs: OpenedInputs,
  run: ScoringRun,
): (force: boolean) => Promise<void> {
  const { counts, started } = run;
  let lastReport = 0;
  return async (force) => {
    const now = performance.now();
    if (!force && now - lastReport < REPORT_EVERY_MS) return;
    lastReport = now;
    const seconds = (now - started) / 1000;
    await opts.report({
      phase: 'scoring',
      processed: counts.processed,
      total: Math.max(inputs.total, counts.processed),
      errors: counts.errors,
      ...(seconds > 0 ? { inputsPerSec: counts.processed / seconds } : {}),
    });
  };
}

/** Reports publishing, writes the summary beside the results and logs the timing; returns the summary. */
async function publishSummary(opts: RunBatchJobOptions, dir: string, run: ScoringRun): Promise<BatchResult> {
  const { counts, started, timing } = run;
  await opts.report({
    phase: 'publishing',
    processed: counts.processed,
    total: counts.processed,
    errors: counts.errors,
  });
  const seconds = (performance.now() - started) / 1000;
  const result: BatchResult = {
    batchId: opts.payload.batchId,
    total: counts.processed,
    succeeded: counts.processed - counts.errors,
    errors: counts.errors,
    scoringSeconds: seconds,
    inputsPerSec: seconds > 0 ? counts.processed / seconds : 0,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    files: { ...RESULT_FILES },
  };
  await writeFile(path.join(dir, SUMMARY_FILE), JSON.stringify(result));
  opts.log.info(
    {
      ...counts,
      ms: Math.round(performance.now() - started),
      prepareMs: Math.round(timing.prepareMs),
      forwardMs: Math.round(timing.forwardMs),
    },
    'batch scored',
  );
  return result;
}

/** Preprocesses a chunk (each input alone, so one bad input fails only its own line), then one forward pass. */
async function scoreChunk(
  opts: RunBatchJobOptions,
  meta: ModelMeta,
  rules: ScoreRules,
  items: BatchItem[],
  timing: Timing,
): Promise<ResultLine[]> {
  const t0 = performance.now();
  const prepared = await Promise.all(
    items.map(async (item): Promise<{ row: InstanceRow } | { error: string }> => {
      if (!item.input) return { error: item.error ?? 'unreadable input' };
      try {
        const [row] = await toRows(meta, item.input, opts.limits);
        return { row: row! };
      } catch (err) {
        if (err instanceof AppError) return { error: instanceMessage(err) };
        throw err;
      }
    }),
  );
  const rows = prepared.flatMap((p) => ('row' in p ? [p.row] : []));
  const t1 = performance.now();
  const outputs = rows.length > 0 ? await opts.scorer.forwardRows(meta, rows) : [];
  timing.prepareMs += t1 - t0;
  timing.forwardMs += performance.now() - t1;
  let next = 0;
  return items.map((item, i) => {
    const p = prepared[i]!;
    if ('error' in p) return { id: item.id, error: p.error };
    return { id: item.id, prediction: formatRow(meta, outputs[next++]!, opts.payload.topK, rules) };
  });
}

/** The one instance's own message, without the request-level "1 instance rejected: instances[0]:". */
function instanceMessage(err: AppError): string {
  const first = err.errors?.[0]?.message;
  return first ?? err.message;
}
