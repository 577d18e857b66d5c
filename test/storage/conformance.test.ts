import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import { RedisGuard } from '../../src/queue/redis-guard.js';
import { FsStore } from '../../src/storage/fs-store.js';
import { S3Store } from '../../src/storage/s3-store.js';
import type { Store } from '../../src/storage/store.js';
import { REDIS_URL, deleteKeys } from '../helpers/app.js';
import { s3Url, startS3, type TestS3 } from '../helpers/s3-server.js';

/** One suite, both stores: what callers rely on holds on file:// and on s3:// alike. */

let s3: TestS3;
let redis: Redis;
const redisPrefix = `test-${randomBytes(5).toString('hex')}`;
beforeAll(async () => {
  s3 = await startS3();
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  await s3.close();
  redis.disconnect();
  await deleteKeys(`${redisPrefix}:*`);
});

function s3Store(dataDir: string, url: string, cacheMaxBytes = 1 << 30): S3Store {
  return new S3Store({
    url,
    dataDir,
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: s3.credentials,
    cacheMaxBytes,
    guard: new RedisGuard(redis, redisPrefix),
  });
}

/** Every object key under the store's prefix. */
async function objectsOf(store: Store): Promise<string[]> {
  if (!(store instanceof S3Store)) return [];
  return (await store.listAll(store.prefix + '/')).map((o) => o.Key as string);
}

