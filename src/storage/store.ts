/**
 * Where datasets, base models and trained models live: one interface, so that the filesystem
 * implementation (src/storage/fs-store.ts) and an object-store one can sit side by side.
 *
 *   datasets/<id>/      manifest.json + examples
 *   base-models/<id>/   model.json + shards + meta.json
 *   models/<id>/        model.json + shards + meta.json
 *
 * Every write is atomic: readers see a complete entry or none.
 */

export const COLLECTIONS = ['datasets', 'base-models', 'models'] as const;
export type CollectionName = (typeof COLLECTIONS)[number];

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface Store {
  /** The local folder that holds (or caches) the entries. */
  readonly root: string;
  /** Creates the layout and sweeps staging debris older than `staleMs`. */
  init(staleMs?: number): Promise<void>;
  collection(name: CollectionName): Collection;
  /** A fresh local staging folder (entries are built here, then published). */
  stagingDir(label: string): Promise<string>;
  /** True when the store accepts a write (readiness). */
  isWritable(): Promise<boolean>;
}

export interface Collection {
  readonly name: CollectionName;
  /** Local folder of the collection. */
  readonly dir: string;
  /** Local path of an entry (or a file in it); the id is validated so it never leaves the collection. */
  pathOf(id: string, ...parts: string[]): string;
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
