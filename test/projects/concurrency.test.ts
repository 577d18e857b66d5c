import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.js';
import type { TestContext } from '../helpers/app.js';
import { buildAppWithKeys } from '../helpers/keys-file.js';

const A = 'key-team-a-concurrency-01';
const B = 'key-team-b-concurrency-01';

/** Two separable classes in two numeric features; `flip` swaps the labels so the models differ. */
function csv(flip: boolean): Buffer {
  const rows = Array.from({ length: 40 }, (_, i) => {
    const c = i % 2;
    const label = (c === 1) !== flip ? 'hi' : 'lo';
    return `${c * 4 + (i % 5) * 0.1},${c * 3 - (i % 3) * 0.1},${label}`;
  });
  return Buffer.from(['x1,x2,label', ...rows].join('\n'));
}

const spec = (datasetId: unknown, seed: number) => ({
  datasetId,
  architecture: [{ type: 'dense', units: 8, activation: 'relu' }],
  evaluation: { method: 'holdout' },
  fit: { epochs: 4, batchSize: 8 },
  seed,
});

type SseEvent = { type: string; job: { id: string; state: string } };

describe('two projects at once', () => {
  let ctx: TestContext;
  const port = async (): Promise<number> => {
    if (!ctx.app.server.listening) await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    return (ctx.app.server.address() as AddressInfo).port;
  };
  /** A job's event stream as a browser reads it: a real socket held open until the end event. */
  const stream = async (key: string, id: string) => {
    const res = await fetch(`http://127.0.0.1:${await port()}/v1/jobs/${id}/events`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const text = res.status === 200 ? await res.text() : '';
    const events = text
      .split('\n\n')
      .filter((b) => b.startsWith('event:'))
      .map((b): SseEvent => ({
        type: /^event: (\w+)/.exec(b)![1]!,
        job: JSON.parse(/\ndata: (.*)$/m.exec(b)![1]!),
      }));
    return { status: res.status, events, text };
  };

  beforeAll(async () => {
    ctx = await buildAppWithKeys(
      [
        { id: 'a', key: A, project: 'team-a', roles: ['admin'] },
        { id: 'b', key: B, project: 'team-b', roles: ['admin'] },
      ],
      { projects: { 'team-a': { quotas: { concurrentJobs: 1 } } }, env: { WORKER_CONCURRENCY: '2' } },
    );
  });
  afterAll(() => ctx?.close());

  it('trains and predicts in both, each seeing only its own jobs, streams, models and quota', async () => {
    const a = api(ctx, { key: A });
    const b = api(ctx, { key: B });
    const [dsA, dsB] = await Promise.all([
      a.uploadDataset(csv(false), 'a.csv'),
      b.uploadDataset(csv(true), 'b.csv'),
    ]);
    const [jobA, jobB] = await Promise.all([
      a.createJob(spec(dsA['id'], 1)),
      b.createJob(spec(dsB['id'], 2)),
    ]);
    // team-a is at its quota of one job at a time; team-b has none and queues another at once.
    const over = await a.post('/v1/jobs', spec(dsA['id'], 3));
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ quota: 'concurrentJobs', limit: 1 });
    const extraB = await b.createJob(spec(dsB['id'], 4));
    ctx.startWorker();

    // Each stream carries its own job only; another project's stream does not exist.
    const [sA, sB, crossA, crossB] = await Promise.all([
      stream(A, jobA['id'] as string),
      stream(B, jobB['id'] as string),
      stream(B, jobA['id'] as string),
      stream(A, jobB['id'] as string),
    ]);
    expect(sA.events.at(-1)).toMatchObject({ type: 'end', job: { id: jobA['id'], state: 'completed' } });
    expect(sB.events.at(-1)).toMatchObject({ type: 'end', job: { id: jobB['id'], state: 'completed' } });
    expect(sA.events.every((e) => e.job.id === jobA['id'])).toBe(true);
    expect(sB.events.every((e) => e.job.id === jobB['id'])).toBe(true);
    expect(sA.text).not.toContain(String(dsB['id']));
    expect(sB.text).not.toContain(String(dsA['id']));
    expect([crossA.status, crossB.status]).toEqual([404, 404]);

    const doneA = await a.waitForJob(jobA['id'] as string);
    const doneB = await b.waitForJob(jobB['id'] as string);
    await b.waitForJob(extraB['id'] as string);
    const listedA = ((await a.get('/v1/jobs')).body['items'] as Array<{ id: string }>).map((j) => j.id);
    expect(listedA).toEqual([jobA['id']]);
    expect(((await b.get('/v1/jobs')).body['items'] as unknown[]).length).toBe(2);

    // Both predict at once, each with its own model; neither reaches the other's.
    const point = { instances: [[4, 3]] };
    const [pA, pB, crossModel] = await Promise.all([
      a.post(`/v1/models/${doneA['modelId']}/predict`, point),
      b.post(`/v1/models/${doneB['modelId']}/predict`, point),
      b.post(`/v1/models/${doneA['modelId']}/predict`, point),
    ]);
    expect(pA.status, pA.text).toBe(200);
    expect(pB.status, pB.text).toBe(200);
    expect(crossModel.status).toBe(404);
    const label = (r: typeof pA) => (r.body['predictions'] as Array<{ label: string }>)[0]!.label;
    expect(label(pA)).toBe('hi');
    expect(label(pB)).toBe('lo');

    // Metrics name no project and no object of either.
    const metrics = (await api(ctx).get('/metrics')).text;
    for (const s of ['team-a', 'team-b', doneA['modelId'], doneB['modelId'], jobA['id'], jobB['id']]) {
      expect(metrics).not.toContain(String(s));
    }
  }, 300_000);
});
