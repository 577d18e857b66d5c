import { execFile } from 'node:child_process';
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
import { FsStore } from '../../src/storage/fs-store.js';
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

describe('model versions', () => {
  let dataDir: string;
  let store: Store;
  let registry: ModelRegistry;
  const model = tabularRegressor();

  beforeAll(async () => {
    await tf.setBackend('cpu');
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'versions-'));
    store = new FsStore(dataDir);
    await store.init();
    registry = new ModelRegistry(store);
  });
  afterAll(async () => {
    model.dispose();
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

  it('stays race-free across processes sharing DATA_DIR', async () => {
    const child = fileURLToPath(new URL('../helpers/save-versions-child.ts', import.meta.url));
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const spawnOne = () => run(process.execPath, ['--import', tsx, child, dataDir, 'shared', '4']);
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
    await rm(path.join(dataDir, '.model-versions', 'healing'), { recursive: true });
    const v2 = await saveModel(store, model, tabularMeta('regression'), 'healing');
    expect([v1.version, v2.version]).toEqual([1, 2]);
  });

  it('sees versions published and models deleted by another process at once', async () => {
    const other = new ModelRegistry(new FsStore(dataDir)); // as a trainer process would
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
