import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { classZip, png } from '../helpers/dataset-fixtures.js';
import { colourZip, registerCatalog, registerSmallCnn } from '../helpers/advisor-fixtures.js';

/**
 * The advisor through the API with a real worker: a small colour dataset, a small CNN and the
 * real offline MobileNetV2 (224x224), two cuts each, so four (base, cut) candidates.
 */
describe('advisor API', () => {
  let ctx: TestContext;
  let http: Api;
  let base: string;
  let colours: string;
  let cnn: string;
  let mobilenet: string;

  beforeAll(async () => {
    ctx = await buildTestApp({ JOB_ATTEMPTS: '1' });
    http = api(ctx);
    // The advisor's event stream is read over a socket, as a client reads it.
    base = await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    ctx.startWorker();
    colours = (await http.uploadDataset(await colourZip(6), 'colours.zip', { name: 'colours' })).id;
    cnn = await registerSmallCnn(ctx);
    mobilenet = await registerCatalog(ctx, 'nsfwjs-mobilenet-v2');
  }, 120_000);
  afterAll(() => ctx.close());

  it('rejects what it cannot advise on, naming the field, before queueing', async () => {
    const unknown = await http.post('/v1/advisor', { datasetId: 'ds_0000000000000000' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ path: 'body.datasetId' })]);

    const badBase = await http.post('/v1/advisor', {
      datasetId: colours,
      candidates: [{ base: { baseModelId: 'bm_0000000000000000' } }],
    });
    expect(badBase.status).toBe(400);
    expect(badBase.body.errors[0].path).toBe('body.candidates.0.base.baseModelId');

    const badCut = await http.post('/v1/advisor', {
      datasetId: colours,
      candidates: [{ base: { baseModelId: cnn }, cuts: ['features', 'nope'] }],
    });
    expect(badCut.status).toBe(400);
    expect(badCut.body.errors[0].path).toBe('body.candidates.0.cuts.1');
    expect(badCut.body.errors[0].message).toMatch(/no layer named 'nope'/);

    const extra = await http.post('/v1/advisor', { datasetId: colours, wat: 1 });
    expect(extra.status).toBe(400);

    const tiny = (
      await http.uploadDataset(
        await classZip({
          a: [await png(8, 8, [200, 0, 0])],
          b: [await png(8, 8, [0, 0, 200]), await png(8, 8, [0, 0, 190])],
        }),
        'too-small.zip',
        { name: 'too-small' },
      )
    ).id;
    const small = await http.post('/v1/advisor', {
      datasetId: tiny,
      candidates: [{ base: { baseModelId: cnn } }],
    });
    expect(small.status).toBe(422);
    expect(small.body.detail).toMatch(/too small for k-fold cross-validation: 'a' has 1 example/);

    const table = await http.form('/v1/datasets', [
      { name: 'name', data: 'table' },
      { name: 'file', filename: 'table.csv', data: Buffer.from('f1,f2,label\n1,2,a\n2,1,b\n1,1,a\n2,2,b\n') },
    ]);
    expect(table.status).toBe(201);
    const tabular = await http.post('/v1/advisor', { datasetId: table.body.id });
    expect(tabular.status).toBe(422);
    expect(tabular.body.detail).toMatch(/is tabular: no pretrained base fits it/);

    const missing = await http.get('/v1/advisor/adv_0000000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toMatch(/advisor run/);

    const counts = await ctx.runtime.queues.counts();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('ranks two bases at two cuts each, streams progress, and its pick trains as a job', async () => {
    const created = await http.post('/v1/advisor', {
      datasetId: colours,
      candidates: [
        { base: { baseModelId: cnn }, cuts: ['features', 'pool_a'] },
        { base: { baseModelId: mobilenet }, cuts: ['flatten_1', 'block_15_add'] },
      ],
    });
    expect(created.status).toBe(202);
    expect(created.body.id).toMatch(/^adv_/);
    expect(created.headers['location']).toBe(`/v1/advisor/${created.body.id}`);

    const sse = await fetch(`${base}/v1/advisor/${created.body.id}/events`);
    const events = (await sse.text())
      .split('\n\n')
      .filter((b) => b.startsWith('event:'))
      .map((b) => ({ type: /^event: (\w+)/.exec(b)![1], run: JSON.parse(/\ndata: (.*)$/m.exec(b)![1]!) }));
    expect(events.at(-1)).toMatchObject({ type: 'end', run: { state: 'completed' } });
    expect(events.some((e) => e.run.progress?.phase === 'features')).toBe(true);

    const run = (await http.get(`/v1/advisor/${created.body.id}`)).body;
    expect(run.state).toBe('completed');
    expect(run.ranking).toHaveLength(4);
    expect(run.folds).toBe(6);
    const names = new Set(run.ranking.map((e: { baseName: string }) => e.baseName));
    expect(names.size).toBe(2);
    for (const e of run.ranking) {
      expect(e).toMatchObject({
        accuracy: expect.any(Number),
        accuracyStd: expect.any(Number),
        examples: 12,
        accuracyInterval: { level: 0.95, method: 'wilson' },
        knnInterval: { level: 0.95, method: 'wilson' },
        logME: expect.any(Number),
        spec: { cutAt: e.cutAt },
      });
      expect(e.accuracyInterval.low).toBeLessThanOrEqual(e.accuracy);
      expect(e.accuracyInterval.high).toBeGreaterThanOrEqual(e.accuracy);
    }
    // Every entry but the pick carries its paired difference to the pick.
    expect(run.ranking[0].differenceToPick).toBeNull();
    for (const e of run.ranking.slice(1)) {
      expect(e.differenceToPick).toMatchObject({ level: 0.95, tied: expect.any(Boolean) });
      expect(e.differenceToPick.low).toBeLessThanOrEqual(e.differenceToPick.high);
    }
    expect(run.repeats).toBe(3);
    // MobileNetV2 costs far more per example than the small CNN.
    const cost = (name: string) => run.ranking.find((e: { cutAt: string }) => e.cutAt === name).msPerExample;
    expect(cost('flatten_1')).toBeGreaterThan(cost('features'));
    expect(run.ranking[0].accuracy).toBeGreaterThanOrEqual(0.9);
    expect(run.recommendation.pick).toEqual({ base: run.ranking[0].base, cutAt: run.ranking[0].cutAt });
    expect(run.recommendation.reason).toEqual(expect.any(String));

    // The recommended spec, as given (fewer epochs), trains as a job.
    const spec = run.recommendation.spec;
    const job = await http.createJob({
      ...spec,
      datasetId: colours,
      fit: { ...spec.fit, epochs: 2 },
      evaluation: { method: 'holdout' },
      ...(spec.fineTune ? { fineTune: { ...spec.fineTune, epochs: 1 } } : {}),
    });
    const done = await http.waitForJob(job.id);
    expect(done).toMatchObject({ state: 'completed', modelId: expect.stringMatching(/^m_/) });
    // Advisor runs are not training jobs.
    expect((await http.get(`/v1/jobs/${created.body.id}`)).status).toBe(404);
    const list = (await http.get('/v1/jobs')).body;
    expect(list.items.map((j: { id: string }) => j.id)).not.toContain(created.body.id);
  }, 400_000);

  it('considers every registered base and every offline catalog base by default', async () => {
    const created = await http.post('/v1/advisor', { datasetId: colours });
    expect(created.status).toBe(202);
    await http.post(`/v1/advisor/${created.body.id}/cancel`);
    const listed = (await http.get('/v1/base-models?limit=100')).body.items as Array<{
      id: string;
      source: { catalog?: string };
    }>;
    // MobileNetV2 was registered already and is not registered twice; InceptionV3 is now.
    const catalogued = listed.map((b) => b.source.catalog).filter(Boolean);
    expect(catalogued.sort()).toEqual(['nsfwjs-inception-v3', 'nsfwjs-mobilenet-v2']);
    expect(
      created.body.candidates.map((c: { base: { baseModelId: string } }) => c.base.baseModelId).sort(),
    ).toEqual(listed.map((b) => b.id).sort());
  }, 120_000);

  it('cancels a run', async () => {
    const created = await http.post('/v1/advisor', {
      datasetId: colours,
      candidates: [{ base: { baseModelId: mobilenet } }],
    });
    expect(created.status).toBe(202);
    const cancelled = await http.post(`/v1/advisor/${created.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.state).toBe('cancelled');
    const final = await http.waitForState(`/v1/advisor/${created.body.id}`, { timeoutMs: 60_000 });
    expect(final.state).toBe('cancelled');
    const again = await http.post(`/v1/advisor/${created.body.id}/cancel`);
    expect(again.body.state).toBe('cancelled');
  }, 120_000);
});
