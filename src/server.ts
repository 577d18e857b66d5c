import type { FastifyInstance } from 'fastify';
import { buildApp } from './http/app.js';
import { ConfigError, loadConfig, type Config } from './config/env.js';
import { createLogger, type Logger } from './lib/logger.js';
import { ensureRedis, RedisUnavailableError, type EmbeddedRedis } from './queue/embedded-redis.js';
import { checkTrainer, startWorker, type WorkerHandle } from './queue/worker.js';
import { createAppDeps, type OwnedAppDeps } from './http/app-deps.js';
import { sweepLocalStaging } from './queue/open-store.js';

/**
 * The process entry: `ROLE=all` (default) runs the API and one worker in one command;
 * `ROLE=api` and `ROLE=worker` split them so workers scale out over the same Redis.
 */

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.LOG_LEVEL);
  const embedded = await startRedis(config, logger);
  const api = config.ROLE !== 'worker' ? await startApi(config, logger) : undefined;
  const worker = config.ROLE !== 'api' ? await startWorkerRole(config, logger, api?.app) : undefined;
  stopOnSignals(config, logger, { app: api?.app, worker, runtime: api?.runtime, embedded });
}

/** The configuration from the environment; a bad one exits with its message (EX_CONFIG). */
function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(err.message + '\n');
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

/** Redis: a cluster as deployed, or REDIS_URL's, started embedded when need be; exits without one. */
async function startRedis(config: Config, logger: Logger): Promise<EmbeddedRedis | undefined> {
  // A cluster is never started here: its nodes are the deployment's (REDIS_CLUSTER_NODES).
  if (config.REDIS_CLUSTER_NODES) {
    logger.info({ nodes: config.REDIS_CLUSTER_NODES }, 'using Redis Cluster');
    return undefined;
  }
  try {
    return await ensureRedis(config.REDIS_URL, config.DATA_DIR, logger, config.EMBEDDED_REDIS);
  } catch (err) {
    if (err instanceof RedisUnavailableError) {
      logger.fatal(err.message);
      process.exit(69); // EX_UNAVAILABLE
    }
    throw err;
  }
}

/** The API role: its collaborators, the app, listening on HOST:PORT. */
async function startApi(
  config: Config,
  logger: Logger,
): Promise<{ runtime: OwnedAppDeps; app: FastifyInstance }> {
  const runtime = await createAppDeps(config, logger);
  runtime.backend().then(
    (b) =>
      logger.info(
        { backend: b.name, package: b.package, version: b.version, gpu: b.gpu, skipped: b.skipped },
        `TF.js backend: ${b.name}`,
      ),
    (err: unknown) => logger.error({ err }, 'no TF.js backend could be started'),
  );
  if (config.API_KEYS.length === 0 && config.API_KEYS_FILE === undefined) {
    logger.warn(
      { host: config.HOST },
      'API_KEYS is not set: the API accepts unauthenticated requests' +
        (config.HOST === '127.0.0.1' ? ' and therefore listens on 127.0.0.1 only' : ''),
    );
  }
  const app = await buildApp({ ...runtime, logger });
  await app.listen({ port: config.PORT, host: config.HOST });
  return { runtime, app };
}

/** The worker role: the trainer checked (exiting, the app closed, when it cannot train), then the worker. */
async function startWorkerRole(
  config: Config,
  logger: Logger,
  app: FastifyInstance | undefined,
): Promise<WorkerHandle> {
  try {
    const probe = await checkTrainer(config, process.env);
    logger.info(
      { backend: probe.backend, gpu: probe.gpu, ms: Math.round(probe.ms) },
      'trainer process checked: it trains on this backend',
    );
  } catch (err) {
    logger.fatal({ err }, `the trainer cannot train: ${err instanceof Error ? err.message : String(err)}`);
    await app?.close().catch(() => undefined);
    process.exit(70); // EX_SOFTWARE
  }
  if (config.ROLE === 'worker') {
    // Staging debris of trainer processes killed mid-write on this machine (an API sweeps
    // the bucket's uncommitted objects).
    await sweepLocalStaging(config);
  }
  return startWorker(config, logger, config.QUEUE_PREFIX, process.env);
}

/** On SIGTERM or SIGINT: stop taking work, let active work finish, close everything, exit. */
function stopOnSignals(
  config: Config,
  logger: Logger,
  running: {
    app: FastifyInstance | undefined;
    worker: WorkerHandle | undefined;
    runtime: OwnedAppDeps | undefined;
    embedded: EmbeddedRedis | undefined;
  },
): void {
  const { app, worker, runtime, embedded } = running;
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new requests or jobs; letting active work finish');
    const hardStop = setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS + 10_000);
    hardStop.unref();
    try {
      await Promise.all([app?.close(), worker?.close(config.SHUTDOWN_TIMEOUT_MS)]);
      await runtime?.close();
      await embedded?.stop();
    } catch (err) {
      logger.error({ err }, 'error during shutdown');
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  const logger: Logger = createLogger('error');
  logger.fatal({ err }, 'failed to start');
  process.exit(1);
});
