import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.js';
import { buildTestApp, waitFor, type TestContext } from '../helpers/app.js';
import { privateRedis } from '../helpers/redis-server.js';

describe('readiness follows Redis', () => {
  let redis: Awaited<ReturnType<typeof privateRedis>>;
  let ctx: TestContext;

  beforeAll(async () => {
    redis = await privateRedis();
    await redis.start();
    ctx = await buildTestApp({ REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await redis.start().catch(() => undefined);
    await ctx.close();
    await redis.cleanup();
  });

  it('is ready, then 503 naming redis while it is down, then ready again', async () => {
    await waitFor(async () => (await api(ctx).get('/readyz')).status === 200, 10_000);
    const ready = (await api(ctx).get('/readyz')).body;
    expect(ready.checks).toMatchObject({ redis: { ok: true }, dataDir: { ok: true }, backend: { ok: true } });
    expect(['tensorflow', 'wasm', 'cpu']).toContain(ready.backend.name);
    if (ready.backend.name === 'wasm') {
      // Every core in XNNPACK's pool by default (WASM_THREADS=0), as the detail says.
      expect(ready.backend.threads).toBe(Math.min(8, os.availableParallelism()));
      expect(ready.checks.backend.detail).toMatch(new RegExp(`${ready.backend.threads} thread`));
    }

    await redis.stop();
    const started = Date.now();
    const down = await api(ctx).get('/readyz');
    expect(Date.now() - started).toBeLessThan(5_000); // answers, does not hang
    expect(down.status).toBe(503);
    expect(down.headers['content-type']).toMatch(/problem\+json/);
    expect(down.body.errors).toEqual([expect.objectContaining({ path: 'redis' })]);
    expect(down.body.detail).toMatch(/redis/);

    // The producer fails fast instead of queueing commands until Redis returns.
    const t0 = Date.now();
    await expect(ctx.runtime.queues.add('probe', {})).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
    });
    expect(Date.now() - t0).toBeLessThan(5_000);

    await redis.start();
    await waitFor(async () => (await api(ctx).get('/readyz')).status === 200, 15_000, 200);
  });
});
