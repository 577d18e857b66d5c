import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pairedDifferenceInterval } from '../../src/evaluation/paired-proportions.js';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { mnistTable } from '../helpers/mnist-table.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, read field by field
type Json = any;

const DIGITS = [3, 5, 8, 9];

/**
 * The feedback loop end to end on real handwritten digits (as a 49-feature table): a model
 * trained on 5 examples per digit is sent 160 new digits with capture on, a person labels the
 * review queue's top 40 (here: from the known truth), the model is retrained from itself on
 * the new dataset version, compared, and promoted behind `digits@production` while clients
 * keep predicting through the alias. The gain is measured on 400 digits neither version saw.
 */
describe('the feedback loop: capture, review, retrain, compare, promote', () => {
  let ctx: TestContext;
  let http: Api;
  const train = mnistTable(DIGITS, 5, 0);
  const production = mnistTable(DIGITS, 40, 100);
  const heldOut = mnistTable(DIGITS, 100, 300);
  let v1: Json;

  beforeAll(async () => {
    ctx = await buildTestApp();
    http = api(ctx);
    ctx.startWorker();
    const up = await http.uploadDataset(train.csv, 'digits.csv');
    ({ model: v1 } = await http.trainToEnd({
      datasetId: up.id,
      modelName: 'digits',
      head: [{ type: 'dense', units: 32, activation: 'relu' }],
      compile: { learningRate: 0.01 },
      fit: { epochs: 40, batchSize: 8 },
      evaluation: { method: 'cross-validation', folds: 5, learningCurve: false },
      seed: 11,
    }));
  }, 300_000);

  afterAll(async () => ctx?.close());

  const accuracy = async (ref: string, table = heldOut): Promise<boolean[]> => {
    const hits: boolean[] = [];
    for (let at = 0; at < table.rows.length; at += 200) {
      const res = await http.predict(ref, { instances: table.rows.slice(at, at + 200) });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      (res.body.predictions as Json[]).forEach((p, i) => hits.push(p.label === table.labels[at + i]));
    }
    return hits;
  };

  it('refuses to retrain before anything is labelled, saying what to do', async () => {
    const res = await http.post('/v1/models/digits/retrain', {});
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/no labelled review items yet: label some in its review queue/);
  });

  it('turns labelled production inputs into a new dataset version and a better next version', async () => {
    expect((await http.patch('/v1/models/digits', { capture: { rate: 1, maxItems: 1000 } })).status).toBe(
      200,
    );
    // Clients send 160 digits, 16 at a time (the capture budget is 20 writes a second).
    for (let i = 0; i < production.rows.length; i += 16) {
      expect((await http.predict('digits', { instances: production.rows.slice(i, i + 16) })).status).toBe(
        200,
      );
      await ctx.app.capture.settle();
      await new Promise((r) => setTimeout(r, 900));
    }
    expect((await http.get('/v1/models/digits/capture')).body.items).toBe(160);

    // A person labels the 40 most valuable items; the truth is looked up by the row sent.
    const truth = new Map(production.rows.map((r, i) => [JSON.stringify(r), production.labels[i]]));
    const queue = (await http.get('/v1/models/digits/review?limit=40')).body;
    expect(queue.items).toHaveLength(40);
    for (const item of queue.items as Json[]) {
      const input = await http.get(`/v1/models/digits/review/${item.id}/input`);
      expect(input.status).toBe(200);
      const label = truth.get(JSON.stringify(JSON.parse(input.text)));
      expect(label).toBeDefined();
      expect((await http.post(`/v1/models/digits/review/${item.id}`, { label })).status).toBe(200);
    }

    const bad = await http.post('/v1/models/digits/retrain', { spec: { fit: { epochs: 0 } } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('body.spec.fit.epochs');

    const res = await http.post('/v1/models/digits/retrain', {});
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.headers.location).toBe(`/v1/jobs/${res.body.job.id}`);
    expect(res.body.dataset).toMatchObject({
      parentId: v1.lineage.datasetId,
      examples: 60,
      added: 40,
      skipped: [],
    });
    expect(res.body.job.spec).toMatchObject({
      datasetId: res.body.dataset.id,
      warmStart: { modelId: v1.id },
    });

    const job = await http.waitForJob(res.body.job.id, { timeoutMs: 300_000 });
    expect(job.error).toBeUndefined();
    const v2 = (await http.get(`/v1/models/${job.modelId}`)).body;
    expect(v2).toMatchObject({ name: 'digits', version: 2 });
    expect(v2.lineage).toMatchObject({
      datasetId: res.body.dataset.id,
      datasetParentId: v1.lineage.datasetId,
    });
    const warm = (v2.evaluation.warnings as Json[]).find((w) => w.code === 'warm-start');
    expect(warm.message).toMatch(
      new RegExp(`started from model '${v1.id}': 2 layer\\(s\\) took its weights`),
    );

    // The version records where each added example came from.
    const version = (await http.get(`/v1/datasets/${res.body.dataset.id}`)).body;
    expect(version.parent.added).toHaveLength(40);
    expect(version.parent.added[0]).toMatchObject({ modelId: v1.id, label: expect.stringMatching(/^d\d$/) });

    // Measurably better on 400 digits neither version trained on: the paired interval is above 0.
    const [a, b] = [await accuracy('digits@1'), await accuracy('digits@2')];
    const counts = { both: 0, aOnly: 0, bOnly: 0, neither: 0 };
    a.forEach((x, i) => {
      const y = b[i] as boolean;
      if (x && y) counts.both++;
      else if (x) counts.aOnly++;
      else if (y) counts.bOnly++;
      else counts.neither++;
    });
    const gain = pairedDifferenceInterval(counts);
    console.log(
      `held-out accuracy v1 ${(a.filter(Boolean).length / a.length).toFixed(3)}, v2 ${(b.filter(Boolean).length / b.length).toFixed(3)}, difference ${gain.difference.toFixed(3)} (${gain.low.toFixed(3)} to ${gain.high.toFixed(3)})`,
    );
    expect(gain.low).toBeGreaterThan(0);
  }, 600_000);

  it('compares the two versions and promotes the new one behind the alias without a failed request', async () => {
    expect((await http.put('/v1/models/digits/aliases/production', { version: 1 })).status).toBe(200);
    expect((await http.put('/v1/models/digits/aliases/candidate', { version: 2 })).status).toBe(200);
    const compare = (await http.post('/v1/models/compare', { a: 'digits@production', b: 'digits@candidate' }))
      .body;
    // Paired on the 20 examples both versions' evaluations predicted out of fold.
    expect(compare.examples).toBe(20);
    expect(compare.difference.low).toBeLessThanOrEqual(compare.difference.accuracy);

    let stop = false;
    const statuses: number[] = [];
    const served: number[] = [];
    const clients = Array.from({ length: 3 }, async () => {
      while (!stop) {
        const res = await http.predict('digits@production', { instances: heldOut.rows.slice(0, 4) });
        statuses.push(res.status);
        if (res.status === 200) served.push(res.body.model.version);
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    const promoted = await http.post('/v1/models/digits/promote', { policy: 'manual' });
    expect(promoted.status, JSON.stringify(promoted.body)).toBe(200);
    expect(promoted.body).toMatchObject({ promoted: true, version: 2, previous: 1 });
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await Promise.all(clients);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200)).toBe(true);
    // Requests were answered by version 1, then by version 2, never by anything else.
    expect(new Set(served)).toEqual(new Set([1, 2]));
    expect(served.indexOf(2)).toBeGreaterThan(served.lastIndexOf(1) - 3);
    expect((await http.get('/v1/models/digits@production')).body.version).toBe(2);
  }, 120_000);
});
