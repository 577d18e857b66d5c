import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { openStore } from '../../src/queue/open-store.js';
import { closeStore, createStore } from '../../src/storage/create-store.js';
import type { Store } from '../../src/storage/store.js';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { s3Url, startS3, type TestS3 } from '../helpers/s3-server.js';
import { saveModel, tabularMeta, tabularRegressor } from '../helpers/serving-fixtures.js';

/**
 * On s3:// the store had no cheap change stamp, so predict asked the bucket (a HEAD of the
 * model's commit) on every request. Now every publish and delete bumps a counter in Redis, the
 * collection's change stamp: a warm predict sends nothing to S3, another process's new version
 * or delete is seen at once, and a change whose bump was lost within MODEL_FRESHNESS_TTL_MS. Also on S3: an object store that answers "no room" (MinIO's 507) is a 507 here
 * too, with nothing left in the bucket.
 */

const TTL_MS = 1_500;

describe('model freshness and full storage on s3:// (s3rver)', () => {
  let s3: TestS3;
  let ctx: TestContext;
  let other: Store;
  let otherDir: string;
  let closeOther: () => Promise<void>;
  let env: Record<string, string>;
  const model = tabularRegressor();
  let http: Api;
  const predict = (ref: string) => http.predict(ref, { instances: [[1, 2, 3, 4]] });

  beforeAll(async () => {
    await tf.setBackend('cpu');
    s3 = await startS3();
    process.env['AWS_ACCESS_KEY_ID'] = s3.credentials.accessKeyId;
    process.env['AWS_SECRET_ACCESS_KEY'] = s3.credentials.secretAccessKey;
    env = {
      ...s3.env,
      STORAGE_URL: s3Url(s3),
      MODEL_FRESHNESS_TTL_MS: String(TTL_MS),
      TFJS_BACKEND: 'cpu',
      PREDICT_THREADS: '1',
    };
    ctx = await buildTestApp(env);
    http = api(ctx);
    // Another process sharing the bucket (its own DATA_DIR), as a worker publishing models.
    otherDir = await mkdtemp(path.join(os.tmpdir(), 'fresh-other-'));
    const o = openStore(loadConfig({ ...env, DATA_DIR: otherDir, QUEUE_PREFIX: ctx.prefix }));
    await o.store.init();
    other = o.store;
    closeOther = o.close;
  });
  afterAll(async () => {
    model.dispose();
    await ctx?.close();
    await closeOther?.();
    await rm(otherDir, { recursive: true, force: true });
    await s3?.close();
    delete process.env['AWS_ACCESS_KEY_ID'];
    delete process.env['AWS_SECRET_ACCESS_KEY'];
  });

  it('sends no request to S3 for a warm predict, by id or by name', async () => {
    const v1 = await saveModel(other, model, tabularMeta('regression'), 'fresh');
    expect((await predict(v1.id)).status).toBe(200);
    expect((await predict('fresh')).status).toBe(200);
    s3.requests.length = 0;
    for (let i = 0; i < 5; i++) {
      const byId = await predict(v1.id);
      expect(byId.status).toBe(200);
      const byName = await predict('fresh');
      expect(byName.body.model).toMatchObject({ id: v1.id, version: 1 });
    }
    // Within the TTL: not one HEAD (nor any other request) for ten predictions.
    expect(s3.requests.filter((r) => r.method === 'HEAD')).toEqual([]);
    expect(s3.requests).toEqual([]);
  });

  it("sees another process's new version and delete at once: every publish and delete bumps a counter in Redis", async () => {
    const before = (await predict('fresh')).body.model.version as number;
    const v2 = await saveModel(other, model, tabularMeta('regression'), 'fresh');
    expect(v2.version).toBe(before + 1);
    expect((await predict('fresh')).body.model).toMatchObject({ id: v2.id, version: v2.version });

    await other.collection('models').remove(v2.id);
    expect((await predict(v2.id)).status).toBe(404);
    expect((await http.get(`/v1/models/${v2.id}`)).status).toBe(404);
    expect((await predict('fresh')).body.model.version).toBe(before);
  });

  it('sees a change whose counter bump was lost once the TTL has passed', async () => {
    // A process that publishes without the counter: as if its bump never reached Redis.
    const lost = createStore(loadConfig({ ...env, DATA_DIR: otherDir }));
    const current = (await predict('fresh')).body.model.version as number;
    const v3 = await saveModel(lost, model, tabularMeta('regression'), 'fresh');
    expect(v3.version).toBeGreaterThan(current);
    await new Promise((r) => setTimeout(r, TTL_MS + 100));
    expect((await predict('fresh')).body.model).toMatchObject({ id: v3.id, version: v3.version });
    closeStore(lost);
  });

  it('answers 507 when the object store says it has no room, and leaves nothing in the bucket', async () => {
    const csv =
      'a,b,label\n' + Array.from({ length: 40 }, (_, i) => `${i},${i % 3},${i % 2 ? 'x' : 'y'}`).join('\n');
    const stored = () => s3.requests.filter((r) => r.method === 'PUT' && r.path.includes('/datasets/'));
    s3.failWith = (r) =>
      r.method === 'PUT' && r.path.includes('/datasets/')
        ? { code: 'XMinioStorageFull', status: 507 }
        : undefined;
    s3.requests.length = 0;
    const res = await http.form('/v1/datasets', [{ name: 'file', filename: 'd.csv', data: csv }]);
    expect(stored().length).toBeGreaterThan(0);
    expect(res.status).toBe(507);
    expect(res.body).toMatchObject({
      type: 'urn:transfer-learning:problem:insufficient-storage',
      status: 507,
    });
    expect(res.body.detail).toMatch(/could not be stored: the object store has no room for it/);
    expect((await http.get('/v1/datasets')).body.total).toBe(0);
    expect(await readdir(path.join(ctx.dataDir, '.tmp'))).toEqual([]);

    s3.failWith = undefined;
    const ok = await http.form('/v1/datasets', [{ name: 'file', filename: 'd.csv', data: csv }]);
    expect(ok.status).toBe(201);
    expect((await http.get('/v1/datasets')).body.total).toBe(1);
  });
});
