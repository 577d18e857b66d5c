import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelMeta } from '../../src/contracts/model-meta.js';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { imageClassifier, imageMeta, saveModel, solidPng } from '../helpers/serving-fixtures.js';

/** /metrics shows live tensors per process, so a leak in a long-running service is visible. */
describe('tensor counts on /metrics', () => {
  let ctx: TestContext;
  let http: Api;
  let meta: ModelMeta;
  let png: Buffer;
  beforeAll(async () => {
    ctx = await buildTestApp({ PREDICT_THREADS: '1' });
    http = api(ctx);
    await tf.setBackend('cpu');
    const model = await imageClassifier(false);
    meta = await saveModel(ctx.runtime.store, model, imageMeta());
    model.dispose();
    png = await solidPng([0, 255, 0]);
  });
  afterAll(() => ctx.close());

  const predictN = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const res = await http.predict(meta.id, { instances: [{ b64: png.toString('base64') }] });
      expect(res.status).toBe(200);
    }
  };
  const tensors = async () => {
    const text = (await http.get('/metrics')).text;
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
