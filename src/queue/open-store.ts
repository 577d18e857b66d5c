import type { Config } from '../config/env.js';
import { createStore, type StorageConfig } from '../storage/create-store.js';
import type { Store } from '../storage/store.js';
import { createRedis, type RedisClient } from './redis.js';
import { RedisGuard } from './redis-guard.js';

/**
 * The configured store, with creation claims in Redis where it needs them (s3://: servers that
 * ignore `If-None-Match: *`). `redis` is a connection the caller owns; without one, a
 * connection is opened here and closed by `close()`.
 */
export function openStore(
  config: StorageConfig & Pick<Config, 'REDIS_URL' | 'QUEUE_PREFIX'>,
  redis?: RedisClient,
): { store: Store; close(): Promise<void> } {
  if (!config.STORAGE_URL?.startsWith('s3://')) {
    return { store: createStore(config), close: () => Promise.resolve() };
  }
  const own = redis ? undefined : createRedis(config.REDIS_URL, 'blocking');
  const store = createStore(config, new RedisGuard((redis ?? own)!, config.QUEUE_PREFIX));
  return {
    store,
    async close() {
      if (own) await own.quit().catch(() => own.disconnect());
    },
  };
}
