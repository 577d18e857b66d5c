import { fileURLToPath } from 'node:url';
import type { Config } from '../config/env.js';
import { FsStore } from './fs-store.js';
import { S3Store } from './s3-store.js';
import type { ChangeCounter, ExclusiveGuard, Store } from './store.js';

export type StorageConfig = Pick<
  Config,
  'DATA_DIR' | 'STORAGE_URL' | 'S3_ENDPOINT' | 'S3_FORCE_PATH_STYLE' | 'AWS_REGION' | 'LOCAL_CACHE_MAX_BYTES'
>;

/**
 * The store STORAGE_URL names: file:///path (unset: DATA_DIR) or s3://bucket/prefix. S3
 * credentials come from the AWS SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
 * AWS_PROFILE, web identity, container or instance roles), never from our config, so they
 * never reach a log line. `guard` serialises creates on servers without conditional writes; `changes` counts publishes and deletes (the change stamp of s3://).
 */
export function createStore(config: StorageConfig, guard?: ExclusiveGuard, changes?: ChangeCounter): Store {
  const url = config.STORAGE_URL;
  if (url === undefined) return new FsStore(config.DATA_DIR);
  if (url.startsWith('file://')) return new FsStore(fileURLToPath(url));
  return new S3Store({
    url,
    dataDir: config.DATA_DIR,
    region: config.AWS_REGION,
    ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}),
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    cacheMaxBytes: config.LOCAL_CACHE_MAX_BYTES,
    ...(guard ? { guard } : {}),
    ...(changes ? { changes } : {}),
  });
}

/** Releases the store's connections (the S3 client's sockets); a no-op for file://. */
export function closeStore(store: Store): void {
  if (store instanceof S3Store) store.close();
}
