import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, ProblemError, type Client, type Job } from '../../src/client/index.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';

/**
 * The typed client in-process against a listening service with a worker: uploads from bytes,
 * a job followed over its event stream with every progress record seen, a finished job's
 * stream answered at once, and failures as ProblemError carrying the service's problem document.
 */

function csv(rows: number): string {
  const lines = ['a,b,label'];
  for (let i = 0; i < rows; i++) lines.push(`${i % 7},${(i * 3) % 5},${i % 2 === 0 ? 'x' : 'y'}`);
  return lines.join('\n') + '\n';
}

describe('the typed client', () => {
  let ctx: TestContext;
  let tl: Client;
  let origin: string;
  beforeAll(async () => {
    ctx = await buildTestApp({ API_KEYS: 'client-key', JOB_ATTEMPTS: '1' });
    ctx.startWorker();
    // A real socket: the typed client under test speaks HTTP (fetch and event streams).
    await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    origin = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
    tl = createClient({ baseUrl: `${origin}/`, apiKey: 'client-key' });
  });
  afterAll(() => ctx.close());

  let job: Job;

  it('uploads bytes, trains a job and follows it to the end over its event stream', async () => {
    const ds = await tl.datasets.upload({
      file: { data: new TextEncoder().encode(csv(40)), filename: 'rows.csv' },
      name: 'rows',
    });
    expect(ds).toMatchObject({ name: 'rows', kind: 'tabular', examples: 40 });
    const queued = await tl.jobs.create({
      datasetId: ds.id,
      architecture: [{ type: 'dense', units: 4 }],
      fit: { epochs: 3, batchSize: 8 },
      evaluation: { method: 'holdout' },
    });
    expect(['queued', 'running']).toContain(queued.state);
    const seen: Job[] = [];
    job = await tl.jobs.follow(queued.id, { onProgress: (j) => seen.push(j) });
    expect(job).toMatchObject({ id: queued.id, state: 'completed', modelId: expect.stringMatching(/^m_/) });
    expect(seen.at(-1)).toEqual(job);
    expect(seen.some((j) => j.state === 'running')).toBe(true);

    const model = await tl.models.get(job.modelId!);
    expect(model.labels).toEqual(['x', 'y']);
    const { predictions } = await tl.models.predict(job.modelId!, { instances: [[1, 2]] }, { topK: 2 });
    expect(predictions).toHaveLength(1);
  }, 180_000);

  it("answers a finished job's stream at once, and the raw typed client reaches any route", async () => {
    const again = await tl.jobs.follow(job.id);
    expect(again).toMatchObject({ id: job.id, state: 'completed', modelId: job.modelId });
    const { data, response } = await tl.api.GET('/v1/jobs/{id}', { params: { path: { id: job.id } } });
    expect(response.status).toBe(200);
    expect(data?.state).toBe('completed');

    // The Open Inference Protocol's routes are typed too (its nested tensor data included).
    const infer = await tl.api.POST('/v2/models/{name}/infer', {
      params: { path: { name: job.modelId! } },
      body: { inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', data: [[1, 2]] }] },
    });
    expect(infer.response.status).toBe(200);
    const label = infer.data?.outputs.find((o) => o.name === 'label')?.data;
    const v1 = await tl.models.predict(job.modelId!, { instances: [[1, 2]] });
    expect(label).toEqual([(v1.predictions[0] as { label: string }).label]);
  });

  it('raises the problem document as a ProblemError naming the failing field', async () => {
    const err = await tl.jobs
      .create({ datasetId: 'ds_0000000000000000', fit: { epochs: 0 } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProblemError);
    const p = err as ProblemError;
    expect(p.status).toBe(400);
    expect(p.problem.errors?.map((e) => e.path)).toContain('body.fit.epochs');
    expect(p.message).toContain('body.fit.epochs');

    const unauthorised = createClient({ baseUrl: origin, apiKey: 'wrong' });
    await expect(unauthorised.datasets.list()).rejects.toMatchObject({
      name: 'ProblemError',
      status: 401,
      message: 'Invalid API key',
    });
    await expect(tl.jobs.follow('job_0000000000000000')).rejects.toMatchObject({ status: 404 });
  });

  it('picks a job up again when its event stream closes before the end (a proxy cutting streams)', async () => {
    // A real HTTP proxy in front of the service that answers every event stream with a 200 and
    // closes it at once, as a proxy's idle timeout would; everything else passes through.
    let streams = 0;
    const proxy = http.createServer((req, res) => {
      if (req.url?.endsWith('/events')) {
        streams++;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        return res.end(': cut\n\n');
      }
      const upstream = http.request(
        `${origin}${req.url}`,
        { method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const via = createClient({
        baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        apiKey: 'client-key',
      });
      const queued = await via.jobs.create({ ...job.spec, fit: { epochs: 4, batchSize: 8 } });
      // With no reconnection allowed, a cut stream on a job that has not ended is an error.
      await expect(via.jobs.follow(queued.id, { maxReconnects: 0 })).rejects.toThrow(
        /closed 1 times before the end/,
      );
      const done = await via.jobs.follow(queued.id, { maxReconnects: 20 });
      expect(done).toMatchObject({ id: queued.id, state: 'completed' });
      expect(done).toEqual(await tl.jobs.get(queued.id));
      expect(streams).toBeGreaterThanOrEqual(2);
    } finally {
      await new Promise((r) => proxy.close(r));
    }
  }, 120_000);
});
