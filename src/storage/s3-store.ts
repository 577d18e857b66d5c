import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type _Object,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ConflictError, NotFoundError } from '../lib/errors.js';
import { assertSafeId } from '../lib/ids.js';
import { FsStore, orNoSpace, singular } from './fs-store.js';
import { LocalCache } from './local-cache.js';
import { markerPath } from './marker-key.js';
import {
  COLLECTIONS,
  type Collection,
  type ChangeCounter,
  type CollectionName,
  type ExclusiveGuard,
  type Page,
  type Store,
} from './store.js';

/**
 * The Store on S3 or any S3-compatible server (MinIO; s3rver in the tests). Layout under
 * `s3://<bucket>/<prefix>/`:
 *
 *   <collection>/<id>/<attempt>/<files>   an entry's objects, under a fresh token per write
 *   .commits/<collection>/<id>            the commit: which attempt, its files; written last
 *   .model-versions/<name>/<n>            markers (version claims)
 *
 * An entry exists exactly when its commit object does: readers list `.commits/` only, so a
 * writer killed mid-upload leaves objects that nothing lists, and `init()` sweeps attempts
 * without a commit once older than the grace period. Each write uploads under its own attempt
 * token, so two writers of one id (twin attempts of one job) never overwrite each other's
 * objects; exactly one commit wins: `If-None-Match: *` on the commit's PutObject (AWS S3,
 * MinIO), and, for servers that ignore that header, a claim through the ExclusiveGuard (Redis)
 * around the existence check. Removing an entry deletes its commit first (it vanishes at once),
 * then every object under the id.
 *
 * Entries are read by downloading them whole into the LocalCache under DATA_DIR (`local()`);
 * JSON reads (`readJson`, listings) go to the bucket directly.
 */

export interface S3StoreOptions {
  /** `s3://bucket/prefix` */
  url: string;
  /** Local folder: staging and the cache (DATA_DIR). */
  dataDir: string;
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  cacheMaxBytes: number;
  guard?: ExclusiveGuard;
  /** Counts publishes and deletes per collection across processes: the collections' change stamp. */
  changes?: ChangeCounter;
  /** Credentials for tests; otherwise the SDK's default chain (env, profile, IMDS, ...). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

interface CommitDoc {
  attempt: string;
  files: Array<{ path: string; bytes: number }>;
  createdAt: string;
}

const COMMITS = '.commits';
/** How long a claim on an id guards the gap between the existence check and the commit. */
const CLAIM_TTL_MS = 10 * 60_000;
const UPLOAD_CONCURRENCY = 6;
const MULTIPART_FROM = 16 * 1024 * 1024;

export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const u = new URL(url);
  if (u.protocol !== 's3:' || !u.hostname) throw new Error(`'${url}' is not an s3://bucket/prefix URL`);
  const prefix = u.pathname.replace(/^\/+|\/+$/g, '');
  return { bucket: u.hostname, prefix };
}

function status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function isMissing(err: unknown): boolean {
  const name = (err as { name?: string }).name;
  return name === 'NoSuchKey' || name === 'NotFound' || status(err) === 404;
}

function isPreconditionFailed(err: unknown): boolean {
  const name = (err as { name?: string }).name;
  return name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || status(err) === 412;
}

async function walk(dir: string, rel = ''): Promise<Array<{ path: string; bytes: number }>> {
  const out: Array<{ path: string; bytes: number }> = [];
  for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(dir, r)));
    else if (e.isFile()) out.push({ path: r, bytes: (await stat(path.join(dir, r))).size });
  }
  return out;
}

async function eachLimited<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const run = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, run));
}

export class S3Store implements Store {
  readonly root: string;
  readonly url: string;
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  readonly cache: LocalCache;
  readonly guard: ExclusiveGuard | undefined;
  readonly changes: ChangeCounter | undefined;
  private readonly local: FsStore;

