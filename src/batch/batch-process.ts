import { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { Config } from '../config/env.js';
import type { BackendInfo } from '../ml/index.js';
import { ModelRegistry } from '../models/registry.js';
import type { BatchPayload, BatchProgress, BatchResult } from '../queue/queues.js';
import { PredictionService, ProjectPredictions } from '../serving/prediction-service.js';
import type { Store } from '../storage/store.js';
import { runBatchJob } from './run-batch-job.js';

/**
 * A batch prediction's trainer-process side: the same PredictionService (batcher and inference
 * workers) as the API's predict, built for this one job and closed with it.
 */
export async function runBatchInProcess(opts: {
  config: Config;
  store: Store;
  backend: BackendInfo;
  payload: BatchPayload;
  signal?: AbortSignal;
  report(progress: BatchProgress): Promise<void> | void;
  log: Logger;
}): Promise<BatchResult> {
  const { config } = opts;
  const registry = new ModelRegistry(opts.store);
  const engine = new PredictionService({
    config,
    backend: () => Promise.resolve(opts.backend),
    metricsRegistry: new Registry(),
    logger: opts.log,
  });
  try {
    return await runBatchJob({
      store: opts.store,
      payload: opts.payload,
      resolveModel: (id) => registry.resolve(id),
      scorer: new ProjectPredictions(engine, registry),
      limits: {
        maxInstances: 1,
        maxImageBytes: config.PREDICT_MAX_IMAGE_BYTES,
        maxRequestPixels: config.PREDICT_MAX_REQUEST_PIXELS,
        maxEntries: config.MAX_ARCHIVE_ENTRIES,
        maxBytes: config.MAX_ARCHIVE_BYTES,
      },
      chunkSize: config.PREDICT_MAX_BATCH,
      ...(opts.signal ? { signal: opts.signal } : {}),
      report: opts.report,
      log: opts.log,
    });
  } finally {
    await engine.close();
  }
}
