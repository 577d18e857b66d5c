import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import { api } from '../helpers/api.js';
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
      const res = await api(ctx).get('/readyz');
      expect(res.status).toBe(200);
    }
    expect(await queuedSomething()).toBe(false);
    expect((await api(ctx).get('/metrics')).text).toMatch(/^trainer_processes_started 0$/m);
  });

  it('asks a key for the deep check', async () => {
    expect((await api(ctx).get('/readyz?deep=true')).status).toBe(401);
    expect((await api(ctx).get('/readyz?deep=false')).status).toBe(200);
  });

  it('is deeply ready while the only worker trains a long job', async () => {
    const id = newId('job');
    await ctx.runtime.queues.queue.add(
      'echo',
      { message: 'long', delayMs: 60_000 },
      { jobId: id, attempts: 1 },
    );
    await waitFor(async () => (await ctx.runtime.queues.get(id))?.isActive(), 20_000);
    const res = await api(ctx).get('/readyz?deep=true', { headers: auth });
    expect(res.status, res.body).toBe(200);
    expect(res.body.checks.worker).toEqual({ ok: true });
    // Trainer processes so far: the long job's and the probe's.
    const text = (await api(ctx).get('/metrics')).text;
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
    const res = await api(ctx).get('/readyz?deep=true');
    expect(res.status).toBe(503);
    await waitFor(async () => {
      const text = (await api(ctx).get('/metrics')).text;
      return metricValue(text, 'trainer_processes_crashed') >= 1;
    }, 10_000);
  }, 60_000);
});
