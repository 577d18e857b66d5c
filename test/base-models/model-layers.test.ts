import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBase, loadBaseModel } from '../../src/base-models/base-ref.js';
import { newId } from '../../src/lib/ids.js';
import { saveModelToDir } from '../../src/ml/model-io.js';
import { loadOpenApi } from '../../src/http/plugins/docs.js';
import type { ModelMeta } from '../../src/contracts/model-meta.js';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { tinyImageModel } from '../helpers/base-model-fixtures.js';

let ctx: TestContext;
let http: Api;
let modelId: string;
let trained: tf.LayersModel;

/** A "trained" model as the trainer stores it: a frozen base layer, a new head, and meta.json. */
async function saveTrainedModel(): Promise<string> {
  const input = tf.input({ shape: [8], name: 'features' });
  const base = tf.layers.dense({ units: 6, activation: 'relu', name: 'base_dense', trainable: false });
  const hidden = base.apply(input) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ units: 2, activation: 'softmax', name: 'head' })
    .apply(hidden) as tf.SymbolicTensor;
  trained = tf.model({ inputs: input, outputs: out });
  const id = newId('model');
  await ctx.runtime.store.collection('models').create(id, async (dir) => {
    const { bytes } = await saveModelToDir(trained, dir);
    const meta: ModelMeta = {
      id,
      name: 'layers-test',
      createdAt: new Date().toISOString(),
      task: 'classification',
      labels: ['cat', 'dog'],
      inputShape: [8],
      preprocessing: { kind: 'tabular', tabular: { features: ['a'], mean: [0], std: [1] } },
      history: [],
      lineage: { base: null },
      params: { total: trained.countParams(), trainable: 2 * 6 + 2 },
      sizeBytes: bytes,
    };
    await writeFile(path.join(dir, 'meta.json'), JSON.stringify(meta));
  });
  return id;
}

beforeAll(async () => {
  ctx = await buildTestApp({ TFJS_BACKEND: 'cpu' });
  http = api(ctx);
  await ctx.runtime.backend();
  modelId = await saveTrainedModel();
});

afterAll(async () => {
  trained?.dispose();
  await ctx?.close();
});

describe('GET /v1/models/:id/layers', () => {
  it('lists the layers of a trained model, with its frozen layers marked', async () => {
    const tensors = tf.memory().numTensors;
    const res = await http.get(`/v1/models/${modelId}/layers`);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      id: modelId,
      params: { total: 8 * 6 + 6 + 6 * 2 + 2, trainable: 6 * 2 + 2, nonTrainable: 8 * 6 + 6 },
      recommendedCutAt: null,
      layers: [
        {
          index: 0,
          name: 'features',
          className: 'InputLayer',
          outputShape: [null, 8],
          params: 0,
          trainable: false,
          inbound: [],
        },
        {
          index: 1,
          name: 'base_dense',
          className: 'Dense',
          outputShape: [null, 6],
          params: 54,
          trainable: false,
          inbound: ['features'],
        },
        {
          index: 2,
          name: 'head',
          className: 'Dense',
          outputShape: [null, 2],
          params: 14,
          trainable: true,
          inbound: ['base_dense'],
        },
      ],
    });
    // Second call is served from the cache and gives the same answer.
    const again = await http.get(`/v1/models/${modelId}/layers`);
    expect(again.body).toEqual(res.body);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('answers 404 for an unknown model and 400 for a malformed id', async () => {
    const missing = await http.get(`/v1/models/${newId('model')}/layers`);
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toMatch(/model 'm_\w+' not found/);
    const bad = await http.get('/v1/models/..%2Fbase-models/layers');
    expect(bad.status).toBe(400);
  });
});

describe('loadBaseModel / describeBase', () => {
  it('read a trained model and a registered base model alike', async () => {
    const tiny = await tinyImageModel([16, 16, 3]);
    const reg = await http.form('/v1/base-models', [
      { name: 'model.json', filename: 'model.json', data: tiny.modelJson },
      { name: 'w', filename: 'weights.bin', data: tiny.weights },
      { name: 'preprocessing', data: JSON.stringify({ size: [16, 16], scale: [-1, 1] }) },
    ]);
    expect(reg.status, reg.text).toBe(201);
    const baseModelId = reg.body.id as string;
    const store = ctx.runtime.store;
    const tensors = tf.memory().numTensors;

    const base = await describeBase(store, { baseModelId });
    expect(base).toMatchObject({
      collection: 'base-models',
      inputShape: [16, 16, 3],
      outputShape: [3],
      params: { total: tiny.params },
      preprocessing: { kind: 'image', image: { size: [16, 16], scale: [-1, 1] } },
      labels: null,
    });
    expect(base.layers.map((l) => l.name)).toEqual(['image', 'conv', 'pool', 'probs']);

    const model = await describeBase(store, { modelId });
    expect(model).toMatchObject({
      collection: 'models',
      name: 'layers-test',
      inputShape: [8],
      outputShape: [2],
      labels: ['cat', 'dog'],
      preprocessing: { kind: 'tabular' },
    });

    const loaded = await loadBaseModel(store, { modelId });
    const x = tf.ones([1, 8]);
    const [a, b] = [trained.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([x, a, b]);
    loaded.dispose();
    const loadedBase = await loadBaseModel(store, { baseModelId });
    expect(loadedBase.countParams()).toBe(tiny.params);
    loadedBase.dispose();
    expect(tf.memory().numTensors).toBe(tensors);

    await expect(loadBaseModel(store, { baseModelId: newId('baseModel') })).rejects.toMatchObject({
      name: 'NotFoundError',
    });
    await expect(describeBase(store, { modelId: 'nope' })).rejects.toMatchObject({ name: 'ValidationError' });
  });
});

describe('openapi.yaml', () => {
  it('documents every base-model and layer route, and /docs serves it', async () => {
    const spec = loadOpenApi() as { paths: Record<string, Record<string, unknown>> };
    for (const [method, url] of [
      ['post', '/v1/base-models'],
      ['get', '/v1/base-models'],
      ['get', '/v1/base-models/catalog'],
      ['get', '/v1/base-models/{id}'],
      ['delete', '/v1/base-models/{id}'],
      ['get', '/v1/base-models/{id}/layers'],
      ['get', '/v1/models/{id}/layers'],
    ] as const) {
      expect(spec.paths[url]?.[method], `${method} ${url}`).toBeDefined();
      const route = url.replace('{id}', ':id');
      expect(
        ctx.app.hasRoute({ method: method.toUpperCase() as 'GET', url: route }),
        `${method} ${route}`,
      ).toBe(true);
    }
    const docs = await http.get('/docs/json');
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.body.paths)).toContain('/v1/base-models/{id}/layers');
  });
});
