import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, waitFor, type TestContext } from '../helpers/app.js';
import { spawnWorkerProcess } from '../helpers/worker-process.js';
import { mnistZip } from '../helpers/mnist-zip.js';

/**
 * A worker process killed mid-job (SIGKILL: no chance to clean up). Its lock expires, another
 * worker finds the stalled job and runs it again, and it completes.
 */
describe('a worker that dies mid-job', () => {
  let ctx: TestContext;
  let http: Api;
  const lockMs = '2000';

  beforeAll(async () => {
    ctx = await buildTestApp({ JOB_LOCK_MS: lockMs, JOB_ATTEMPTS: '3' });
    http = api(ctx);
  });
  afterAll(() => ctx.close());

  it('has its job retried by another worker, which completes it', async () => {
    const ds = await http.uploadDataset(await mnistZip([0, 1, 2], 20), 'digits.zip'); // expects 201

    const worker = spawnWorkerProcess(ctx, { JOB_LOCK_MS: lockMs });

    const job = await http.createJob({
      datasetId: ds.id,
      evaluation: { method: 'holdout' },
      architecture: [{ type: 'conv2d', filters: 4, kernelSize: 3 }, { type: 'flatten' }],
      input: { size: [28, 28], channels: 1 },
      fit: { epochs: 40, batchSize: 8 },
      seed: 1,
    }); // expects 202

    // Wait until the doomed worker is really training (an epoch or more done).
    await waitFor(async () => {
      const j = (await http.get(`/v1/jobs/${job.id}`)).body;
      return j.state === 'running' && (j.progress?.epoch ?? 0) >= 1;
    }, 120_000);
    await worker.kill();

    // A healthy worker takes over once the lock expires.
    ctx.startWorker({ JOB_LOCK_MS: lockMs });
    const done = await http.waitForJob(job.id, { timeoutMs: 180_000 });
    expect(done.error).toBeUndefined();
    expect(done.state).toBe('completed');
    expect(done.modelId).toMatch(/^m_/);
    const models = (await http.get('/v1/models')).body;
    expect(models.total).toBe(1); // the killed attempt saved nothing
  }, 300_000);
});
