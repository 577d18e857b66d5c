import { fileURLToPath } from 'node:url';
import type { Config } from '../config/env.js';
import { FsStore } from '../storage/fs-store.js';
import { createStore, type StorageConfig } from '../storage/create-store.js';
import { projectStorage } from '../storage/project-storage.js';
import { DEFAULT_PROJECT } from '../contracts/project.js';
import type { Store } from '../storage/store.js';
import { createRedis, type RedisClient } from './redis.js';
import { RedisGuard } from './redis-guard.js';

/**
 * The configured store, with creation claims in Redis where it needs them (s3://: servers that
 * ignore `If-None-Match: *`) and a change counter there (s3:// has no cheap change stamp). `redis` is a connection the caller owns; without one, a
 * connection is opened here and closed by `close()`. `project`: the store of that project's
 * objects (storage/project-storage.ts).
 */
export function openStore(
  config: StorageConfig & Pick<Config, 'REDIS_URL' | 'REDIS_CLUSTER_NODES' | 'QUEUE_PREFIX'>,
  redis?: RedisClient,
  project: string = DEFAULT_PROJECT,
): { store: Store; close(): Promise<void> } {
  config = projectStorage(config, project);
  if (!config.STORAGE_URL?.startsWith('s3://')) {
    return { store: createStore(config), close: () => Promise.resolve() };
  }
  const own = redis ? undefined : createRedis(config, 'blocking');
  const guard = new RedisGuard((redis ?? own)!, config.QUEUE_PREFIX);
  const store = createStore(config, guard, guard);
  return {
    store,
    async close() {
      if (own) await own.quit().catch(() => own.disconnect());
    },
  };
}

/**
 * Removes this machine's staging debris whose writer is dead (a trainer process killed mid-save,
 * an API killed mid-upload): the local store's folder on file://, the local cache folder on
 * s3:// (a bucket's uncommitted objects are swept by an API's start). Writes in progress, and
 * other hosts' debris younger than STORAGE_SWEEP_GRACE_MS, are left alone, so it is safe at any time.
 */
export async function sweepLocalStaging(
  config: Pick<Config, 'STORAGE_URL' | 'DATA_DIR' | 'STORAGE_SWEEP_GRACE_MS'>,
): Promise<void> {
  const local = config.STORAGE_URL?.startsWith('file://')
    ? fileURLToPath(config.STORAGE_URL)
    : config.DATA_DIR;
  await new FsStore(local).init(config.STORAGE_SWEEP_GRACE_MS);
}
