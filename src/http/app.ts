import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/env.js';
import { createLogger } from '../lib/logger.js';
import type { BackendInfo } from '../ml/index.js';
import authPlugin, { METRICS_ROUTES } from './plugins/auth.js';
import docsPlugin from './plugins/docs.js';
import securityHeaders from './plugins/security-headers.js';
import errorHandler from './plugins/error-handler.js';
import jsonBodyPlugin from './plugins/json-body.js';
import dashboardPlugin from './plugins/dashboard.js';
import metricsPlugin from './plugins/metrics.js';
import corsPlugin from './plugins/cors.js';
import multipartPlugin, { uploadLimits } from './plugins/multipart.js';
import rateLimitPlugin from './plugins/rate-limit.js';
import { ModelRegistry } from '../models/registry.js';
import type { QueueService } from '../queue/queue-service.js';
import type { RedisClient } from '../queue/redis.js';
import datasetRoutes from './routes/datasets.js';
import healthRoutes from './routes/health.js';
import { DatasetService } from '../datasets/dataset-service.js';
import { readManifest } from '../datasets/dataset-manifest.js';
import baseModelRoutes from './routes/base-models.js';
import modelLayerRoutes from './routes/model-layers.js';
import { BaseModelService } from '../base-models/base-model-service.js';
import modelRoutes from './routes/models.js';
import jobRoutes from './routes/jobs.js';
import advisorRoutes from './routes/advisor.js';
import oipRoutes from './routes/oip.js';
import { OipService } from '../oip/oip-service.js';
import { packageVersion } from './openapi-schemas.js';
import batchPredictionRoutes from './routes/batch-predictions.js';
import { BatchService } from '../batch/batch-service.js';
import auditRoutes from './routes/audits.js';
import promotionRoutes from './routes/promotion.js';
import captureRoutes from './routes/capture.js';
import retrainRoutes from './routes/retrain.js';
import { RetrainService } from '../capture/retrain-service.js';
import { CaptureService } from '../capture/capture-service.js';
import { CaptureStore } from '../capture/capture-store.js';
import { ReviewService } from '../capture/review-service.js';
import { PromotionService } from '../promotion/promotion-service.js';
import { AuditService } from '../audits/audit-service.js';
import { AdvisorService } from '../advisor/advisor-service.js';
import { catalogEntries, encoderCatalogEntries } from '../base-models/catalog.js';
import { JobService } from '../jobs/job-service.js';
import { resolveJob } from '../jobs/job-context.js';
import { SummaryCache } from '../base-models/base-ref.js';
import { HealthService } from './health-service.js';
import { DiskMonitor } from '../storage/disk-monitor.js';
import { ModelService } from '../models/model-service.js';
import { PredictionService } from '../serving/prediction-service.js';
import { createFastify } from './fastify-instance.js';
import type { Store } from '../storage/store.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Prediction serving; `stats()` reads the inference workers' tensor counts. */
    predictions: PredictionService;
    /** Prediction capture; `settle()` waits for its writes in flight (tests). */
    capture: CaptureService;
  }
}

export interface AppDeps {
  config: Config;
  store: Store;
  /** Producer connection (fails fast when Redis is down). */
  redis: RedisClient;
  queues: QueueService;
  /** The process's TF.js backend, selected once (see src/ml/backend.ts). */
  backend: () => Promise<BackendInfo>;
  /** A pino logger to use; by default one is created from LOG_LEVEL. */
  logger?: Logger;
}

/** How often DATA_DIR's free space is checked in the background (for the crossing warning). */
const DISK_CHECK_MS = 30_000;

