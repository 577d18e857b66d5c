import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { classZip, png } from '../helpers/dataset-fixtures.js';

/** A small two-class CSV: enough for a job that trains in a second. */
function csv(rows: number): string {
  const lines = ['a,b,label'];
  for (let i = 0; i < rows; i++) {
    const c = i % 2;
    lines.push(`${(c ? 1 : -1) + (i % 7) / 20},${(c ? -1 : 1) + (i % 5) / 20},${c ? 'yes' : 'no'}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Every job runs in a process of its own: a job that aborts the wasm engine (its heap is
 * corrupted from then on) fails at once with a clear message, and the next job on the same
 * worker trains in a sound process. Crashes are retried; the job view says which attempt failed.
 */
describe('trainer process isolation', () => {
  let ctx: TestContext;
  let http: Api;
  const finished = (id: string) => http.waitForJob(id, { timeoutMs: 120_000 });
  let datasetId: string;
  const job = async (modelName: string) => {
    const created = await http.createJob({
      datasetId,
      head: [{ type: 'dense', units: 4 }],
      fit: { epochs: 2, batchSize: 16 },
      modelName,
      evaluation: { method: 'holdout' },
    });
    return created.id as string;
  };

  beforeAll(async () => {
    ctx = await buildTestApp({ JOB_ATTEMPTS: '3', JOB_BACKOFF_MS: '50' });
    http = api(ctx);
    ctx.startWorker({ WORKER_CONCURRENCY: '1' }, { fault: 'wasm-abort:poison' });
    datasetId = (await http.uploadDataset(Buffer.from(csv(64)), 'd.csv')).id;
  });
  afterAll(() => ctx.close());

  it('fails a job that aborts the engine at its first attempt, then trains the next job', async () => {
    const bad = await finished(await job('poison'));
    expect(bad.state).toBe('failed');
    expect(bad.attempts).toBe(1);
    expect(bad.error).toMatch(/out of memory/);
    expect(bad.error).not.toMatch(/Aborted|out of bounds/);
    expect(bad.failure).toMatchObject({ attempt: 1, maxAttempts: 3, retried: false });

    const good = await finished(await job('healthy'));
    expect(good.error).toBeUndefined();
    expect(good.state).toBe('completed');
    expect(good.modelId).toMatch(/^m_/);
  }, 180_000);

  it('fails a job whose single example cannot fit within seconds, without retry; the next job trains', async () => {
    const images = await http.uploadDataset(
      await classZip({ a: [await png(8, 8, [200, 0, 0])], b: [await png(8, 8, [0, 0, 200])] }),
      'i.zip',
    );
    const started = Date.now();
    const created = await http.createJob({
      datasetId: images.id,
      evaluation: { method: 'holdout' },
      architecture: [
        { type: 'conv2d', filters: 4096, kernelSize: 3, padding: 'same', name: 'wide' },
        { type: 'globalAveragePooling2d' },
      ],
      input: { size: [1024, 1024] },
      fit: { epochs: 1, batchSize: 32 },
    });
    const bad = await finished(created.id);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(bad.state).toBe('failed');
    expect(bad.attempts).toBe(1);
    expect(bad.error).toMatch(
      /single example does not fit in memory.*'wide'.*input \[1024x1024x3\], batch size 32/,
    );

    const good = await finished(await job('after-memory'));
    expect(good.state).toBe('completed');
  }, 120_000);
});

describe('a trainer process that dies', () => {
  let ctx: TestContext;
  let http: Api;
  beforeAll(async () => {
    ctx = await buildTestApp({ JOB_ATTEMPTS: '2', JOB_BACKOFF_MS: '50' });
    http = api(ctx);
    ctx.startWorker({}, { fault: 'exit' });
  });
  afterAll(() => ctx.close());

  it('is a crash: the job is retried, and the view says which attempt failed and why', async () => {
    const ds = await http.uploadDataset(Buffer.from(csv(32)), 'd.csv');
    const created = await http.createJob({
      datasetId: ds.id,
      head: [],
      fit: { epochs: 1 },
      evaluation: { method: 'holdout' },
    });
    const end = await http.waitForJob(created.id, { states: ['failed'], timeoutMs: 60_000 });
    expect(end.attempts).toBe(2);
    expect(end.error).toMatch(/trainer process stopped without finishing the job \(exit code 70\)/);
    expect(end.failure).toMatchObject({ attempt: 2, maxAttempts: 2, retried: false });
  }, 90_000);

  it('shows as not ready on a deep readiness check, which trains a step in a trainer process', async () => {
    const res = await http.get('/readyz?deep=true');
    expect(res.status).toBe(503);
    expect(res.body.checks.worker).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/training step in a trainer process failed: .*trainer process stopped/),
    });
  });
});