  constructor(opts: S3StoreOptions) {
    const { bucket, prefix } = parseS3Url(opts.url);
    this.bucket = bucket;
    this.prefix = prefix;
    this.url = `s3://${bucket}${prefix ? '/' + prefix : ''}`;
    this.local = new FsStore(opts.dataDir);
    this.root = this.local.root;
    this.guard = opts.guard;
    this.changes = opts.changes;
    this.client = new S3Client({
      region: opts.region,
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      forcePathStyle: opts.forcePathStyle ?? false,
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
      // Checksums only where S3 requires them: S3-compatible servers (s3rver, older MinIO)
      // reject the SDK's default aws-chunked trailing checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.cache = new LocalCache(path.join(this.root, 'cache'), opts.cacheMaxBytes, (l) =>
      this.local.stagingDir(l),
    );
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].filter((p) => p !== '').join('/');
  }

  /** Local staging and its sweep, then the bucket's uncommitted attempts older than `staleMs`. */
  async init(staleMs = 6 * 60 * 60 * 1000): Promise<void> {
    await this.local.init(staleMs);
    await mkdir(this.cache.root, { recursive: true });
    await this.sweep(staleMs);
  }

  /** Deletes objects of attempts that are not an entry's commit and older than `staleMs`. */
  async sweep(staleMs: number): Promise<number> {
    let removed = 0;
    const now = Date.now();
    for (const c of COLLECTIONS) {
      const committed = new Map<string, string>();
      const col = this.collection(c) as S3Collection;
      const objects = await this.listAll(this.key(c) + '/');
      const attempts = new Map<string, { keys: string[]; newest: number }>();
      for (const o of objects) {
        const rest = (o.Key ?? '').slice(this.key(c).length + 1).split('/');
        if (rest.length < 3) continue;
        const group = `${rest[0]}/${rest[1]}`;
        const a = attempts.get(group) ?? { keys: [], newest: 0 };
        a.keys.push(o.Key as string);
        a.newest = Math.max(a.newest, o.LastModified?.getTime() ?? now);
        attempts.set(group, a);
      }
      for (const [group, a] of attempts) {
        if (now - a.newest < staleMs) continue;
        const [id = '', attempt] = group.split('/');
        if (!committed.has(id))
          committed.set(id, (await col.commit(id).catch(() => undefined))?.attempt ?? '');
        if (committed.get(id) === attempt) continue;
        await this.deleteKeys(a.keys);
        removed += a.keys.length;
      }
    }
    return removed;
  }

  collection(name: CollectionName): Collection {
    return new S3Collection(this, name);
  }

  stagingDir(label: string): Promise<string> {
    return this.local.stagingDir(label);
  }

  async usage(): Promise<number> {
    let total = 0;
    for (const c of COLLECTIONS) {
      for (const o of await this.listAll(this.key(c) + '/')) total += o.Size ?? 0;
    }
    return total;
  }

  async isWritable(): Promise<boolean> {
    const key = this.key('.probe', randomBytes(6).toString('hex'));
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: 'ok' }));
      return await this.local.isWritable();
    } catch {
      return false;
    } finally {
      // Also after a put that failed late (a timeout after the object was stored).
      await this.client
        .send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }))
        .catch(() => undefined);
    }
  }

  async head(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  async getText(key: string): Promise<string | undefined> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await r.Body!.transformToString('utf8');
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  /**
   * Creates `key` only if absent: the guard's claim (servers that ignore conditional writes),
   * an existence check, then `If-None-Match: *` (servers that honour it settle any race).
   * With `ttlMs` the guard's claim lapses (the object itself is the lasting record).
   */
  async putIfAbsent(key: string, body: string, guardKey: string, ttlMs?: number): Promise<boolean> {
    if (await this.head(key)) return false;
    if (this.guard && !(await this.guard.claim(guardKey, ttlMs))) return false;
    if (await this.head(key)) return false;
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, IfNoneMatch: '*' }),
      );
      return true;
    } catch (err) {
      if (isPreconditionFailed(err)) return false;
      if (this.guard) await this.guard.release(guardKey).catch(() => undefined);
      throw err;
    }
  }

  async putMarker(key: string, value: string): Promise<boolean> {
    const k = this.key(markerPath(key));
    return this.putIfAbsent(k, value, `marker:${this.url}/${markerPath(key)}`);
  }

  readMarker(key: string): Promise<string | undefined> {
    return this.getText(this.key(markerPath(key)));
  }

  async listMarkers(prefix: string): Promise<string[]> {
    const base = this.key(markerPath(prefix)) + '/';
    return (await this.listAll(base))
      .map((o) => (o.Key ?? '').slice(base.length))
      .filter((n) => n !== '' && !n.includes('/'));
  }

  async deleteMarker(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(markerPath(key)) }));
    if (this.guard) await this.guard.release(`marker:${this.url}/${markerPath(key)}`).catch(() => undefined);
  }

  async listAll(prefix: string): Promise<_Object[]> {
    const out: _Object[] = [];
    let token: string | undefined;
    do {
      const r = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      out.push(...(r.Contents ?? []));
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const r = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      if (r.Errors && r.Errors.length > 0) {
        throw new Error(`could not delete ${r.Errors.length} objects: ${r.Errors[0]?.Code ?? ''}`);
      }
    }
  }

  async upload(key: string, file: string, bytes: number): Promise<void> {
    if (bytes < MULTIPART_FROM) {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: await readFile(file) }),
      );
      return;
    }
    await new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: createReadStream(file) },
      queueSize: 4,
      partSize: 8 * 1024 * 1024,
    }).done();
  }

  async download(key: string, file: string): Promise<void> {
    const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, await r.Body!.transformToByteArray());
  }

  close(): void {
    this.client.destroy();
  }
}

