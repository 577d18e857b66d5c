/**
 * Where datasets, base models and trained models live: one interface, so that the filesystem
 * implementation (src/storage/fs-store.ts) and an object-store one can sit side by side.
 *
 *   datasets/<id>/      manifest.json + examples
 *   base-models/<id>/   model.json + shards + meta.json
 *   models/<id>/        model.json + shards + meta.json
 *   batch-inputs/<id>/  one uploaded file to score (a zip, JSONL or CSV) + meta.json
 *   batch-results/<id>/ results.jsonl + results.csv + summary.json of a batch prediction
 *
 * Every write is atomic: readers see a complete entry or none.
 */

export const COLLECTIONS = [
  'datasets',
  'base-models',
  'models',
  'batch-inputs',
  'batch-results',
  'captures',
] as const;
export type CollectionName = (typeof COLLECTIONS)[number];

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/**
 * Serialises the creation of one key across machines where the store itself cannot (an S3
 * server without conditional writes, such as s3rver). Implemented on Redis in src/queue.
 */
export interface ExclusiveGuard {
  /** True when this caller now holds `key` (for `ttlMs`, or for good when omitted). */
  claim(key: string, ttlMs?: number): Promise<boolean>;
  release(key: string): Promise<void>;
}

/**
 * A counter per collection that every publish and delete bumps, shared by every process (Redis,
 * implemented in src/queue): the change stamp of stores that have no cheap one of their own
 * (s3://), so lookups can be cached until something changes instead of asking the bucket.
 */
export interface ChangeCounter {
  read(scope: string): Promise<number>;
  bump(scope: string): Promise<void>;
}

export interface Store {
  /** The local folder that holds (file://) or caches (s3://) the entries. */
  readonly root: string;
  /** `file:///path` or `s3://bucket/prefix`, for logs (never holds credentials). */
  readonly url: string;
  /** Creates the layout and sweeps staging debris older than `staleMs`. */
  init(staleMs?: number): Promise<void>;
  collection(name: CollectionName): Collection;
  /** A fresh local staging folder (entries are built here, then published). */
  stagingDir(label: string): Promise<string>;
  /** True when the store accepts a write (readiness). */
  isWritable(): Promise<boolean>;
  /** Bytes of every entry of every collection (a project's stored-bytes quota); staging and caches excluded. */
  usage(): Promise<number>;
  /**
   * Small shared markers (model version claims): creates `key` holding `value` only if absent,
   * race-free across every process of the store; true when this call created it.
   */
  putMarker(key: string, value: string): Promise<boolean>;
  readMarker(key: string): Promise<string | undefined>;
  /** Names directly under `prefix` (a folder-like key ending without '/'). */
  listMarkers(prefix: string): Promise<string[]>;
  deleteMarker(key: string): Promise<void>;
}

export interface Collection {
  readonly name: CollectionName;
  /**
   * Local path of a complete copy of an entry (or of a file in it): the entry itself on
   * file://, a copy in the bounded local cache on s3:// (downloaded on first use). The id and
   * parts are validated so the path never leaves the entry. NotFoundError when there is none.
   * Treat it as read-only.
   */
  local(id: string, ...parts: string[]): Promise<string>;
  /**
   * A number that changes whenever an entry is published or removed by any process, or -1 when
   * the store cannot tell cheaply (then callers must not cache lookups).
   */
  changeStamp(): Promise<number>;
  exists(id: string): Promise<boolean>;
  /** Builds an entry in a staging folder with `write` and publishes it atomically. */
  create<T>(id: string, write: (stagingDir: string) => Promise<T>): Promise<T>;
  readJson<T>(id: string, file: string): Promise<T>;
  /** Replaces one JSON file of an existing entry atomically. */
  writeJson(id: string, file: string, value: unknown): Promise<void>;
  /** Ids of complete entries, newest first. */
  ids(): Promise<string[]>;
  /** `file` of every entry; entries whose file is missing or unreadable are skipped. */
  list<T>(file: string, filter?: (item: T) => boolean): Promise<T[]>;
  page<T>(file: string, limit: number, offset: number, filter?: (item: T) => boolean): Promise<Page<T>>;
  /** Removes an entry atomically; NotFoundError when there is none. */
  remove(id: string): Promise<void>;
}

/** A read of something absent (the ENOENT of the filesystem implementation). */
export function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === 'ENOENT';
}
