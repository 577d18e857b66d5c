import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, waitFor, type TestContext } from '../helpers/app.js';
import { mnistZip } from '../helpers/mnist-zip.js';
import { rawRequest } from '../helpers/raw-http.js';

/** A small CNN trained from scratch on real digits: the source model of later transfers. */
const sourceSpec = (datasetId: string, epochs = 2) => ({
  datasetId,
  evaluation: { method: 'holdout' },
  architecture: [
    { type: 'conv2d', filters: 4, kernelSize: 3, name: 'conv_a' },
    { type: 'maxPooling2d', poolSize: 2 },
    { type: 'flatten', name: 'features' },
  ],
  head: [{ type: 'dense', units: 16 }],
  input: { size: [28, 28], channels: 1 },
  fit: { epochs, batchSize: 16, validationSplit: 0.2 },
  seed: 7,
});

describe('training jobs through the API', () => {
  let ctx: TestContext;
  let http: Api;
  let digits04: string;
  let digits59: string;

  /** The app on a port (for what needs a real socket), listening from the first call on. */
  const port = async (): Promise<number> => {
    if (!ctx.app.server.listening) await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    return (ctx.app.server.address() as AddressInfo).port;
  };
  const uploadDataset = async (zip: Buffer, name: string): Promise<string> =>
    (await http.uploadDataset(zip, `${name}.zip`, { name })).id as string;

  beforeAll(async () => {
    ctx = await buildTestApp({ JOB_ATTEMPTS: '1' });
    http = api(ctx);
    ctx.startWorker();
    digits04 = await uploadDataset(await mnistZip([0, 1, 2, 3, 4], 30), 'digits-0-4');
    digits59 = await uploadDataset(await mnistZip([5, 6, 7, 8, 9], 10, 100), 'digits-5-9');
  }, 120_000);
  afterAll(() => ctx.close());

  it('rejects specs that cannot work, naming each field, before queueing', async () => {
    const post = (body: unknown) => http.post('/v1/jobs', body);
    const unknownDataset = await post({ datasetId: 'ds_0000000000000000' });
    expect(unknownDataset.status).toBe(400);
    expect(unknownDataset.body.errors).toEqual([expect.objectContaining({ path: 'body.datasetId' })]);

    const badNumbers = await post({ datasetId: digits04, fit: { epochs: 0 }, wat: 1 });
    expect(badNumbers.status).toBe(400);
    const paths = badNumbers.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toContain('body.fit.epochs');

    const noSuchBase = await post({ datasetId: digits04, base: { modelId: 'm_0000000000000000' } });
    expect(noSuchBase.status).toBe(400);
    expect(noSuchBase.body.errors[0].path).toBe('body.base.modelId');

    const counts = await ctx.runtime.queues.counts();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('trains from scratch, streams progress, then transfers to new classes', async () => {
    const created = await http.post('/v1/jobs', sourceSpec(digits04));
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ spec: { datasetId: digits04, seed: 7 } });
    expect(['queued', 'running']).toContain(created.body.state);
    expect(created.headers['location']).toBe(`/v1/jobs/${created.body.id}`);

    // Server-Sent Events: progress as it happens, then the final state. A real socket: the
    // stream is read as the server writes it, over a connection held open as a browser holds it.
    const sse = await fetch(`http://127.0.0.1:${await port()}/v1/jobs/${created.body.id}/events`);
    expect(sse.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = (await sse.text())
      .split('\n\n')
      .filter((b) => b.startsWith('event:'))
      .map((b) => ({ type: /^event: (\w+)/.exec(b)![1], job: JSON.parse(/\ndata: (.*)$/m.exec(b)![1]!) }));
    // A completed job says it is done, not that it is still in its last phase (saving).
    expect(events.at(-1)).toMatchObject({
      type: 'end',
      job: { state: 'completed', progress: { phase: 'done' } },
    });
    expect(events.filter((e) => e.type === 'progress').length).toBeGreaterThanOrEqual(1);

    const source = (await http.get(`/v1/jobs/${created.body.id}`)).body;
    expect(source.state).toBe('completed');
    expect(source.progress.phase).toBe('done');
    expect(source.modelId).toMatch(/^m_/);
    expect(source.history).toHaveLength(2);
    expect(source.history[0]).toMatchObject({ phase: 'train', epoch: 1 });
    expect(source.history[1].loss).toBeLessThan(source.history[0].loss);
    // Examples/s per phase stay in the view after the job ends.
    expect(source.progress.throughput.train).toBeGreaterThan(0);
    for (const rate of Object.values(source.progress.throughput)) expect(rate).toBeGreaterThan(0);
    expect(events.some((e) => e.job.progress?.throughput?.train > 0)).toBe(true);

    const layers = await http.get(`/v1/models/${source.modelId}/layers`);
    expect(layers.status).toBe(200);
    expect(layers.body.layers.map((l: { name: string }) => l.name)).toContain('features');

    const transfer = await http.post('/v1/jobs', {
      datasetId: digits59,
      evaluation: { method: 'holdout' },
      base: { modelId: source.modelId },
      cutAt: 'features',
      head: [{ type: 'dense', units: 16 }],
      fit: { epochs: 3, batchSize: 8, validationSplit: 0.2 },
      seed: 3,
    });
    expect(transfer.status).toBe(202);
    const done = await http.waitForJob(transfer.body.id, { timeoutMs: 120_000 });
    expect(done.error).toBeUndefined();
    expect(done.state).toBe('completed');
    const model = (await http.get(`/v1/models/${done.modelId}`)).body;
    expect(model.labels).toEqual(['5', '6', '7', '8', '9']);
    expect(model.lineage).toMatchObject({
      jobId: transfer.body.id,
      datasetId: digits59,
      base: { modelId: source.modelId },
    });
    expect(model.evaluation.task).toBe('classification');
    expect(model.evaluation.confusionMatrix).toHaveLength(5);
  }, 240_000);

  it('cancels a queued job at once and a running one at its next batch, saving nothing', async () => {
    const modelsBefore = (await http.get('/v1/models')).body.total;

    const running = await http.post('/v1/jobs', sourceSpec(digits04, 200));
    const queued = await http.post('/v1/jobs', sourceSpec(digits04, 200));
    await http.waitForJob(running.body.id, { states: ['running'], timeoutMs: 120_000 });

    const q = await http.post(`/v1/jobs/${queued.body.id}/cancel`);
    expect(q.status).toBe(200);
    expect(q.body.state).toBe('cancelled');
    expect((await http.get(`/v1/jobs/${queued.body.id}`)).body.state).toBe('cancelled');

    const r = await http.post(`/v1/jobs/${running.body.id}/cancel`);
    expect(r.status).toBe(200);
    expect(r.body.state).toBe('cancelled');
    // The worker really stops: the job ends as failed-by-cancellation in BullMQ.
    await waitFor(
      async () => (await ctx.runtime.queues.get(running.body.id))?.failedReason?.includes('cancel'),
      60_000,
    );
    expect((await http.get(`/v1/jobs/${running.body.id}`)).body.state).toBe('cancelled');
    expect((await http.post(`/v1/jobs/${running.body.id}/cancel`)).status).toBe(200);

    expect((await http.get('/v1/models')).body.total).toBe(modelsBefore);
    const listed = await http.get('/v1/jobs?state=cancelled');
    expect(listed.body.items.map((j: { id: string }) => j.id).sort()).toEqual(
      [queued.body.id, running.body.id].sort(),
    );
  }, 180_000);

  it('answers 404 and 400 for unknown and malformed job ids', async () => {
    expect((await http.get('/v1/jobs/job_0000000000000000')).status).toBe(404);
    // A raw socket: inject, like HTTP clients, would resolve the dot segments before the router.
    expect((await rawRequest(await port(), 'GET', '/v1/jobs/../../etc')).status).toBe(404);
    expect((await http.get('/v1/jobs/not-an-id')).status).toBe(400);
    expect((await http.post('/v1/jobs/job_0000000000000000/cancel')).status).toBe(404);
  });
});
