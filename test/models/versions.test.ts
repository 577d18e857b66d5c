import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import { modelNameProblem } from '../../src/contracts/model-name.js';
import { parseModelRef } from '../../src/models/names.js';
import { ModelRegistry } from '../../src/models/registry.js';
import type { Store } from '../../src/storage/store.js';
import { loadConfig } from '../../src/config/env.js';
import { openStore } from '../../src/queue/open-store.js';
import { REDIS_URL, deleteKeys } from '../helpers/app.js';
import { s3Url, startS3, type TestS3 } from '../helpers/s3-server.js';
import { saveModel, tabularMeta, tabularRegressor } from '../helpers/serving-fixtures.js';

const run = promisify(execFile);

describe('model names', () => {
  it('accepts plain names and rejects anything with id syntax or path characters', () => {
    for (const ok of ['flowers', 'Flowers-v2', 'a', 'mobilenet_v2.ft', 'm_short']) {
      expect(modelNameProblem(ok), ok).toBeUndefined();
    }
    for (const bad of [
      newId('model'),
      newId('dataset'),
      '',
      '../x',
      'a/b',
      '.hidden',
      '-x',
      'x'.repeat(65),
      'a b',
    ]) {
      expect(modelNameProblem(bad), bad).toBeDefined();
    }
    expect(parseModelRef(newId('model')).kind).toBe('id');
    expect(parseModelRef('flowers')).toEqual({ kind: 'name', name: 'flowers' });
    expect(() => parseModelRef('../etc')).toThrow(/neither a model id nor a valid model name/);
  });
});

describe.each(['file', 's3'] as const)('model versions (%s://)', (kind) => {
  let dataDir: string;
  let store: Store;
  let registry: ModelRegistry;
  let s3: TestS3 | undefined;
  const redisPrefix = `test-${randomBytes(5).toString('hex')}`;
  let env: Record<string, string> = {};
  const opened: Array<() => Promise<void>> = [];
  const model = tabularRegressor();

  /** A store as one more process would open it: same STORAGE_URL, its own DATA_DIR. */
  async function openOther(dir = dataDir): Promise<Store> {
    const config = loadConfig({ ...env, DATA_DIR: dir });
    const o = openStore(config);
    opened.push(o.close);
    await o.store.init();
    return o.store;
  }

  beforeAll(async () => {
    await tf.setBackend('cpu');
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'versions-'));
    env = { DATA_DIR: dataDir, REDIS_URL, QUEUE_PREFIX: redisPrefix };
    if (kind === 's3') {
      s3 = await startS3();
      env = { ...env, ...s3.env, STORAGE_URL: s3Url(s3) };
      // The SDK's default credential chain reads these from the process environment.
      process.env['AWS_ACCESS_KEY_ID'] = s3.credentials.accessKeyId;
      process.env['AWS_SECRET_ACCESS_KEY'] = s3.credentials.secretAccessKey;
    }
    store = await openOther();
    registry = new ModelRegistry(store);
  });
  afterAll(async () => {
    model.dispose();
    for (const close of opened) await close();
    await s3?.close();
    delete process.env['AWS_ACCESS_KEY_ID'];
    delete process.env['AWS_SECRET_ACCESS_KEY'];
    await deleteKeys(`${redisPrefix}:*`);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('gives concurrent saves of one name distinct consecutive versions', async () => {
    const metas = await Promise.all(
      Array.from({ length: 8 }, () => saveModel(store, model, tabularMeta('regression'), 'race')),
    );
    expect(metas.map((m) => m.version).sort((a, b) => a! - b!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(new Set(metas.map((m) => m.id)).size).toBe(8);
    const newest = await registry.resolve('race');
    expect(newest.version).toBe(8);
    expect((await registry.resolve('race', 3)).id).toBe(metas.find((m) => m.version === 3)!.id);
  });

  it('stays race-free across processes sharing the store', async () => {
    const child = fileURLToPath(new URL('../helpers/save-versions-child.ts', import.meta.url));
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    // On s3:// each process has its own DATA_DIR: they share only the bucket and Redis.
    const spawnOne = async () =>
      run(process.execPath, ['--import', tsx, child, 'shared', '4'], {
        env: {
          ...process.env,
          ...env,
          DATA_DIR: kind === 's3' ? await mkdtemp(path.join(os.tmpdir(), 'versions-child-')) : dataDir,
        },
      });
    const [a, b] = await Promise.all([
      spawnOne(),
      spawnOne(),
      saveModel(store, model, tabularMeta('regression'), 'shared'),
    ]);
    const versions = [...JSON.parse(a.stdout), ...JSON.parse(b.stdout)] as number[];
    const mine = (await registry.list({ limit: 100, offset: 0, name: 'shared' })).items.map((m) => m.version);
    expect(mine).toHaveLength(9);
    expect([...mine].sort((x, y) => x! - y!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(versions.every((v) => mine.includes(v))).toBe(true);
  }, 60_000);

  it('never reuses the number of a deleted version, and 404s for it', async () => {
    const v1 = await saveModel(store, model, tabularMeta('regression'), 'deleting');
    const v2 = await saveModel(store, model, tabularMeta('regression'), 'deleting');
    await registry.remove(v2.id);
    expect((await registry.resolve('deleting')).id).toBe(v1.id);
    await expect(registry.resolve('deleting', 2)).rejects.toMatchObject({ name: 'NotFoundError' });
    const v3 = await saveModel(store, model, tabularMeta('regression'), 'deleting');
    expect(v3.version).toBe(3);
    expect((await registry.resolve('deleting')).id).toBe(v3.id);
  });

  it('numbers from the stored models when the version bookkeeping is missing', async () => {
    const v1 = await saveModel(store, model, tabularMeta('regression'), 'healing');
    for (const n of await store.listMarkers('model-versions/healing')) {
      await store.deleteMarker(`model-versions/healing/${n}`);
    }
    const v2 = await saveModel(store, model, tabularMeta('regression'), 'healing');
    expect([v1.version, v2.version]).toEqual([1, 2]);
  });

  it('sees versions published and models deleted by another process at once', async () => {
    // As a trainer process would (on s3://, on another machine).
    const other = new ModelRegistry(await openOther(kind === 's3' ? path.join(dataDir, 'other') : dataDir));
    const v1 = await other.save({ model, meta: tabularMeta('regression'), name: 'watched' });
    await new Promise((r) => setTimeout(r, 150)); // past the window in which lookups are not cached
    expect((await registry.resolve('watched')).id).toBe(v1.id);
    expect((await registry.resolve('watched')).id).toBe(v1.id);
    const v2 = await other.save({ model, meta: tabularMeta('regression'), name: 'watched' });
    expect((await registry.resolve('watched')).id).toBe(v2.id);
    await new Promise((r) => setTimeout(r, 150));
    expect((await registry.get(v2.id)).id).toBe(v2.id);
    await other.remove(v2.id);
    await expect(registry.get(v2.id)).rejects.toMatchObject({ name: 'NotFoundError' });
    expect((await registry.resolve('watched')).id).toBe(v1.id);
  });

  it('answers 404 for unknown names and ids, and rejects meta that does not fit the model', async () => {
    await expect(registry.resolve('nobody')).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(registry.resolve(newId('model'))).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(
      saveModel(store, model, { ...tabularMeta('regression'), inputShape: [5] }, 'broken'),
    ).rejects.toThrow(/inputShape/);
    expect((await registry.list({ limit: 10, offset: 0, name: 'broken' })).total).toBe(0);
  });
});
