import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelMeta } from '../../src/contracts/model-meta.js';
import { api } from '../helpers/api.js';
import { buildTestApp, waitFor, type TestContext } from '../helpers/app.js';
import { metricValue, saveModel, tabularClassifier, tabularMeta } from '../helpers/serving-fixtures.js';

const ROW = { instances: [[1, 2, 3, 4]] };
/** (4*8 + 8 + 8*3 + 3) float32 weights. */
const TABULAR_BYTES = (4 * 8 + 8 + 8 * 3 + 3) * 4;

async function stored(ctx: TestContext, n: number): Promise<ModelMeta[]> {
  const model = tabularClassifier();
  try {
    return await Promise.all(
      Array.from({ length: n }, () => saveModel(ctx.runtime.store, model, tabularMeta('classification'))),
    );
  } finally {
    model.dispose();
  }
}

async function resident(ctx: TestContext): Promise<string[]> {
  const stats = await ctx.app.predictions.stats();
  return stats.flatMap((s) => s.models.map((m) => m.modelId)).sort();
}

async function loads(ctx: TestContext): Promise<number> {
  return (await ctx.app.predictions.stats()).reduce((n, s) => n + s.loads, 0);
}

const predict = (ctx: TestContext, id: string) => api(ctx).predict(id, ROW);

beforeAll(() => tf.setBackend('cpu'));

describe('model cache bounded by count', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp({ MODEL_CACHE_MAX_MODELS: '2', PREDICT_MAX_BATCH: '1' });
  });
  afterAll(() => ctx?.close());

  it('loads each model once even under concurrent first requests', async () => {
    const [m] = await stored(ctx, 1);
    const responses = await Promise.all(Array.from({ length: 8 }, () => predict(ctx, m!.id)));
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(await loads(ctx)).toBe(1);

    // Directly at the pool too: ten concurrent loads of a new model, one load.
    const [n] = await stored(ctx, 1);
    const pool = await ctx.app.predictions.start();
    const target = {
      modelId: n!.id,
      dir: await ctx.runtime.store.collection('models').local(n!.id),
      shape: [4],
    };
    await Promise.all(Array.from({ length: 10 }, () => pool.load(target)));
    expect(await loads(ctx)).toBe(2);
    expect(await resident(ctx)).toEqual([m!.id, n!.id].sort());
  });

  it('evicts the least recently used model past MODEL_CACHE_MAX_MODELS, disposing its tensors', async () => {
    const [a, b, c] = await stored(ctx, 3);
    for (const m of [a, b]) expect((await predict(ctx, m!.id)).status).toBe(200);
    const tensorsWithTwo = (await ctx.app.predictions.stats())[0]!.numTensors;
    expect(await resident(ctx)).toEqual([a!.id, b!.id].sort());

    expect((await predict(ctx, a!.id)).status).toBe(200); // a is now the most recent
    const before = await loads(ctx);
    expect((await predict(ctx, c!.id)).status).toBe(200);
    expect(await loads(ctx)).toBe(before + 1);
    expect(
      await waitFor(async () => ((await resident(ctx)).includes(b!.id) ? false : resident(ctx))),
    ).toEqual([a!.id, c!.id].sort());
    expect((await ctx.app.predictions.stats())[0]!.numTensors).toBe(tensorsWithTwo);

    expect((await predict(ctx, b!.id)).status).toBe(200); // back again: loaded again
    expect(await loads(ctx)).toBe(before + 2);
    const text = (await api(ctx).get('/metrics')).text;
    expect(metricValue(text, 'model_evictions_total')).toBeGreaterThanOrEqual(2);
    expect(metricValue(text, 'model_cache_models')).toBe(2);
  });

  it('evicts and disposes a deleted model, and 404s it afterwards', async () => {
    const [m] = await stored(ctx, 1);
    expect((await predict(ctx, m!.id)).status).toBe(200);
    const withIt = (await ctx.app.predictions.stats())[0]!;
    expect(withIt.models.map((x) => x.modelId)).toContain(m!.id);

    expect((await api(ctx).delete(`/v1/models/${m!.id}`)).status).toBe(204);
    const after = await waitFor(async () => {
      const s = (await ctx.app.predictions.stats())[0]!;
      return s.models.some((x) => x.modelId === m!.id) ? false : s;
    });
    expect(after.numTensors).toBeLessThan(withIt.numTensors);
    expect((await predict(ctx, m!.id)).status).toBe(404);
  });
});

describe('model cache bounded by bytes', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp({ MODEL_CACHE_MAX_BYTES: String(2 * TABULAR_BYTES + 100) });
  });
  afterAll(() => ctx?.close());

  it('keeps what fits in MODEL_CACHE_MAX_BYTES and refuses a model larger than all of it', async () => {
    const [a, b, c] = await stored(ctx, 3);
    for (const m of [a, b, c]) expect((await predict(ctx, m!.id)).status).toBe(200);
    expect(await waitFor(async () => ((await resident(ctx)).length === 2 ? resident(ctx) : false))).toEqual(
      [b!.id, c!.id].sort(),
    );
    const [s] = await ctx.app.predictions.stats();
    expect(s!.models.every((m) => m.bytes === TABULAR_BYTES)).toBe(true);

    const big = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [4], units: 64 }),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    const bigMeta = await saveModel(ctx.runtime.store, big, tabularMeta('classification'));
    big.dispose();
    const res = await predict(ctx, bigMeta.id);
    expect(res.status).toBe(503);
    expect(res.body.detail).toMatch(/MODEL_CACHE_MAX_BYTES/);
  });
});

describe('no tensor leaks', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp();
  });
  afterAll(() => ctx?.close());

  it('keeps the worker tensor count stable over 1,000 predictions', async () => {
    const [m] = await stored(ctx, 1);
    expect((await predict(ctx, m!.id)).status).toBe(200);
    const [before] = await ctx.app.predictions.stats();
    for (let i = 0; i < 20; i++) {
      const batch = await Promise.all(
        Array.from({ length: 50 }, (_, j) => api(ctx).predict(m!.id, { instances: [[i, j, i - j, 1]] })),
      );
      expect(batch.every((r) => r.status === 200)).toBe(true);
    }
    const [after] = await ctx.app.predictions.stats();
    expect(after!.batches - before!.batches).toBeGreaterThan(0);
    expect(after!.numTensors).toBe(before!.numTensors);
    expect(after!.numBytes).toBe(before!.numBytes);
  });
});