describe.each(['file', 's3'] as const)('store conformance (%s://)', (kind) => {
  let root: string;
  let url: string;
  let store: Store;
  /** A second process's view of the same store, on its own DATA_DIR. */
  let other: () => Promise<Store>;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'store-'));
    url = s3Url(s3);
    store = kind === 'file' ? new FsStore(root) : s3Store(path.join(root, 'a'), url);
    await store.init();
    other = async () => {
      const s =
        kind === 'file'
          ? new FsStore(root)
          : s3Store(path.join(root, `b-${randomBytes(3).toString('hex')}`), url);
      await s.init();
      return s;
    };
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('publishes an entry only when its writer completes, and another process reads it', async () => {
    const datasets = store.collection('datasets');
    const id = newId('dataset');
    let seenDuringWrite: string[] = ['?'];
    await datasets.create(id, async (dir) => {
      await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ id, n: 1 }));
      await mkdir(path.join(dir, 'examples'));
      await writeFile(path.join(dir, 'examples', 'a.bin'), Buffer.alloc(1000, 7));
      seenDuringWrite = await datasets.ids();
      expect(await datasets.exists(id)).toBe(false);
    });
    expect(seenDuringWrite).toEqual([]);
    expect(await datasets.ids()).toEqual([id]);
    expect(await datasets.readJson(id, 'manifest.json')).toEqual({ id, n: 1 });

    const there = (await other()).collection('datasets');
    expect(await there.ids()).toEqual([id]);
    expect(await there.exists(id)).toBe(true);
    const file = await there.local(id, 'examples', 'a.bin');
    expect(await readFile(file)).toEqual(Buffer.alloc(1000, 7));
    expect((await readdir(await there.local(id))).sort()).toEqual(['examples', 'manifest.json']);
  });

  it('leaves nothing listed, staged or stored when a write fails mid-way', async () => {
    const models = store.collection('models');
    const id = newId('model');
    await expect(
      models.create(id, async (dir) => {
        await writeFile(path.join(dir, 'model.json'), '{"half":');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await models.ids()).toEqual([]);
    expect(await models.exists(id)).toBe(false);
    expect(await models.list('meta.json')).toEqual([]);
    await expect(models.readJson(id, 'meta.json')).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(models.local(id)).rejects.toMatchObject({ name: 'NotFoundError' });
    expect(await readdir(path.join(store.root, '.tmp'))).toEqual([]);
    expect(await objectsOf(store)).toEqual([]);
  });

  it('lets exactly one of two concurrent creates of one id publish; the other gets ConflictError', async () => {
    const models = store.collection('models');
    const id = newId('model');
    const twin = (await other()).collection('models');
    const write = (tag: string) => async (dir: string) => {
      await writeFile(path.join(dir, 'meta.json'), JSON.stringify({ tag }));
      await writeFile(path.join(dir, 'weights.bin'), Buffer.alloc(5000, tag === 'a' ? 1 : 2));
      return tag;
    };
    const results = await Promise.allSettled([models.create(id, write('a')), twin.create(id, write('b'))]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost[0]?.reason).toMatchObject({ name: 'ConflictError' });
    const tag = (won[0] as PromiseFulfilledResult<string>).value;
    // The published entry is the winner's, whole: meta and weights of one writer.
    const reader = (await other()).collection('models');
    expect(await reader.readJson(id, 'meta.json')).toEqual({ tag });
    expect(await readFile(await reader.local(id, 'weights.bin'))).toEqual(
      Buffer.alloc(5000, tag === 'a' ? 1 : 2),
    );
    await expect(models.create(id, write('c'))).rejects.toMatchObject({ name: 'ConflictError' });
  });

  it('removes an entry and all its objects; a second remove is NotFound', async () => {
    const c = store.collection('base-models');
    const id = newId('baseModel');
    await c.create(id, async (dir) => {
      await writeFile(path.join(dir, 'meta.json'), '{}');
      await writeFile(path.join(dir, 'group1-shard1of1'), Buffer.alloc(100));
    });
    const there = (await other()).collection('base-models');
    await there.local(id); // a cached copy elsewhere
    await c.remove(id);
    expect(await c.exists(id)).toBe(false);
    expect(await there.exists(id)).toBe(false);
    expect(await there.ids()).toEqual([]);
    await expect(c.remove(id)).rejects.toMatchObject({ name: 'NotFoundError' });
    expect(await objectsOf(store)).toEqual([]);
  });

  it('pages listings newest first and replaces a JSON file', async () => {
    const c = store.collection('models');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = newId('model');
      ids.push(id);
      await c.create(id, (dir) => writeFile(path.join(dir, 'meta.json'), JSON.stringify({ id, i })));
      await new Promise((r) => setTimeout(r, kind === 's3' ? 1100 : 5)); // S3 LastModified: seconds
    }
    const page = await c.page<{ id: string }>('meta.json', 2, 0);
    expect(page.total).toBe(3);
    expect(page.items.map((m) => m.id)).toEqual([ids[2], ids[1]]);
    await c.writeJson(ids[0]!, 'meta.json', { id: ids[0], i: 9 });
    expect(await (await other()).collection('models').readJson(ids[0]!, 'meta.json')).toEqual({
      id: ids[0],
      i: 9,
    });
    await expect(c.writeJson(newId('model'), 'meta.json', {})).rejects.toMatchObject({
      name: 'NotFoundError',
    });
  });

  it('never lets an id or a path escape its entry', async () => {
    const c = store.collection('datasets');
    for (const bad of ['..', '../models', 'ds_../../etc', '/etc/passwd', '']) {
      await expect(c.local(bad)).rejects.toThrow(/not a valid id/);
    }
    const id = newId('dataset');
    await c.create(id, (dir) => writeFile(path.join(dir, 'manifest.json'), '{}'));
    await expect(c.local(id, '..', '..', 'secret')).rejects.toThrow(/outside/);
    await expect(store.putMarker('model-versions/../x', 'a')).rejects.toThrow(/not a valid marker/);
  });

  it('hands each marker to exactly one of many concurrent claimers, across processes', async () => {
    const stores = [store, await other(), await other()];
    const key = `model-versions/flowers/${1}`;
    const results = await Promise.all(
      stores.flatMap((s, i) => [s.putMarker(key, `m${i}a`), s.putMarker(key, `m${i}b`)]),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const value = await stores[2]!.readMarker(key);
    expect(value).toMatch(/^m[0-2][ab]$/);
    expect(await store.listMarkers('model-versions/flowers')).toEqual(['1']);
    await store.deleteMarker(key);
    expect(await store.readMarker(key)).toBeUndefined();
    expect(await store.isWritable()).toBe(true);
  });

  if (kind === 's3') {
    it('sweeps a killed writer’s uncommitted objects once past the grace period', async () => {
      const s = store as S3Store;
      const id = newId('model');
      await s.collection('models').create(id, (dir) => writeFile(path.join(dir, 'meta.json'), '{}'));
      // What a writer killed mid-upload leaves: objects under an attempt with no commit.
      const orphan = s.key('models', newId('model'), 'attempt1', 'model.json');
      await s.client.send(new PutObjectCommand({ Bucket: s.bucket, Key: orphan, Body: '{"half":' }));
      expect(await s.collection('models').ids()).toEqual([id]);
      expect(await s.sweep(60_000)).toBe(0); // fresh: may be a write in progress
      expect(await objectsOf(s)).toContain(orphan);
      await new Promise((r) => setTimeout(r, 1100));
      expect(await s.sweep(500)).toBe(1);
      expect(await objectsOf(s)).not.toContain(orphan);
      expect(await s.collection('models').readJson(id, 'meta.json')).toEqual({});
    });

    it('keeps the local cache within its byte budget, least recently used out first', async () => {
      const dataDir = path.join(root, 'small');
      const small = s3Store(dataDir, url, 25_000);
      const c = small.collection('datasets');
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const id = newId('dataset');
        ids.push(id);
        await store
          .collection('datasets')
          .create(id, (dir) => writeFile(path.join(dir, 'data.bin'), Buffer.alloc(10_000, i)));
      }
      const cache = small.cache;
      await c.local(ids[0]!);
      await c.local(ids[1]!);
      // Age them past the in-use window, the first one oldest.
      const past = (s: number) => new Date(Date.now() - s * 1000);
      await utimes(cache.dirOf('datasets', ids[0]!), past(900), past(900));
      await utimes(cache.dirOf('datasets', ids[1]!), past(600), past(600));
      await c.local(ids[2]!);
      expect(await cache.size()).toBeLessThanOrEqual(25_000);
      expect(await readdir(path.join(dataDir, 'cache', 'datasets'))).not.toContain(ids[0]);
      // Evicted copies come back on demand.
      expect(await readFile(await c.local(ids[0]!, 'data.bin'))).toEqual(Buffer.alloc(10_000, 0));
      small.close();
    });
  }
});