class S3Collection implements Collection {
  private readonly commits = new Map<string, CommitDoc>();
  private readonly downloads = new Map<string, Promise<string>>();

  constructor(
    private readonly store: S3Store,
    readonly name: CollectionName,
  ) {}

  private notFound(id: string): NotFoundError {
    return new NotFoundError(`${singular(this.name)} '${id}' not found`);
  }

  private commitKey(id: string): string {
    return this.store.key(COMMITS, this.name, assertSafeId(id));
  }

  private objectKey(id: string, attempt: string, file: string): string {
    return this.store.key(this.name, id, attempt, file);
  }

  /** The entry's commit (cached: commits never change), or undefined. */
  async commit(id: string): Promise<CommitDoc | undefined> {
    const hit = this.commits.get(id);
    if (hit) return hit;
    const text = await this.store.getText(this.commitKey(id));
    if (text === undefined) return undefined;
    const doc = JSON.parse(text) as CommitDoc;
    this.commits.set(id, doc);
    return doc;
  }

  async local(id: string, ...parts: string[]): Promise<string> {
    assertSafeId(id);
    const base = this.store.cache.dirOf(this.name, id);
    const full = path.resolve(base, ...parts);
    if (full !== base && !full.startsWith(base + path.sep)) {
      throw new NotFoundError(`'${parts.join('/')}' is outside entry '${id}'`);
    }
    const cached = await this.store.cache.get(this.name, id);
    if (!cached) {
      let p = this.downloads.get(id);
      if (!p) {
        p = this.fetch(id).finally(() => this.downloads.delete(id));
        this.downloads.set(id, p);
      }
      await p;
    }
    return full;
  }

  private async fetch(id: string): Promise<string> {
    const doc = await this.commit(id);
    if (!doc) throw this.notFound(id);
    const staging = await this.store.stagingDir(`fetch-${this.name}-${id}`);
    try {
      await eachLimited(doc.files, UPLOAD_CONCURRENCY, (f) =>
        this.store.download(this.objectKey(id, doc.attempt, f.path), path.join(staging, f.path)),
      );
      const bytes = doc.files.reduce((n, f) => n + f.bytes, 0);
      return await this.store.cache.put(this.name, id, staging, bytes);
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      if (isMissing(err)) {
        this.commits.delete(id);
        throw this.notFound(id);
      }
      throw err;
    }
  }

  /**
   * The shared change counter (Redis) when there is one: bumped after every commit and delete,
   * before the call returns, so a lookup that starts after a change sees a new stamp. -1 without
   * one, or when it does not answer (callers then must not cache lookups for long).
   */
  changeStamp(): Promise<number> {
    const changes = this.store.changes;
    if (!changes) return Promise.resolve(-1);
    return changes.read(this.scope()).catch(() => -1);
  }

  private scope(): string {
    return `${this.store.url}/${this.name}`;
  }

  /** Tells every process that this collection changed (a lost bump is bounded by their TTLs). */
  private async changed(): Promise<void> {
    await this.store.changes?.bump(this.scope()).catch(() => undefined);
  }

  exists(id: string): Promise<boolean> {
    return this.store.head(this.commitKey(id));
  }

