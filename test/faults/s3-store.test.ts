import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classZip, numberedPng } from '../helpers/dataset-fixtures.js';
import { waitFor } from '../helpers/app.js';
import { Deployment } from './deployment.js';
import {
  denseBaseModel,
  getJob,
  jobEnd,
  jobSpec,
  killableS3,
  postJob,
  predict,
  slowUpload,
  uploadCsv,
} from './fixtures.js';
import { recordFault } from './outcomes.js';

/**
 * The write paths on s3:// with the object store (s3rver, a process of its own), the API and the
 * trainer killed mid-write. An entry exists exactly when its commit object does, so a killed
 * writer's objects are never listed; an API's start sweeps them (here with no grace period, as
 * nothing else writes at that moment), and the test counts what is left in the bucket.
 */
describe('faults on s3://', () => {
  let s3: Awaited<ReturnType<typeof killableS3>>;
  let d: Deployment;
  let client: S3Client;
  let zip: Buffer;
  let modelParts: Awaited<ReturnType<typeof denseBaseModel>>;
  let datasetId = '';

  beforeAll(async () => {
    s3 = await killableS3();
    await s3.start();
    d = new Deployment({ ...s3.env, STORAGE_SWEEP_GRACE_MS: '0' });
    await d.start();
    client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const imgs = await Promise.all(Array.from({ length: 240 }, (_, i) => numberedPng(i, 24)));
    zip = await classZip({ a: imgs.slice(0, 120), b: imgs.slice(120) });
    modelParts = await denseBaseModel();
    const up = await uploadCsv(d.base);
    expect(up.status).toBe(201);
    datasetId = ((await up.json()) as { id: string }).id;
  }, 180_000);

  afterAll(async () => {
    client?.destroy();
    await d?.close();
    await s3?.close();
  }, 60_000);

  async function keys(sub: string): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `store/${sub}`, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) out.push(o.Key!);
      token = page.NextContinuationToken;
    } while (token);
    return out;
  }

  /**
   * Objects no entry owns, counted in the bucket: those of ids without a commit object, and of
   * attempts other than the one an id's commit names (a killed attempt of a job whose retry
   * published under the same id).
   */
  async function orphans(collection: 'datasets' | 'base-models' | 'models'): Promise<string[]> {
    const committed = new Map<string, string | undefined>();
    const out: string[] = [];
    for (const k of await keys(`${collection}/`)) {
      const [, , id = '', attempt] = k.split('/');
      if (!committed.has(id)) {
        const r = await client
          .send(new GetObjectCommand({ Bucket: s3.bucket, Key: `store/.commits/${collection}/${id}` }))
          .catch(() => undefined);
        const doc = r ? (JSON.parse(await r.Body!.transformToString()) as { attempt: string }) : undefined;
        committed.set(id, doc?.attempt);
      }
      if (committed.get(id) !== attempt) out.push(k);
    }
    return out;
  }

  /** s3rver's object files under `sub` on disk (polling its folder is cheaper than LIST). */
  async function objectFiles(sub: string): Promise<string[]> {
    const root = path.join(s3.dir, s3.bucket, 'store', sub);
    return (await readdir(root, { recursive: true }).catch(() => [] as string[])).filter((n) =>
      n.endsWith('._S3rver_object'),
    );
  }

  /**
   * Snapshots the objects under `sub` now; `wait()` then polls until a new one appears (a write
   * under way) and calls `onSeen` at once.
   */
  async function newObjects(sub: string): Promise<{ wait(onSeen: () => void): Promise<void> }> {
    const before = new Set(await objectFiles(sub));
    return {
      async wait(onSeen) {
        await waitFor(
          async () => {
            const found = (await objectFiles(sub)).some((n) => !before.has(n));
            if (found) onSeen();
            return found;
          },
          120_000,
          2,
        );
      },
    };
  }

  async function restartApi(): Promise<void> {
    await d.api!.kill('SIGKILL');
    await d.startApi();
  }

  const datasetParts = () => [{ name: 'file', filename: 'shapes.zip', data: zip }];

  it('API killed while writing a dataset to the bucket', async () => {
    const before = await d.listed('datasets');
    const seen = await newObjects('datasets/');
    const status = slowUpload(`${d.base}/v1/datasets`, datasetParts(), Promise.resolve());
    await seen.wait(() => process.kill(-d.api!.child.pid!, 'SIGKILL'));
    await d.api!.exited;
    expect(await status).toBeUndefined();
    const left = await keys('datasets/');
    await d.startApi();
    expect(await d.listed('datasets')).toEqual(before);
    // Objects the dead API had uploaded were there, and its successor's start swept them.
    expect(left.length).toBeGreaterThan((await keys('datasets/')).length);
    expect(await orphans('datasets')).toEqual([]);
    expect(await slowUpload(`${d.base}/v1/datasets`, datasetParts(), Promise.resolve())).toBe(201);
    recordFault(
      'dataset upload (s3://)',
      'uploading objects',
      'API',
      'no entry; objects swept at the next start (0 left); next upload 201',
    );
  });

  it('object store killed while the API writes a dataset', async () => {
    const before = await d.listed('datasets');
    const seen = await newObjects('datasets/');
    const statusP = slowUpload(`${d.base}/v1/datasets`, datasetParts(), Promise.resolve());
    await seen.wait(() => undefined);
    await s3.kill();
    const status = await statusP;
    // A clear answer, not a hang: the store is unavailable, try again.
    expect(status, d.output()).toBe(503);
    await s3.start();
    expect(await d.listed('datasets')).toEqual(before);
    const leftBeforeSweep = (await orphans('datasets')).length;
    await restartApi();
    expect(await orphans('datasets')).toEqual([]);
    expect(await slowUpload(`${d.base}/v1/datasets`, datasetParts(), Promise.resolve())).toBe(201);
    recordFault(
      'dataset upload (s3://)',
      'uploading objects',
      'object store (s3rver)',
      `answers ${status}; no entry; ${leftBeforeSweep} orphan objects until the next API start sweeps them; next upload 201`,
    );
  });

  it('Redis killed while the API writes a dataset to the bucket (its commit needs a Redis claim)', async () => {
    const before = await d.listed('datasets');
    const seen = await newObjects('datasets/');
    const statusP = slowUpload(`${d.base}/v1/datasets`, datasetParts(), Promise.resolve());
    await seen.wait(() => undefined);
    await d.redis.kill();
    const status = await statusP;
    await d.redis.start();
    // Either the commit's claim failed (503, nothing listed) or the commit came first (201, listed).
    const after = await waitFor(async () => d.listed('datasets').catch(() => undefined), 30_000, 200);
    if (status === 201) expect(after.length).toBe(before.length + 1);
    else {
      expect(status, d.output()).toBe(503);
      expect(after).toEqual(before);
    }
    await restartApi();
    expect(await orphans('datasets')).toEqual([]);
    expect(await slowUpload(`${d.base}/v1/datasets`, datasetParts(), Promise.resolve())).toBe(201);
    recordFault(
      'dataset upload (s3://)',
      'uploading objects',
      'Redis',
      `answers ${status}; ${status === 201 ? 'committed before the kill, listed' : 'no entry'}; 0 orphans after the sweep; next upload 201`,
    );
  });

  it('API killed while writing a base model to the bucket', async () => {
    const before = await d.listed('base-models');
    const seen = await newObjects('base-models/');
    const status = slowUpload(`${d.base}/v1/base-models`, modelParts, Promise.resolve());
    await seen.wait(() => process.kill(-d.api!.child.pid!, 'SIGKILL'));
    await d.api!.exited;
    expect(await status).toBeUndefined();
    const left = (await orphans('base-models')).length;
    await d.startApi();
    expect(await d.listed('base-models')).toEqual(before);
    expect(await orphans('base-models')).toEqual([]);
    expect(await slowUpload(`${d.base}/v1/base-models`, modelParts, Promise.resolve())).toBe(201);
    recordFault(
      'base-model registration (s3://)',
      'uploading objects',
      'API',
      `no entry; ${left} orphan objects swept at the next start (0 left); next registration 201`,
    );
  });

  it('object store killed while the API writes a base model', async () => {
    const before = await d.listed('base-models');
    const seen = await newObjects('base-models/');
    const statusP = slowUpload(`${d.base}/v1/base-models`, modelParts, Promise.resolve());
    await seen.wait(() => undefined);
    await s3.kill();
    const status = await statusP;
    expect(status, d.output()).toBe(503);
    await s3.start();
    expect(await d.listed('base-models')).toEqual(before);
    await restartApi();
    expect(await orphans('base-models')).toEqual([]);
    expect(await slowUpload(`${d.base}/v1/base-models`, modelParts, Promise.resolve())).toBe(201);
    recordFault(
      'base-model registration (s3://)',
      'uploading objects',
      'object store (s3rver)',
      'answers 503; no entry; 0 orphans after the sweep; next registration 201',
    );
  });

  it('trainer killed while uploading the model', async () => {
    const models = await d.listed('models');
    const post = await postJob(
      d.base,
      jobSpec(datasetId, {
        head: [
          { type: 'dense', units: 1500 },
          { type: 'dense', units: 1500 },
        ],
      }),
    );
    const { id } = (await post.json()) as { id: string };
    const seen = await newObjects('models/');
    const trainer = await d.trainerPid();
    await seen.wait(() => process.kill(trainer, 'SIGKILL'));
    const end = await jobEnd(d.base, id);
    expect(end.state, d.output()).toBe('completed');
    expect(((await (await fetch(`${d.base}/v1/jobs/${id}`)).json()) as { attempts: number }).attempts).toBe(
      2,
    );
    expect(await d.listed('models')).toEqual([...models, end.modelId!].sort());
    const leftBeforeSweep = (await orphans('models')).length;
    expect(leftBeforeSweep).toBeGreaterThan(0); // the killed attempt's objects, never listed
    await restartApi();
    expect(await orphans('models')).toEqual([]);
    expect((await predict(d.base, end.modelId!)).status).toBe(200);
    recordFault(
      'model save (s3://)',
      'uploading the model',
      'trainer process',
      `retried, completes, one model; the killed attempt's objects are unlisted (${leftBeforeSweep} before the sweep, 0 after)`,
    );
  });

  it('object store killed while the trainer uploads the model, and started again', async () => {
    const models = await d.listed('models');
    const post = await postJob(
      d.base,
      jobSpec(datasetId, {
        head: [
          { type: 'dense', units: 1500 },
          { type: 'dense', units: 1500 },
        ],
      }),
    );
    const { id } = (await post.json()) as { id: string };
    const seen = await newObjects('models/');
    await waitFor(async () => (await getJob(d.base, id))?.state === 'running', 60_000, 50);
    await seen.wait(() => undefined);
    await s3.kill();
    await new Promise((r) => setTimeout(r, 300));
    await s3.start();
    const end = await jobEnd(d.base, id);
    expect(end.state, d.output()).toBe('completed');
    expect(await d.listed('models')).toEqual([...models, end.modelId!].sort());
    await restartApi();
    expect(await orphans('models')).toEqual([]);
    expect((await predict(d.base, end.modelId!)).status).toBe(200);
    recordFault(
      'model save (s3://)',
      'uploading the model',
      'object store (s3rver)',
      'the attempt fails and is retried; completes; one model; 0 orphans after the sweep',
    );
  });
});
