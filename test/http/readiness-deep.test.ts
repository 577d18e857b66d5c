import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import { buildTestApp, waitFor, type TestContext } from '../helpers/app.js';
import { metricValue } from '../helpers/serving-fixtures.js';

/**
 * Readiness a load balancer can poll: plain /readyz is cheap and queues nothing; the deep
 * check needs a key (it starts a trainer process) and runs beside training, so a worker busy
 * with a long job is still ready.
 */
describe('readiness for load balancers', () => {
  const KEY = 'k-ready';
  const auth = { authorization: `Bearer ${KEY}` };
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp({ API_KEYS: KEY, WORKER_CONCURRENCY: '1' });
    // The tests' trainer child, for its long `echo` job (helpers/test-trainer-child.ts).
    ctx.startWorker({}, {});
  });
  afterAll(() => ctx.close());

  const queuedSomething = async () => {
    const counts = await ctx.runtime.queues.counts();
    return Object.values(counts).some((n) => n > 0);
  };

  it('answers plain /readyz without a key and queues no work', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await ctx.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(200);
    }
    expect(await queuedSomething()).toBe(false);
    expect((await ctx.app.inject({ method: 'GET', url: '/metrics' })).body).toMatch(
      /^trainer_processes_started 0$/m,
    );
  });

  it('asks a key for the deep check', async () => {
    expect((await ctx.app.inject({ method: 'GET', url: '/readyz?deep=true' })).statusCode).toBe(401);
    expect((await ctx.app.inject({ method: 'GET', url: '/readyz?deep=false' })).statusCode).toBe(200);
  });

  it('is deeply ready while the only worker trains a long job', async () => {
    const id = newId('job');
    await ctx.runtime.queues.queue.add(
      'echo',
      { message: 'long', delayMs: 60_000 },
      { jobId: id, attempts: 1 },
    );
    await waitFor(async () => (await ctx.runtime.queues.get(id))?.isActive(), 20_000);
    const res = await ctx.app.inject({ method: 'GET', url: '/readyz?deep=true', headers: auth });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().checks.worker).toEqual({ ok: true });
    // Trainer processes so far: the long job's and the probe's.
    const text = (await ctx.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metricValue(text, 'trainer_processes_started')).toBe(2);
    expect(metricValue(text, 'trainer_processes_crashed')).toBe(0);
    await ctx.runtime.queues.publishCancel(id);
  }, 60_000);
});

describe('trainer crashes on /metrics', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await buildTestApp();
    ctx.startWorker({}, { fault: 'exit' });
  });
  afterAll(() => ctx.close());

  it('counts a trainer process that died without answering', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/readyz?deep=true' });
    expect(res.statusCode).toBe(503);
    await waitFor(async () => {
      const text = (await ctx.app.inject({ method: 'GET', url: '/metrics' })).body;
      return metricValue(text, 'trainer_processes_crashed') >= 1;
    }, 10_000);
  }, 60_000);
});
