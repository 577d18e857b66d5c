import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelMeta } from '../../src/contracts/model-meta.js';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { imageClassifier, imageMeta, saveModel, solidPng } from '../helpers/serving-fixtures.js';

/**
 * A request's images are held to one pixel budget, read from their headers before anything
 * is decoded: a few small files that declare huge dimensions are refused at once.
 */
describe('per-request pixel budget', () => {
  let ctx: TestContext;
  let http: Api;
  let meta: ModelMeta;
  let small: Buffer;
  beforeAll(async () => {
    // 64x64 = 4096 pixels an image; two fit the budget, three do not.
    ctx = await buildTestApp({ PREDICT_MAX_REQUEST_PIXELS: '10000', PREDICT_THREADS: '1' });
    http = api(ctx);
    await tf.setBackend('cpu');
    const model = await imageClassifier(false);
    meta = await saveModel(ctx.runtime.store, model, imageMeta());
    model.dispose();
    small = await solidPng([255, 0, 0], 64);
  });
  afterAll(() => ctx.close());

  const b64 = (buf: Buffer) => ({ b64: buf.toString('base64') });
  const predict = (payload: object) => http.predict(meta.id, payload);

  it('decodes a request within the budget', async () => {
    const res = await predict({ instances: [b64(small), b64(small)] });
    expect(res.status, res.text).toBe(200);
    expect(res.body.predictions).toHaveLength(2);
  });

  it('refuses JSON images over the budget with a 413 naming the total and the setting', async () => {
    const res = await predict({ instances: [b64(small), b64(small), b64(small)] });
    expect(res.status).toBe(413);
    expect(res.body.detail).toMatch(/12,288 pixels in all; at most 10,000 .*PREDICT_MAX_REQUEST_PIXELS/);
  });

  it('refuses multipart images over the budget the same way', async () => {
    const res = await http.form(
      `/v1/models/${meta.id}/predict`,
      [1, 2, 3].map((i) => ({ name: 'file', filename: `${i}.png`, type: 'image/png', data: small })),
    );
    expect(res.status).toBe(413);
    expect(res.body.detail).toMatch(/PREDICT_MAX_REQUEST_PIXELS/);
  });

  it('reports an unreadable image by index before any budget question', async () => {
    const res = await predict({
      instances: [b64(small), { b64: Buffer.from('not an image').toString('base64') }],
    });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'instances[1]' })]);
  });
});
