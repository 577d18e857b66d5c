import type { Logger } from 'pino';
import type { AppDeps } from './app.js';
import type { Config } from '../config/env.js';
import { selectBackend, type BackendInfo } from '../ml/index.js';
import { QueueService } from '../queue/queue-service.js';
import { createRedis, type RedisClient } from '../queue/redis.js';
import { openStore } from '../queue/open-store.js';
import { closeStore } from '../storage/create-store.js';
import { isStoreUnavailable } from '../storage/store-errors.js';

/**
 * The long-lived collaborators of an API process, built from config. server.ts and the tests
 * both use it, so tests exercise the same wiring as production (with their own DATA_DIR and
 * queue prefix).
 */
export interface OwnedAppDeps extends AppDeps {
  logger: Logger;
  close(): Promise<void>;
}

export async function createAppDeps(config: Config, logger: Logger): Promise<OwnedAppDeps> {
  const redis: RedisClient = createRedis(config, 'producer');
  const storage = openStore(config, redis);
  const store = storage.store;
  // An object store that is down or failing at start only delays the sweep of dead writers'
  // objects to a later start; /readyz reports the store until it answers again.
  await store.init(config.STORAGE_SWEEP_GRACE_MS).catch((err: unknown) => {
    if (!isStoreUnavailable(err)) throw err;
    logger.warn({ err, storage: store.url }, 'object store failing at start: unlisted objects not swept');
  });
  logger.info({ storage: store.url, dataDir: store.root }, 'store ready');
  // Connection errors are reported per request (503) and by /readyz; don't crash or spam.
  let lastError = '';
  redis.on('error', (err: Error) => {
    if (err.message !== lastError) logger.warn({ err: err.message }, 'redis connection error');
    lastError = err.message;
  });
  redis.on('ready', () => (lastError = ''));
  const queues = new QueueService(redis, {
    prefix: config.QUEUE_PREFIX,
    redis: config,
    attempts: config.JOB_ATTEMPTS,
    backoffMs: config.JOB_BACKOFF_MS,
  });
  const backendPromise = selectBackend(config.TFJS_BACKEND, { wasmThreads: config.WASM_THREADS });
  const backend = (): Promise<BackendInfo> => backendPromise;
  // Avoid an unhandled rejection before anyone asks; /readyz reports the failure.
  backendPromise.catch(() => undefined);

  return {
    config,
    logger,
    store,
    redis,
    queues,
    backend,
    async close() {
      await queues.close().catch(() => undefined);
      closeStore(store);
      await storage.close();
      // QUIT lets replies in flight (e.g. BullMQ's start-up INFO) arrive before the socket closes.
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
    },
  };
}
