import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/contracts/job-spec.js';
import { newId } from '../../src/lib/ids.js';
import { api } from '../helpers/api.js';
import { buildTestApp, waitFor, type TestContext } from '../helpers/app.js';
import { privateRedis } from '../helpers/redis-server.js';

/** With Redis down every route answers (503 + Retry-After where it needs Redis), never 500 or a hang. */
describe('a Redis outage', () => {
  let redis: Awaited<ReturnType<typeof privateRedis>>;
  let ctx: TestContext;
  let port: number;

  beforeAll(async () => {
    redis = await privateRedis();
    await redis.start();
    ctx = await buildTestApp({ REDIS_URL: redis.url });
    await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    port = (ctx.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await redis.start().catch(() => undefined);
    await ctx.close();
    await redis.cleanup();
  });

  it('ends an open event stream with an error event naming the cause', async () => {
    // A training job that never runs (no worker): its stream stays open until Redis goes.
    const datasetId = 'ds_0000000000000000';
    const spec = parseJobSpec({ datasetId, head: [{ type: 'dense', units: 4 }] });
    const job = await ctx.runtime.queues.add('train', { datasetId, spec }, { jobId: newId('job') });
    let text = '';
    let ended = false;
    // An event stream never ends, so it is read over a real socket (inject waits for the end).
    const req = http.get(`http://127.0.0.1:${port}/v1/jobs/${job.id}/events`, (res) => {
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => (ended = true));
    });
    await waitFor(async () => text.includes('event: progress'), 10_000);
    await redis.stop();
    await waitFor(async () => ended, 20_000);
    req.destroy();
    const error = /event: error\ndata: (.*)\n/.exec(text);
    expect(error, text).not.toBeNull();
    expect(JSON.parse(error![1]!)).toMatchObject({ status: 503, detail: expect.stringMatching(/Redis/) });
  });

  it('answers every route without a 500, and 503 with Retry-After where Redis is needed', async () => {
    await redis.stop();
    const routes = ctx.app.registeredRoutes.filter(
      (r) =>
        r.url.startsWith('/v1') &&
        r.method !== 'HEAD' &&
        r.method !== 'OPTIONS' &&
        !r.url.endsWith('/events'),
    );
    const outcomes: string[] = [];
    for (const r of routes) {
      const url = r.url.replace(
        /:id/g,
        r.url.includes('job') ? 'job_0123456789abcdef' : 'ds_0123456789abcdef',
      );
      const res = await api(ctx).request(r.method, url, r.method === 'POST' ? {} : undefined);
      outcomes.push(`${r.method} ${r.url} ${res.status}`);
      expect(res.status, `${r.method} ${url}: ${res.text}`).toBeLessThan(500 + (res.status === 503 ? 4 : 0));
      if (res.status === 503) {
        expect(res.headers['retry-after'], `${r.method} ${url}`).toBeDefined();
        expect(res.headers['content-type']).toMatch(/problem\+json/);
      }
    }
    // The job routes need Redis, so they say so.
    expect(outcomes).toContain('GET /v1/jobs 503');
    expect(outcomes).toContain('GET /v1/jobs/:id 503');
    expect(outcomes).toContain('POST /v1/jobs/:id/cancel 503');
  });
});
