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
import type { QueueService } from '../queue/queue-service.js';
import type { RedisClient } from '../queue/redis.js';
import datasetRoutes from './routes/datasets.js';
import healthRoutes from './routes/health.js';
import baseModelRoutes from './routes/base-models.js';
import modelLayerRoutes from './routes/model-layers.js';
import modelRoutes from './routes/models.js';
import jobRoutes from './routes/jobs.js';
import advisorRoutes from './routes/advisor.js';
import oipRoutes from './routes/oip.js';
import batchPredictionRoutes from './routes/batch-predictions.js';
import auditRoutes from './routes/audits.js';
import promotionRoutes from './routes/promotion.js';
import captureRoutes from './routes/capture.js';
import retrainRoutes from './routes/retrain.js';
import { HealthService } from './health-service.js';
import { DiskMonitor } from '../storage/disk-monitor.js';
import { PredictionService } from '../serving/prediction-service.js';
import type { CaptureStats } from '../capture/capture-service.js';
import { openStore } from '../queue/open-store.js';
import { RedisRuntimeKeys } from '../queue/runtime-keys.js';
import { KeyRing } from '../projects/key-ring.js';
import { readKeysFile, type KeysFile } from '../projects/keys-file.js';
import { quotasFor } from '../projects/quotas.js';
import { OIP_SERVER, ProjectScopes } from './project-scope.js';
import projectRoutes from './routes/projects.js';
import { registerProjectHooks } from './plugins/projects.js';
import { QuotaGuard } from '../projects/quota-guard.js';
import type { AuditLogStore } from '../projects/audit-log.js';
import { RedisAuditLog, RedisRateCounter } from '../queue/project-records.js';
import { createFastify } from './fastify-instance.js';
import type { Store } from '../storage/store.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Prediction serving; `stats()` reads the inference workers' tensor counts. */
    predictions: PredictionService;
    /** Prediction capture of every project; `settle()` waits for its writes in flight (tests). */
    capture: { settle(timeoutMs?: number): Promise<void>; readonly stats: CaptureStats };
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
  const tenancy = tenancyOf(deps);
  await registerPlugins(app, deps, uploads, disk, tenancy);
  await registerFeatures(app, deps, uploads, logger, disk, tenancy);
  return app;
}

/** Keys, their projects and roles, and each project's quotas (README "Projects and keys"). */
interface Tenancy {
  keys: KeyRing;
  file?: KeysFile;
  audit: AuditLogStore;
}

function tenancyOf(deps: AppDeps): Tenancy {
  const { config } = deps;
  const file = config.API_KEYS_FILE ? readKeysFile(config.API_KEYS_FILE) : undefined;
  const keys = new KeyRing(
    { apiKeys: config.API_KEYS, ...(file ? { file } : {}) },
    new RedisRuntimeKeys(deps.redis, config.QUEUE_PREFIX),
  );
  const audit = new RedisAuditLog(deps.redis, config.QUEUE_PREFIX, config.AUDIT_LOG_MAX_ENTRIES);
  return { keys, audit, ...(file ? { file } : {}) };
}

/** Cross-cutting plugins, in order: errors first, so every later failure becomes a problem. */
async function registerPlugins(
  app: FastifyInstance,
  deps: AppDeps,
  uploads: Uploads,
  disk: DiskMonitor,
  tenancy: Tenancy,
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
    keys: tenancy.keys,
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

/** Each feature's routes, on the caller's project's services (`request.scope`). */
async function registerFeatures(
  app: FastifyInstance,
  deps: AppDeps,
  uploads: Uploads,
  logger: Logger,
  disk: DiskMonitor,
  tenancy: Tenancy,
): Promise<void> {
  const { config } = deps;
  const health = new HealthService({
    redis: deps.redis,
    store: deps.store,
    queues: deps.queues,
    backend: deps.backend,
    disk,
  });
  await app.register(healthRoutes, { health });
  const engine = new PredictionService({
    config,
    backend: deps.backend,
    metricsRegistry: app.metrics.registry,
    logger,
  });
  // Inference workers start on the first prediction and stop with the app.
  app.addHook('onClose', () => engine.close());
  app.decorate('predictions', engine);
  const scopes = projectScopes(deps, logger, engine, health, tenancy);
  app.decorate('capture', {
    settle: (timeoutMs?: number) => scopes.settle(timeoutMs),
    get stats() {
      return scopes.captureStats();
    },
  });
  app.addHook('onClose', async () => {
    await scopes.settle();
    await deps.queues.closeEvents();
    await scopes.close();
  });
  // After the auth plugin's hook: the caller's project is known by now.
  registerProjectHooks(app, { scopes, quotas: quotaGuard(deps, tenancy, scopes), audit: tenancy.audit });
  await registerRoutes(app, deps, uploads, tenancy, health);
}

function quotaGuard(deps: AppDeps, tenancy: Tenancy, scopes: ProjectScopes): QuotaGuard {
  return new QuotaGuard({
    quotas: (project) => quotasFor(deps.config, tenancy.file, project),
    measure: async (project) => (await scopes.get(project)).store.usage(),
    rate: new RedisRateCounter(deps.redis, deps.config.QUEUE_PREFIX),
  });
}

function projectScopes(
  deps: AppDeps,
  logger: Logger,
  engine: PredictionService,
  health: HealthService,
  tenancy: Tenancy,
) {
  const { config } = deps;
  return new ProjectScopes({
    config,
    logger,
    queues: deps.queues,
    backend: deps.backend,
    engine,
    ready: async () => (await health.readiness()).ready,
    defaultStore: deps.store,
    openStore: (project) => openStore(config, deps.redis, project),
    maxConcurrentJobs: (project) => quotasFor(config, tenancy.file, project).concurrentJobs,
  });
}

async function registerRoutes(
  app: FastifyInstance,
  deps: AppDeps,
  uploads: Uploads,
  tenancy: Tenancy,
  health: HealthService,
): Promise<void> {
  const { config } = deps;
  const dataDir = deps.store.root;
  await app.register(projectRoutes, { keys: tenancy.keys, audit: tenancy.audit });
  await app.register(datasetRoutes, { uploads: uploads.datasets, dataDir });
  await app.register(baseModelRoutes, { uploads: uploads.baseModels, dataDir });
  await app.register(modelLayerRoutes);
  await app.register(modelRoutes, { config, uploads: uploads.predict });
  await app.register(captureRoutes);
  await app.register(oipRoutes, {
    config,
    server: {
      serverReady: async () => (await health.readiness()).ready,
      serverMetadata: () => ({ ...OIP_SERVER, extensions: [] }),
    },
  });
  await app.register(jobRoutes);
  await app.register(retrainRoutes);
  await app.register(advisorRoutes);
  await app.register(batchPredictionRoutes, { uploads: uploads.datasets });
  await app.register(auditRoutes);
  await app.register(promotionRoutes);
}

type Uploads = ReturnType<typeof uploadLimits>;
