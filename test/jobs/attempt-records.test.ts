import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.js';
import { buildTestApp, waitFor, type TestContext } from '../helpers/app.js';
import { spawnWorkerProcess } from '../helpers/worker-process.js';
import { mnistZip } from '../helpers/mnist-zip.js';

/**
 * Every attempt of a job is recorded truthfully: one lost with its worker (kill -9) is found as
 * soon as a worker runs, long before the lock would expire, and counted with its reason; and
 * after a failed attempt and a successful one, the failure names the attempt that failed.
 */

function csv(rows: number): string {
  const lines = ['a,b,label'];
  for (let i = 0; i < rows; i++) lines.push(`${i % 7},${(i * 3) % 5},${i % 2 === 0 ? 'x' : 'y'}`);
  return lines.join('\n') + '\n';
}

const view = async (ctx: TestContext, id: string) => (await api(ctx).get(`/v1/jobs/${id}`)).body;

describe('an attempt lost with its worker (kill -9)', () => {
  let ctx: TestContext;
  // The lock outlives the test's window on purpose: finding the lost attempt must not wait for it.
  const lockMs = '60000';
  beforeAll(async () => {
    ctx = await buildTestApp({ JOB_LOCK_MS: lockMs, JOB_ATTEMPTS: '3' });
  });
  afterAll(() => ctx.close());

  it('is recorded as soon as a worker runs, then the job is retried and completes', async () => {
    const ds = await api(ctx).uploadDataset(await mnistZip([0, 1, 2], 20), 'digits.zip');
    const doomed = spawnWorkerProcess(ctx, { JOB_LOCK_MS: lockMs });
    const job = await api(ctx).createJob({
      datasetId: ds.id,
      architecture: [{ type: 'conv2d', filters: 4, kernelSize: 3 }, { type: 'flatten' }],
      input: { size: [28, 28], channels: 1 },
      fit: { epochs: 30, batchSize: 8 },
      // One fit per attempt: this test is about attempts, not about estimating accuracy.
      evaluation: { method: 'holdout' },
      seed: 1,
    });
    await waitFor(async () => {
      const j = await view(ctx, job.id);
      return j.state === 'running' && (j.progress?.epoch ?? 0) >= 1;
    }, 120_000);
    await doomed.kill();
    // The whole service restarts a few seconds later (its lock has 60 s to live).
    await new Promise((r) => setTimeout(r, 6_000));
    const restarted = Date.now();
    ctx.startWorker({ JOB_LOCK_MS: lockMs });
    const recorded = await waitFor(
      async () => {
        const j = await view(ctx, job.id);
        return j.failure ? j : undefined;
      },
      15_000,
      100,
    );
    expect(Date.now() - restarted).toBeLessThan(15_000);
    expect(recorded.failure).toMatchObject({
      attempt: 1,
      maxAttempts: 3,
      retried: true,
      reason: expect.stringMatching(
        /attempt 1 was lost: the worker running it stopped .* during phase 'train'/,
      ),
    });
    const done = await api(ctx).waitForJob(job.id, { timeoutMs: 180_000 });
    expect(done.state).toBe('completed');
    expect(done.attempts).toBe(2);
    expect(done.failure).toMatchObject({
      attempt: 1,
      retried: true,
      reason: expect.stringMatching(/was lost/),
    });
  }, 360_000);
});

describe('a job whose first attempt crashed and second completed', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp({ JOB_ATTEMPTS: '3', JOB_BACKOFF_MS: '3000' });
  });
  afterAll(() => ctx.close());

  it('names attempt 1 as the failed one', async () => {
    const broken = ctx.startWorker({}, { fault: 'exit' });
    const ds = await api(ctx).uploadDataset(Buffer.from(csv(32)), 'd.csv');
    const job = await api(ctx).createJob({
      datasetId: ds.id,
      head: [],
      fit: { epochs: 1 },
      evaluation: { method: 'holdout' },
    });
    const retrying = await waitFor(
      async () => {
        const j = await view(ctx, job.id);
        return j.failure ? j : undefined;
      },
      60_000,
      50,
    );
    expect(retrying.failure).toMatchObject({ attempt: 1, retried: true });
    await broken.close(5_000);
    ctx.startWorker();
    const done = await api(ctx).waitForJob(job.id, { timeoutMs: 90_000 });
    expect(done.state).toBe('completed');
    expect(done.attempts).toBe(2);
    expect(done.failure).toMatchObject({
      attempt: 1,
      maxAttempts: 3,
      retried: true,
      reason: expect.stringMatching(/exit code 70/),
    });
  }, 120_000);
});
