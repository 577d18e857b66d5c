import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelMeta } from '../../src/contracts/model-meta.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { imageClassifier, imageMeta, saveModel, solidPng } from '../helpers/serving-fixtures.js';

/**
 * With the default pixel budget a one-image request cannot exceed it, so its header pass is
 * skipped (the decode holds each image to MAX_INPUT_PIXELS itself): the answers must be the
 * same as with the pass, for good and for unreadable images.
 */
describe('one-image requests under the default pixel budget', () => {
  let ctx: TestContext;
  let meta: ModelMeta;
  beforeAll(async () => {
    ctx = await buildTestApp({ PREDICT_THREADS: '1' });
    await tf.setBackend('cpu');
    const model = await imageClassifier(false);
    meta = await saveModel(ctx.runtime.store, model, imageMeta());
    model.dispose();
  });
  afterAll(() => ctx.close());

  const predict = (payload: object) =>
    ctx.app.inject({ method: 'POST', url: `/v1/models/${meta.id}/predict`, payload });

  it('predicts a lone image, and the same as when it travels with another', async () => {
    const red = (await solidPng([255, 0, 0], 64)).toString('base64');
    const blue = (await solidPng([0, 0, 255], 64)).toString('base64');
    const alone = await predict({ instances: [{ b64: red }] });
    const pair = await predict({ instances: [{ b64: red }, { b64: blue }] });
    expect(alone.statusCode, alone.body).toBe(200);
    expect(pair.statusCode, pair.body).toBe(200);
    const [one] = alone.json().predictions;
    const [first] = pair.json().predictions;
    expect(one.label).toBe(first.label);
    expect(one.score).toBeCloseTo(first.score, 5);
  });

  it('refuses a lone unreadable image with a 422 naming it', async () => {
    const res = await predict({ instances: [{ b64: Buffer.from('not an image').toString('base64') }] });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([
      { path: 'instances[0]', message: expect.stringMatching(/not a readable image/) },
    ]);
  });
});