  async create<T>(id: string, write: (stagingDir: string) => Promise<T>): Promise<T> {
    assertSafeId(id);
    const staging = await this.store.stagingDir(`${this.name}-${id}`);
    const attempt = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
    const taken = (): ConflictError => new ConflictError(`${this.name} entry '${id}' already exists`);
    let uploaded: string[] = [];
    try {
      const result = await write(staging);
      if (await this.exists(id)) throw taken();
      const files = await walk(staging);
      uploaded = files.map((f) => this.objectKey(id, attempt, f.path));
      await eachLimited(files, UPLOAD_CONCURRENCY, (f) =>
        this.store.upload(this.objectKey(id, attempt, f.path), path.join(staging, f.path), f.bytes),
      );
      const doc: CommitDoc = { attempt, files, createdAt: new Date().toISOString() };
      const won = await this.store.putIfAbsent(
        this.commitKey(id),
        JSON.stringify(doc),
        `commit:${this.store.url}/${this.name}/${id}`,
        CLAIM_TTL_MS,
      );
      if (!won) throw taken();
      this.commits.set(id, doc);
      await this.changed();
      // The staged folder is exactly the committed entry: keep it as the local copy.
      const bytes = files.reduce((n, f) => n + f.bytes, 0);
      await this.store.cache.put(this.name, id, staging, bytes).catch(() => undefined);
      return result;
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      await this.store.deleteKeys(uploaded).catch(() => undefined); // else the sweep will
      throw await orNoSpace(err, `the ${singular(this.name)} '${id}'`, this.store.root);
    }
  }

  async readJson<T>(id: string, file: string): Promise<T> {
    const doc = await this.commit(id);
    if (!doc) throw this.notFound(id);
    const text = await this.store.getText(this.objectKey(id, doc.attempt, file));
    if (text === undefined) {
      this.commits.delete(id);
      throw this.notFound(id);
    }
    return JSON.parse(text) as T;
  }

  async writeJson(id: string, file: string, value: unknown): Promise<void> {
    const doc = await this.commit(id);
    if (!doc) throw this.notFound(id);
    const body = JSON.stringify(value, null, 2);
    await this.store.client
      .send(
        new PutObjectCommand({
          Bucket: this.store.bucket,
          Key: this.objectKey(id, doc.attempt, file),
          Body: body,
        }),
      )
      .catch(async (err: unknown) => {
        throw await orNoSpace(err, `${file} of ${singular(this.name)} '${id}'`, this.store.root);
      });
    await this.store.cache.drop(this.name, id);
  }

  async ids(): Promise<string[]> {
    const base = this.store.key(COMMITS, this.name) + '/';
    const objects = await this.store.listAll(base);
    return objects
      .map((o) => ({ n: (o.Key ?? '').slice(base.length), t: o.LastModified?.getTime() ?? 0 }))
      .filter((x) => {
        try {
          assertSafeId(x.n);
          return true;
        } catch {
          return false;
        }
      })
      .sort((a, b) => b.t - a.t || (a.n < b.n ? -1 : 1))
      .map((x) => x.n);
  }

  async list<T>(file: string, filter?: (item: T) => boolean): Promise<T[]> {
    const ids = await this.ids();
    const items: Array<T | undefined> = new Array(ids.length);
    await eachLimited(
      ids.map((id, i) => ({ id, i })),
      16,
      async ({ id, i }) => {
        items[i] = await this.readJson<T>(id, file).catch(() => undefined);
      },
    );
    return items.filter((x): x is T => x !== undefined && (filter ? filter(x) : true));
  }

  async page<T>(
    file: string,
    limit: number,
    offset: number,
    filter?: (item: T) => boolean,
  ): Promise<Page<T>> {
    const all = await this.list<T>(file, filter);
    return { items: all.slice(offset, offset + limit), total: all.length, limit, offset };
  }

  async remove(id: string): Promise<void> {
    const key = this.commitKey(id);
    if (!(await this.store.head(key))) throw this.notFound(id);
    await this.store.client.send(new DeleteObjectCommand({ Bucket: this.store.bucket, Key: key }));
    this.commits.delete(id);
    await this.changed();
    await this.store.cache.drop(this.name, id);
    const objects = await this.store.listAll(this.store.key(this.name, id) + '/');
    await this.store.deleteKeys(objects.map((o) => o.Key as string));
  }
}
