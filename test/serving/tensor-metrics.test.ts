import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelMeta } from '../../src/contracts/model-meta.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { imageClassifier, imageMeta, saveModel, solidPng } from '../helpers/serving-fixtures.js';

/** /metrics shows live tensors per process, so a leak in a long-running service is visible. */
describe('tensor counts on /metrics', () => {
  let ctx: TestContext;
  let meta: ModelMeta;
  let png: Buffer;
  beforeAll(async () => {
    ctx = await buildTestApp({ PREDICT_THREADS: '1' });
    await tf.setBackend('cpu');
    const model = await imageClassifier(false);
    meta = await saveModel(ctx.runtime.store, model, imageMeta());
    model.dispose();
    png = await solidPng([0, 255, 0]);
  });
  afterAll(() => ctx.close());

  const predictN = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: `/v1/models/${meta.id}/predict`,
        payload: { instances: [{ b64: png.toString('base64') }] },
      });
      expect(res.statusCode).toBe(200);
    }
  };
  const tensors = async () => {
    const text = (await ctx.app.inject({ url: '/metrics' })).body;
    const out: Record<string, number> = {};
    for (const m of text.matchAll(/^tfjs_tensors\{process="([^"]+)"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
    return out;
  };

  it('reports the API and each inference worker, and the worker count stays flat', async () => {
    await predictN(3);
    const first = await tensors();
    expect(Object.keys(first)).toContain('api');
    const workers = Object.keys(first).filter((k) => k !== 'api');
    expect(workers).toHaveLength(1);
    // The resident model's weights are live tensors.
    expect(first[workers[0]!]).toBeGreaterThan(0);
    await predictN(20);
    expect((await tensors())[workers[0]!]).toBe(first[workers[0]!]);
  });
});
