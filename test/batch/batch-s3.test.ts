import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { s3Url, startS3, type TestS3 } from '../helpers/s3-server.js';
import { imageClassifier, imageMeta, saveModel, solidPng } from '../helpers/serving-fixtures.js';
import { zipOf } from '../helpers/text-fixtures.js';

/**
 * A batch prediction on an s3:// store (s3rver): the upload, the model and the results all live
 * in the bucket, the trainer process reads and publishes through the store, and the API streams
 * the results back from it.
 */
describe('batch predictions on an s3:// store', () => {
  let s3: TestS3;
  let ctx: TestContext;

  beforeAll(async () => {
    s3 = await startS3();
    // The SDK's default credential chain reads these from the process environment (the worker's
    // trainer processes inherit it).
    process.env['AWS_ACCESS_KEY_ID'] = s3.credentials.accessKeyId;
    process.env['AWS_SECRET_ACCESS_KEY'] = s3.credentials.secretAccessKey;
    ctx = await buildTestApp({ STORAGE_URL: s3Url(s3), JOB_ATTEMPTS: '1', ...s3.env });
    ctx.startWorker();
  }, 60_000);
  afterAll(async () => {
    await ctx?.close();
    await s3?.close();
    delete process.env['AWS_ACCESS_KEY_ID'];
    delete process.env['AWS_SECRET_ACCESS_KEY'];
  });

  it('scores a zip and serves its results from the bucket', async () => {
    const model = await saveModel(ctx.runtime.store, await imageClassifier(), imageMeta());
    const zip = await zipOf({ 'a.png': await solidPng([0, 255, 0]), 'b.txt': 'not an image' });
    const http = api(ctx);
    const created = await http.form('/v1/batch-predictions', [
      { name: 'modelId', data: model.id },
      { name: 'file', filename: 'in.zip', data: zip },
    ]);
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const done = await http.waitForState(`/v1/batch-predictions/${created.body.id}`, {
      states: ['completed', 'failed'],
      timeoutMs: 120_000,
    });
    expect(done.state, JSON.stringify(done)).toBe('completed');
    expect(done.counts).toEqual({ total: 2, succeeded: 1, errors: 1 });
    expect(await ctx.runtime.store.collection('batch-results').exists(done.id)).toBe(true);
    const res = await http.get(`/v1/batch-predictions/${done.id}/results`);
    const lines = res.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id)).toEqual(['a.png', 'b.txt']);
    expect(lines[0].label).toBe('green');
    expect(lines[1].error).toMatch(/not a readable image/);
  }, 180_000);
});
