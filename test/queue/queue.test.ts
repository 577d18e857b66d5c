import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAINING_QUEUE } from '../../src/queue/queues.js';
import { createRedis } from '../../src/queue/redis.js';
import { buildTestApp, waitFor, type TestContext } from '../helpers/app.js';

describe('queue round trip through the sandboxed worker', () => {
  let ctx: TestContext;
  let events: QueueEvents;

  beforeAll(async () => {
    ctx = await buildTestApp();
    ctx.startWorker();
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

  it('runs a job in a child process and returns its result', async () => {
    const job = await ctx.runtime.queues.add('echo', { message: 'hello' });
    const result = await job.waitUntilFinished(events, 30_000);
    expect(result.echo).toBe('hello');
    expect(result.pid).not.toBe(process.pid);
  });

  it('cancels a running job through the cancel channel', async () => {
    const job = await ctx.runtime.queues.add('echo', { message: 'slow', delayMs: 20_000 }, { attempts: 1 });
    await waitFor(async () => (await job.getState()) === 'active', 20_000);
    await ctx.runtime.queues.publishCancel(job.id!);
    await waitFor(async () => (await job.getState()) === 'failed', 10_000);
    const failed = await ctx.runtime.queues.get(job.id!);
    expect(failed?.failedReason).toMatch(/cancel/);
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
    const res = await ctx.app.inject({ method: 'GET', url: '/readyz?deep=true' });
    expect(res.statusCode).toBe(200);
    expect(res.json().checks.worker).toEqual({ ok: true });
  });
});