/** Builds the HTTP app. Never listens: only src/server.ts does. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const logger = deps.logger ?? createLogger(deps.config.LOG_LEVEL);
  const app = createFastify(deps.config, logger);
  const uploads = uploadLimits(deps.config);
  const disk = new DiskMonitor({
    dir: deps.store.root,
    minFreeBytes: deps.config.DISK_MIN_FREE_BYTES,
    minFreePercent: deps.config.DISK_MIN_FREE_PERCENT,
    log: logger,
  });
  // A crossing of the floor is logged even when nobody asks /readyz.
  const stopDiskWatch = disk.watch(DISK_CHECK_MS);
  app.addHook('onClose', async () => stopDiskWatch());
  await registerPlugins(app, deps, uploads, disk);
  await registerFeatures(app, deps, uploads, logger, disk);
  return app;
}

/** Cross-cutting plugins, in order: errors first, so every later failure becomes a problem. */
async function registerPlugins(
  app: FastifyInstance,
  deps: AppDeps,
  uploads: Uploads,
  disk: DiskMonitor,
): Promise<void> {
  const { config } = deps;
  await app.register(errorHandler, { dataDir: deps.store.root });
  await app.register(securityHeaders);
  await app.register(jsonBodyPlugin, {
    maxDepth: config.MAX_JSON_DEPTH,
    maxArrayLength: config.MAX_JSON_ARRAY_LENGTH,
  });
  await app.register(metricsPlugin, {
    jobCounts: () => deps.queues.counts(),
    trainerStats: () => deps.queues.trainerStats(),
    disk: () => disk.check(),
  });
  await app.register(corsPlugin, { origins: config.CORS_ORIGINS });
  await app.register(authPlugin, {
    keys: config.API_KEYS,
    closedRoutes: config.METRICS_REQUIRE_KEY ? METRICS_ROUTES : [],
  });
  await app.register(rateLimitPlugin, {
    perMinute: config.RATE_LIMIT_PER_MINUTE,
    redis: deps.redis,
    nameSpace: `${config.QUEUE_PREFIX}:rate-limit:`,
  });
  await app.register(multipartPlugin, { limits: uploads.datasets });
  await app.register(docsPlugin);
  await app.register(dashboardPlugin);
}

/** Each feature's service, and its routes on top of it. */
async function registerFeatures(
  app: FastifyInstance,
  deps: AppDeps,
  uploads: Uploads,
  logger: Logger,
  disk: DiskMonitor,
): Promise<void> {
  const health = new HealthService({
    redis: deps.redis,
    store: deps.store,
    queues: deps.queues,
    backend: deps.backend,
    disk,
  });
  await app.register(healthRoutes, { health });
  const { datasets, baseModels } = await registerInputs(app, deps, uploads);
  const { registry, captureStore } = await registerServing(app, deps, uploads, logger, health);
  const jobs = await registerTraining(app, deps, { registry, captureStore, datasets });
  await registerJobFeatures(app, deps, uploads, { jobs, baseModels, registry });
  const datasetParent = async (id: string) =>
    (await readManifest(deps.store, id).catch(() => undefined))?.parent;
  await app.register(promotionRoutes, { promotion: new PromotionService({ registry, datasetParent }) });
}

/** What training starts from: datasets, base models and their layers. */
async function registerInputs(
  app: FastifyInstance,
  deps: AppDeps,
  uploads: Uploads,
): Promise<{ datasets: DatasetService; baseModels: BaseModelService }> {
  const { config } = deps;
  const datasets = new DatasetService({
    store: deps.store,
    queues: deps.queues,
    limits: { maxEntries: config.MAX_ARCHIVE_ENTRIES, maxBytes: config.MAX_ARCHIVE_BYTES },
  });
  await app.register(datasetRoutes, { datasets, uploads: uploads.datasets, dataDir: deps.store.root });
  const baseModels = new BaseModelService({
    store: deps.store,
    queues: deps.queues,
    config,
    backend: deps.backend,
    logger: app.log,
  });
  await app.register(baseModelRoutes, {
    baseModels,
    uploads: uploads.baseModels,
    dataDir: deps.store.root,
  });
  await app.register(modelLayerRoutes, { baseModels });
  return { datasets, baseModels };
}

/**
 * Trained models and predicting with them: the registry, prediction serving and its capture,
 * the model routes, capture review, and the Open Inference Protocol.
 */
