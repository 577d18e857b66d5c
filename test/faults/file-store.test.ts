import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classZip, numberedPng } from '../helpers/dataset-fixtures.js';
import { waitFor } from '../helpers/app.js';
import { Deployment, whenStaging } from './deployment.js';
import {
  denseBaseModel,
  getJob,
  jobEnd,
  jobSpec,
  postJob,
  predict,
  slowUpload,
  uploadCsv,
} from './fixtures.js';
import { recordFault } from './outcomes.js';

/**
 * Every write path on file://, with each process killed (SIGKILL: no clean-up) at each step:
 * receiving the upload, writing the entry (its staging folder exists), training, saving the
 * model. After each: nothing half-written is listed, nothing is left on disk once the process
 * that wrote it is restarted (or, for a trainer, once its worker sees it die), the job's state is
 * what happened, and the next operation succeeds.
 */
describe('faults on file://', () => {
  const d = new Deployment();
  let zip: Buffer;
  let modelPartsList: Awaited<ReturnType<typeof denseBaseModel>>;
  let datasetId = '';

  beforeAll(async () => {
    await d.start();
    // Enough images that writing the dataset takes a while (each is decoded and re-encoded).
    const imgs = await Promise.all(Array.from({ length: 240 }, (_, i) => numberedPng(i, 24)));
    zip = await classZip({ a: imgs.slice(0, 120), b: imgs.slice(120) });
    modelPartsList = await denseBaseModel();
  }, 180_000);

  afterAll(async () => {
    await d.close();
  }, 60_000);

  /** The store's invariant: listed == complete entries on disk, and no staging debris. */
  async function consistent(collection: 'datasets' | 'base-models' | 'models'): Promise<string[]> {
    const listed = await d.listed(collection);
    expect(await d.onDisk(collection)).toEqual(listed);
    expect(await d.staging()).toEqual([]);
    return listed;
  }

  async function restartApi(): Promise<void> {
    await d.api!.kill('SIGKILL');
    await d.startApi();
  }

  const datasetParts = () => [{ name: 'file', filename: 'shapes.zip', data: zip }];
  const modelParts = () => modelPartsList;

  it('API killed while receiving a dataset upload', async () => {
    const before = await consistent('datasets');
    let release!: () => void;
    const status = slowUpload(`${d.base}/v1/datasets`, datasetParts(), new Promise((r) => (release = r)));
    await waitFor(async () => (await d.staging()).some((n) => n.startsWith('upload@')), 30_000, 10);
    await d.api!.kill('SIGKILL');
    release();
    expect(await status).toBeUndefined(); // the connection broke: no answer, no false 201
    expect((await d.staging()).length).toBeGreaterThan(0); // debris of the dead API
    await d.startApi();
    expect(await consistent('datasets')).toEqual(before);
    const next = await uploadCsv(d.base);
    expect(next.status).toBe(201);
    datasetId = ((await next.json()) as { id: string }).id;
    recordFault(
      'dataset upload',
      'receiving the file',
      'API',
      'no entry; staging swept on restart; next upload 201',
    );
  });

  it('API killed while writing a dataset entry', async () => {
    const before = await consistent('datasets');
    const seen: string[] = [];
    const w = whenStaging(d.dataDir, 'datasets-', (name) => {
      seen.push(name);
      process.kill(-d.api!.child.pid!, 'SIGKILL');
    });
    const status = await slowUpload(`${d.base}/v1/datasets`, datasetParts(), Promise.resolve());
    w.stop();
    await d.api!.exited;
    expect(seen).toHaveLength(1);
    expect(status).toBeUndefined();
    await d.startApi();
    expect(await consistent('datasets')).toEqual(before);
    expect(
      (await fetch(`${d.base}/v1/datasets/${seen[0]!.split('@')[0]!.slice('datasets-'.length)}`)).status,
    ).toBe(404);
    const next = await slowUpload(`${d.base}/v1/datasets`, datasetParts(), Promise.resolve());
    expect(next).toBe(201);
    expect((await consistent('datasets')).length).toBe(before.length + 1);
    recordFault(
      'dataset upload',
      'writing the entry',
      'API',
      'no entry (404, not listed); swept on restart; next upload 201',
    );
  });

  it('API killed while receiving a base model', async () => {
    const before = await consistent('base-models');
    let release!: () => void;
    const status = slowUpload(`${d.base}/v1/base-models`, modelParts(), new Promise((r) => (release = r)));
    await waitFor(
      async () => (await d.staging()).some((n) => n.startsWith('base-model-upload@')),
      30_000,
      10,
    );
    await d.api!.kill('SIGKILL');
    release();
    expect(await status).toBeUndefined();
    await d.startApi();
    expect(await consistent('base-models')).toEqual(before);
    recordFault('base-model registration', 'receiving the files', 'API', 'no entry; swept on restart');
  });

  it('API killed while writing a base-model entry', async () => {
    const before = await consistent('base-models');
    const seen: string[] = [];
    const w = whenStaging(d.dataDir, 'base-models-', (name) => {
      seen.push(name);
      process.kill(-d.api!.child.pid!, 'SIGKILL');
    });
    const status = await slowUpload(`${d.base}/v1/base-models`, modelParts(), Promise.resolve());
    w.stop();
    await d.api!.exited;
    expect(seen).toHaveLength(1);
    expect(status).toBeUndefined();
    await d.startApi();
    expect(await consistent('base-models')).toEqual(before);
    expect(await slowUpload(`${d.base}/v1/base-models`, modelParts(), Promise.resolve())).toBe(201);
    expect((await consistent('base-models')).length).toBe(before.length + 1);
    recordFault(
      'base-model registration',
      'writing the entry',
      'API',
      'no entry; swept on restart; next registration 201',
    );
  });

  it('API killed while a job trains: the job completes, and the restarted API tells so', async () => {
    const post = await postJob(d.base, jobSpec(datasetId, { fit: { epochs: 20, batchSize: 8 } }));
    expect(post.status).toBe(202);
    const { id } = (await post.json()) as { id: string };
    await waitFor(async () => (await getJob(d.base, id))?.state === 'running', 60_000, 50);
    const killed = d.api!.kill('SIGKILL');
    await killed;
    await d.startApi();
    const end = await jobEnd(d.base, id);
    expect(end.state, d.output()).toBe('completed');
    expect((await predict(d.base, end.modelId!)).status).toBe(200);
    await consistent('models');
    recordFault(
      'model save (training job)',
      'training',
      'API',
      'job completes on its first attempt; model listed',
    );
  });

  /** Kills the trainer process at the first sight of the model's staging folder (mid-save). */
  async function killAtSave(target: 'trainer' | 'worker'): Promise<void> {
    const models = await consistent('models');
    const post = await postJob(
      d.base,
      jobSpec(datasetId, {
        // ~9 MB of weights: the save takes long enough to be caught in the middle.
        head: [
          { type: 'dense', units: 1500 },
          { type: 'dense', units: 1500 },
        ],
      }),
    );
    expect(post.status).toBe(202);
    const { id } = (await post.json()) as { id: string };
    const trainer = await d.trainerPid();
    const seen: string[] = [];
    const w = whenStaging(d.dataDir, 'models-', (name) => {
      seen.push(name);
      if (target === 'trainer') process.kill(trainer, 'SIGKILL');
      else process.kill(-d.worker!.child.pid!, 'SIGKILL');
    });
    try {
      await waitFor(async () => seen.length > 0, 120_000, 20);
    } catch (err) {
      throw new Error(
        `the model's staging folder was never seen (job: ${JSON.stringify(await getJob(d.base, id))}, trainer ${trainer}): ${String(err)}\n${d.output()}`,
      );
    } finally {
      w.stop();
    }
    if (target === 'worker') {
      await d.worker!.exited;
      // Nothing listed while no worker runs: the model was never published.
      expect(await d.listed('models')).toEqual(models);
      await d.startWorker();
    }
    const end = await jobEnd(d.base, id);
    expect(end.state, d.output()).toBe('completed');
    const view = (await (await fetch(`${d.base}/v1/jobs/${id}`)).json()) as { attempts: number };
    // A crashed trainer counts as a failed attempt; a stalled job (its worker gone) does not.
    if (target === 'trainer') expect(view.attempts).toBe(2);
    const after = await waitFor(async () =>
      (await d.staging()).length === 0 ? d.listed('models') : undefined,
    );
    expect(after).toEqual([...models, end.modelId!].sort());
    await consistent('models');
    expect((await predict(d.base, end.modelId!)).status).toBe(200);
  }

  it('trainer process killed while saving the model', async () => {
    await killAtSave('trainer');
    recordFault(
      'model save (training job)',
      'writing the model',
      'trainer process',
      'attempt fails as a crash and is retried; one model; worker sweeps the debris',
    );
  });

  it('trainer process killed while training', async () => {
    const post = await postJob(d.base, jobSpec(datasetId, { fit: { epochs: 30, batchSize: 8 } }));
    const { id } = (await post.json()) as { id: string };
    await waitFor(async () => (await getJob(d.base, id))?.state === 'running', 60_000, 50);
    process.kill(await d.trainerPid(), 'SIGKILL');
    const end = await jobEnd(d.base, id);
    expect(end.state, d.output()).toBe('completed');
    expect(((await (await fetch(`${d.base}/v1/jobs/${id}`)).json()) as { attempts: number }).attempts).toBe(
      2,
    );
    await consistent('models');
    recordFault(
      'model save (training job)',
      'training',
      'trainer process',
      'retried (attempt 2 of 3) and completes',
    );
  });

  it('worker (with its trainer) killed while saving the model', async () => {
    await killAtSave('worker');
    recordFault(
      'model save (training job)',
      'writing the model',
      'worker',
      'job stalls, is retried by the restarted worker, completes; one model; debris swept at start',
    );
  });

  it('worker (with its trainer) killed while training', async () => {
    const models = await consistent('models');
    const post = await postJob(d.base, jobSpec(datasetId, { fit: { epochs: 30, batchSize: 8 } }));
    const { id } = (await post.json()) as { id: string };
    await waitFor(async () => (await getJob(d.base, id))?.state === 'running', 60_000, 50);
    await d.worker!.kill('SIGKILL');
    // No worker: the job is not reported done, nor failed.
    expect((await getJob(d.base, id))?.state).toMatch(/running|queued/);
    await d.startWorker();
    const end = await jobEnd(d.base, id);
    expect(end.state, d.output()).toBe('completed');
    expect(await consistent('models')).toEqual([...models, end.modelId!].sort());
    recordFault(
      'model save (training job)',
      'training',
      'worker',
      'job stays running/queued while no worker runs; the restarted worker retries it; completes',
    );
  });

  it('Redis killed while a job trains, and started again', async () => {
    const post = await postJob(d.base, jobSpec(datasetId, { fit: { epochs: 30, batchSize: 8 } }));
    const { id } = (await post.json()) as { id: string };
    await waitFor(async () => (await getJob(d.base, id))?.state === 'running', 60_000, 50);
    // Let the append-only file catch up (fsync every second), as it has in any steady state.
    await new Promise((r) => setTimeout(r, 1_500));
    await d.redis.kill();
    // While Redis is down: a clear 503, never a hang or a 500.
    const down = await postJob(d.base, jobSpec(datasetId));
    expect(down.status).toBe(503);
    expect(down.headers.get('content-type')).toMatch(/problem\+json/);
    expect((await fetch(`${d.base}/readyz`)).status).toBe(503);
    await d.redis.start();
    const end = await jobEnd(d.base, id);
    expect(end.state, d.output()).toBe('completed');
    await consistent('models');
    const next = await postJob(d.base, jobSpec(datasetId));
    expect(next.status).toBe(202);
    expect((await jobEnd(d.base, ((await next.json()) as { id: string }).id)).state).toBe('completed');
    await consistent('models');
    recordFault(
      'model save (training job)',
      'training',
      'Redis',
      'requests answer 503 while down; the job completes after restart',
    );
  });

  it('the restarted API and worker agree with the store', async () => {
    await restartApi();
    for (const c of ['datasets', 'base-models', 'models'] as const) await consistent(c);
  });
});
