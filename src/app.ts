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
import errorHandler from './plugins/error-handler.js';
import metricsPlugin from './plugins/metrics.js';
import multipartPlugin from './plugins/multipart.js';
import type { QueueService } from './queue/queue-service.js';
import healthRoutes from './routes/health.js';
import { HealthService } from './services/health-service.js';
import type { Store } from './storage/store.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route as registered (method + URL pattern), for the OpenAPI coverage test. */
    registeredRoutes: Array<{ method: string; url: string; hidden: boolean }>;
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
  const app: FastifyInstance = Fastify({
    // Typed as Fastify's base logger: pino's own type is stricter and breaks route typing.
    loggerInstance: (deps.logger ?? createLogger(config.LOG_LEVEL)) as FastifyBaseLogger,
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
  await app.register(multipartPlugin, {
    maxFileBytes: config.MAX_UPLOAD_BYTES,
    maxFiles: config.MAX_UPLOAD_FILES,
  });
  await app.register(docsPlugin);

  const health = new HealthService({
    redis: deps.redis,
    store: deps.store,
    queues: deps.queues,
    backend: deps.backend,
  });
  await app.register(healthRoutes, { health });

  return app;
}
