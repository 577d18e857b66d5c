import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelMeta } from '../../src/contracts/model-meta.js';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { imageClassifier, imageMeta, saveModel, solidPng } from '../helpers/serving-fixtures.js';

/**
 * With the default pixel budget a one-image request cannot exceed it, so its header pass is
 * skipped (the decode holds each image to MAX_INPUT_PIXELS itself): the answers must be the
 * same as with the pass, for good and for unreadable images.
 */
describe('one-image requests under the default pixel budget', () => {
  let ctx: TestContext;
  let http: Api;
  let meta: ModelMeta;
  beforeAll(async () => {
    ctx = await buildTestApp({ PREDICT_THREADS: '1' });
    http = api(ctx);
    await tf.setBackend('cpu');
    const model = await imageClassifier(false);
    meta = await saveModel(ctx.runtime.store, model, imageMeta());
    model.dispose();
  });
  afterAll(() => ctx.close());

  const predict = (payload: object) => http.predict(meta.id, payload);

  it('predicts a lone image, and the same as when it travels with another', async () => {
    const red = (await solidPng([255, 0, 0], 64)).toString('base64');
    const blue = (await solidPng([0, 0, 255], 64)).toString('base64');
    const alone = await predict({ instances: [{ b64: red }] });
    const pair = await predict({ instances: [{ b64: red }, { b64: blue }] });
    expect(alone.status, alone.text).toBe(200);
    expect(pair.status, pair.text).toBe(200);
    const [one] = alone.body.predictions;
    const [first] = pair.body.predictions;
    expect(one.label).toBe(first.label);
    expect(one.score).toBeCloseTo(first.score, 5);
  });

  it('refuses a lone unreadable image with a 422 naming it', async () => {
    const res = await predict({ instances: [{ b64: Buffer.from('not an image').toString('base64') }] });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      { path: 'instances[0]', message: expect.stringMatching(/not a readable image/) },
    ]);
  });
});