async function registerServing(
  app: FastifyInstance,
  deps: AppDeps,
  uploads: Uploads,
  logger: Logger,
  health: HealthService,
): Promise<{ registry: ModelRegistry; captureStore: CaptureStore }> {
  const { config } = deps;
  const registry = new ModelRegistry(deps.store, { freshnessTtlMs: config.MODEL_FRESHNESS_TTL_MS });
  const captureStore = new CaptureStore(deps.store);
  const capture = new CaptureService({ store: captureStore, log: logger.child({ component: 'capture' }) });
  app.decorate('capture', capture);
  const predictions = new PredictionService({
    registry,
    config,
    backend: deps.backend,
    metricsRegistry: app.metrics.registry,
    logger,
    onPredicted: (meta, input, out) => capture.offer(meta, input, out),
  });
  // Inference workers start on the first prediction and stop with the app.
  app.addHook('onClose', () => predictions.close());
  const models = new ModelService({
    registry,
    queues: deps.queues,
    predictions,
    onDeleted: (id) => captureStore.forget(id),
  });
  app.decorate('predictions', predictions);
  await app.register(modelRoutes, { models, predictions, config, uploads: uploads.predict });
  await app.register(captureRoutes, {
    review: new ReviewService({ registry, store: captureStore, capture }),
  });
  const oip = new OipService({
    registry,
    predictions,
    ready: async () => (await health.readiness()).ready,
    backendUp: () =>
      deps.backend().then(
        () => true,
        () => false,
      ),
    server: { name: 'transfer-learning-service', version: packageVersion() },
  });
  await app.register(oipRoutes, { oip, config });
  return { registry, captureStore };
}

/** Training jobs, and retraining a model on its reviewed captures. */
async function registerTraining(
  app: FastifyInstance,
  deps: AppDeps,
  built: { registry: ModelRegistry; captureStore: CaptureStore; datasets: DatasetService },
): Promise<JobService> {
  const { config } = deps;
  const { registry, captureStore, datasets } = built;
  const summaries = new SummaryCache();
  const jobs = new JobService({
    queues: deps.queues,
    validate: async (spec) => {
      const resolved = await resolveJob(deps.store, spec, {
        cache: summaries,
        maxCost: config.EVALUATION_MAX_COST,
      });
      return resolved.ok ? [] : resolved.errors.map((e) => ({ ...e, path: `body.${e.path}` }));
    },
  });
  app.addHook('onClose', () => jobs.close());
  await app.register(jobRoutes, { jobs });
  await app.register(retrainRoutes, {
    retrain: new RetrainService({ registry, captures: captureStore, datasets, jobs }),
  });
  return jobs;
}

/** Base-model lookups the advisor and audits share: registered, packaged offline, and by catalog name. */
function baseModelChoices(baseModels: BaseModelService) {
  return {
    listBases: async () => (await baseModels.list(10_000, 0)).items,
    offlineCatalog: () => catalogEntries().filter((e) => e.packaged),
    offlineEncoders: () => encoderCatalogEntries(),
    registerCatalog: (name: string) => baseModels.registerCatalog({ catalog: name }),
  };
}

/** Features that run as jobs of their own: the advisor, batch predictions and audits. */
async function registerJobFeatures(
  app: FastifyInstance,
  deps: AppDeps,
  uploads: Uploads,
  built: { jobs: JobService; baseModels: BaseModelService; registry: ModelRegistry },
): Promise<void> {
  const { config } = deps;
  const { jobs, baseModels, registry } = built;
  const advisor = new AdvisorService({
    store: deps.store,
    jobs,
    queues: deps.queues,
    ...baseModelChoices(baseModels),
  });
  await app.register(advisorRoutes, { advisor });

  const batches = new BatchService({
    store: deps.store,
    jobs,
    queues: deps.queues,
    registry,
    archiveLimits: { maxEntries: config.MAX_ARCHIVE_ENTRIES, maxBytes: config.MAX_ARCHIVE_BYTES },
  });
  await app.register(batchPredictionRoutes, { batches, uploads: uploads.datasets });
  const audits = new AuditService({
    store: deps.store,
    jobs,
    queues: deps.queues,
    ...baseModelChoices(baseModels),
  });
  await app.register(auditRoutes, { audits });
}

type Uploads = ReturnType<typeof uploadLimits>;
