import { QueueEvents, type JobsOptions } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAINING_QUEUE } from '../../src/queue/queues.js';
import { createRedis } from '../../src/queue/redis.js';
import { newId } from '../../src/lib/ids.js';
import { api } from '../helpers/api.js';
import { buildTestApp, waitFor, type TestContext } from '../helpers/app.js';

describe('queue round trip through the sandboxed worker', () => {
  let ctx: TestContext;
  let events: QueueEvents;

  beforeAll(async () => {
    ctx = await buildTestApp();
    // The tests' trainer child: the service's handlers plus `echo` jobs (helpers/test-trainer-child.ts).
    ctx.startWorker({}, {});
    events = new QueueEvents(TRAINING_QUEUE, {
      connection: createRedis(ctx.config.REDIS_URL, 'blocking'),
      prefix: ctx.prefix,
    });
    await events.waitUntilReady();
  });
  afterAll(async () => {
    await events.close();
    await ctx.close();
  });

  /** An `echo` job on the training queue, kept after it ends so the test can read it. */
  const echo = (data: { message: string; delayMs?: number }, opts: JobsOptions = {}) =>
    ctx.runtime.queues.queue.add('echo', data, { removeOnComplete: false, removeOnFail: false, ...opts });

  it('runs a job in a child process and returns its result', async () => {
    const job = await echo({ message: 'hello' });
    const result = await job.waitUntilFinished(events, 30_000);
    expect(result.echo).toBe('hello');
    expect(result.pid).not.toBe(process.pid);
  });

  it('cancels a running job through the cancel channel', async () => {
    const job = await echo({ message: 'slow', delayMs: 20_000 }, { attempts: 1 });
    await waitFor(async () => (await job.getState()) === 'active', 20_000);
    await ctx.runtime.queues.publishCancel(job.id!);
    await waitFor(async () => (await job.getState()) === 'failed', 10_000);
    const failed = await ctx.runtime.queues.get(job.id!);
    expect(failed?.failedReason).toMatch(/cancel/);
  });

  it('shows a job only through the routes of its own kind', async () => {
    const job = await echo({ message: 'not a training job' }, { jobId: newId('job') });
    await job.waitUntilFinished(events, 30_000);
    const http = api(ctx);
    const one = await http.get(`/v1/jobs/${job.id}`);
    expect(one.status).toBe(404);
    expect(one.body.detail).toMatch(/not found/);
    const list = await http.get('/v1/jobs');
    expect(list.body.items.map((j: { id: string }) => j.id)).not.toContain(job.id);
  });

  it('reports whether a queued job references a resource', async () => {
    await ctx.runtime.queues.queue.pause();
    const job = await ctx.runtime.queues.queue.add(
      'train' as never,
      { datasetId: 'ds_0000000000000000', spec: {} } as never,
    );
    expect(await ctx.runtime.queues.isInUse({ datasetId: 'ds_0000000000000000' })).toBe(true);
    expect(await ctx.runtime.queues.isInUse({ datasetId: 'ds_1111111111111111' })).toBe(false);
    await job.remove();
    await ctx.runtime.queues.queue.resume();
    expect(await ctx.runtime.queues.isInUse({ datasetId: 'ds_0000000000000000' })).toBe(false);
  });

  it('deep readiness proves a worker trains a step in a trainer process', async () => {
    const res = await api(ctx).get('/readyz?deep=true');
    expect(res.status).toBe(200);
    expect(res.body.checks.worker).toEqual({ ok: true });
  });
});
