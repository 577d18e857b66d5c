import cors from '@fastify/cors';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config/env.js';
import { createLogger } from './lib/logger.js';
import type { BackendInfo } from './ml/backend.js';
import authPlugin from './plugins/auth.js';
import docsPlugin from './plugins/docs.js';
import dashboardPlugin from './http/plugins/dashboard.js';
import errorHandler from './plugins/error-handler.js';
import metricsPlugin from './plugins/metrics.js';
import multipartPlugin from './plugins/multipart.js';
import rateLimitPlugin from './plugins/rate-limit.js';
import { ModelRegistry } from './models/registry.js';
import type { QueueService } from './queue/queue-service.js';
import datasetRoutes from './routes/datasets.js';
import healthRoutes from './routes/health.js';
import { DatasetService } from './services/dataset-service.js';
import baseModelRoutes from './routes/base-models.js';
import modelLayerRoutes from './routes/model-layers.js';
import { BaseModelService } from './services/base-model-service.js';
import modelRoutes from './routes/models.js';
import jobRoutes from './routes/jobs.js';
import { JobService } from './services/job-service.js';
import { resolveJob } from './jobs/job-context.js';
import { SummaryCache } from './base-models/base-ref.js';
import { HealthService } from './services/health-service.js';
import { ModelService } from './services/model-service.js';
import { PredictionService } from './services/prediction-service.js';
import type { Store } from './storage/store.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route as registered (method + URL pattern), for the OpenAPI coverage test. */
    registeredRoutes: Array<{ method: string; url: string; hidden: boolean }>;
    /** Trained models (list, delete, download, saveTrained). */
    models: ModelService;
    /** Prediction serving; `stats()` reads the inference workers' tensor counts. */
    predictions: PredictionService;
  }
}

export interface AppDeps {
  config: Config;
  store: Store;
  /** Producer connection (fails fast when Redis is down). */
  redis: Redis;
  queues: QueueService;
  /** The process's TF.js backend, selected once (see src/ml/backend.ts). */
  backend: () => Promise<BackendInfo>;
  /** A pino logger to use; by default one is created from LOG_LEVEL. */
  logger?: Logger;
}

/** Builds the HTTP app. Never listens: only src/server.ts does. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const logger = deps.logger ?? createLogger(config.LOG_LEVEL);
  const app: FastifyInstance = Fastify({
    // Typed as Fastify's base logger: pino's own type is stricter and breaks route typing.
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.MAX_JSON_BODY_BYTES,
    trustProxy: true,
    requestIdHeader: 'x-request-id',
  });
  const routes: FastifyInstance['registeredRoutes'] = [];
  app.decorate('registeredRoutes', routes);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const hidden = Boolean((route.schema as { hide?: boolean } | undefined)?.hide);
    for (const method of methods) routes.push({ method: String(method), url: route.url, hidden });
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(errorHandler);
  await app.register(metricsPlugin, { jobCounts: () => deps.queues.counts() });
  await app.register(cors, {
    origin: config.CORS_ORIGINS.includes('*')
      ? true
      : config.CORS_ORIGINS.length > 0
        ? config.CORS_ORIGINS
        : false,
    exposedHeaders: ['retry-after', 'x-request-id'],
  });
  await app.register(authPlugin, { keys: config.API_KEYS });
  await app.register(rateLimitPlugin, {
    perMinute: config.RATE_LIMIT_PER_MINUTE,
    redis: deps.redis,
    nameSpace: `${config.QUEUE_PREFIX}:rate-limit:`,
  });
  await app.register(multipartPlugin, {
    maxFileBytes: config.MAX_UPLOAD_BYTES,
    maxFiles: config.MAX_UPLOAD_FILES,
  });
  await app.register(docsPlugin);
  await app.register(dashboardPlugin);

  const health = new HealthService({
    redis: deps.redis,
    store: deps.store,
    queues: deps.queues,
    backend: deps.backend,
  });
  await app.register(healthRoutes, { health });

  const datasets = new DatasetService({
    store: deps.store,
    queues: deps.queues,
    limits: { maxEntries: config.MAX_ARCHIVE_ENTRIES, maxBytes: config.MAX_ARCHIVE_BYTES },
  });
  await app.register(datasetRoutes, { datasets, maxUploadBytes: config.MAX_UPLOAD_BYTES });
  const baseModels = new BaseModelService({
    store: deps.store,
    queues: deps.queues,
    config,
    backend: deps.backend,
    logger: app.log,
  });
  await app.register(baseModelRoutes, { baseModels });
  await app.register(modelLayerRoutes, { baseModels });
  const registry = new ModelRegistry(deps.store);
  const predictions = new PredictionService({
    registry,
    config,
    backend: deps.backend,
    metricsRegistry: app.metrics.registry,
    logger,
  });
  // Inference workers start on the first prediction and stop with the app.
  app.addHook('onClose', () => predictions.close());
  const models = new ModelService({ registry, queues: deps.queues, predictions });
  app.decorate('models', models);
  app.decorate('predictions', predictions);
  await app.register(modelRoutes, { models, predictions, config });

  const summaries = new SummaryCache();
  const jobs = new JobService({
    queues: deps.queues,
    redis: deps.redis,
    redisUrl: config.REDIS_URL,
    prefix: config.QUEUE_PREFIX,
    validate: async (spec) => {
      const resolved = await resolveJob(deps.store, spec, summaries);
      return resolved.ok ? [] : resolved.errors.map((e) => ({ ...e, path: `body.${e.path}` }));
    },
  });
  app.addHook('onClose', () => jobs.close());
  await app.register(jobRoutes, { jobs });

  return app;
}
