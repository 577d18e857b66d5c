import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api, type Json } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { clusters, weakAndStrong } from '../helpers/promotion-fixtures.js';

describe('aliases, comparison and promotion', () => {
  let ctx: TestContext;
  let http: Api;
  let weak: Json;
  let strong: Json;

  beforeAll(async () => {
    ctx = await buildTestApp();
    http = api(ctx);
    ctx.startWorker();
    ({ weak, strong } = await weakAndStrong(ctx, 'churn'));
    expect([weak.version, strong.version]).toEqual([1, 2]);
  }, 400_000);

  afterAll(async () => ctx?.close());

  it('points an alias at a version; name@alias is accepted wherever a model is', async () => {
    const put = await http.put('/v1/models/churn/aliases/production', { version: 1 });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toMatchObject({ alias: 'production', version: 1, previous: 0, modelId: weak.id });

    const p = await http.post('/v1/models/churn@production/predict', { instances: [[1, 1, 1, 1]] });
    expect(p.status, JSON.stringify(p.body)).toBe(200);
    expect(p.body.model).toMatchObject({ id: weak.id, version: 1 });
    expect((await http.get('/v1/models/churn@production')).body.id).toBe(weak.id);
    expect((await http.get('/v1/models/churn@2')).body.id).toBe(strong.id);
    const oip = await http.get('/v2/models/churn@production/ready');
    expect(oip.status).toBe(200);

    const missing = await http.post('/v1/models/churn@staging/predict', { instances: [[1, 1, 1, 1]] });
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toMatch(/no alias 'staging'.*PUT \/v1\/models\/churn\/aliases\/staging/);
    const both = await http.get('/v1/models/churn@production?version=2');
    expect(both.status).toBe(400);
    const badSuffix = await http.get('/v1/models/churn@Prod!');
    expect(badSuffix.status).toBe(400);
    const noVersion = await http.put('/v1/models/churn/aliases/production', { version: 9 });
    expect(noVersion.status).toBe(400);
    expect(noVersion.body.errors[0].path).toBe('body.version');
    const badAlias = await http.put('/v1/models/churn/aliases/Prod', { version: 1 });
    expect(badAlias.status).toBe(400);
  });

  it('compares two versions on the same examples, with a paired interval on the difference', async () => {
    const r = await http.post('/v1/models/compare', { a: 'churn@production', b: 'churn@2' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const c = r.body;
    expect(c.examples).toBe(160);
    expect(c.a).toMatchObject({ id: weak.id, version: 1 });
    expect(c.b).toMatchObject({ id: strong.id, version: 2 });
    // The accuracies are each model's stored out-of-fold accuracy, on the very same examples.
    expect(c.a.accuracy).toBeCloseTo(weak.evaluation.accuracy, 6);
    expect(c.b.accuracy).toBeCloseTo(strong.evaluation.accuracy, 6);
    expect(c.difference.accuracy).toBeCloseTo(c.b.accuracy - c.a.accuracy, 9);
    expect(c.difference.low).toBeLessThan(c.difference.accuracy);
    expect(c.difference.high).toBeGreaterThan(c.difference.accuracy);
    expect(c.counts.both + c.counts.aOnly + c.counts.bOnly + c.counts.neither).toBe(160);
    expect(c.verdict).toBe('b-better');

    const reversed = (await http.post('/v1/models/compare', { a: strong.id, b: weak.id })).body;
    expect(reversed.difference.accuracy).toBeCloseTo(-c.difference.accuracy, 9);
    expect(reversed.verdict).toBe('a-better');
  });

  it('promotes only when the policy allows it; concurrent predicts never fail while the alias moves', async () => {
    const noCandidate = await http.post('/v1/models/churn/promote', {});
    expect(noCandidate.status).toBe(422);
    expect(noCandidate.body.detail).toMatch(/no alias 'candidate'/);

    // The weak version as candidate against itself is no move; the strong one goes in.
    expect((await http.put('/v1/models/churn/aliases/candidate', { version: 2 })).status).toBe(200);
    const predicts = Array.from({ length: 40 }, () =>
      http.post('/v1/models/churn@production/predict', { instances: [[1, 1, 1, 1]] }),
    );
    const promoted = await http.post('/v1/models/churn/promote', { policy: 'better' });
    const answers = await Promise.all(predicts);
    expect(promoted.status, JSON.stringify(promoted.body)).toBe(200);
    expect(promoted.body).toMatchObject({ promoted: true, version: 2, previous: 1, alias: 'production' });
    expect(promoted.body.comparison.verdict).toBe('b-better');
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect([1, 2]).toContain(a.body.model.version);
    }
    const after = await http.post('/v1/models/churn@production/predict', { instances: [[1, 1, 1, 1]] });
    expect(after.body.model.version).toBe(2);

    // Back to the weak version: refused by the default policy (not worse by 2 points), allowed by hand.
    const refused = await http.post('/v1/models/churn/promote', { version: 1 });
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({ promoted: false, policy: 'not-worse', margin: 0.02 });
    expect(refused.body.reason).toMatch(/may be worse by more than 2\.0 points/);
    expect((await http.get('/v1/models/churn@production')).body.id).toBe(strong.id);
    const manual = await http.post('/v1/models/churn/promote', { version: 1, policy: 'manual' });
    expect(manual.body).toMatchObject({ promoted: true, previous: 2 });

    const list = (await http.get('/v1/models/churn/aliases')).body;
    const production = list.aliases.find((a: Json) => a.alias === 'production');
    expect(production).toMatchObject({ version: 1, modelId: weak.id, previous: 2 });
    expect(production.history.map((h: Json) => h.version)).toEqual([2, 1]);

    expect((await http.delete('/v1/models/churn/aliases/candidate')).status).toBe(204);
    expect((await http.delete('/v1/models/churn/aliases/candidate')).status).toBe(404);
    expect((await http.get('/v1/models/churn@candidate')).status).toBe(404);
  });

  it('says why two models cannot be compared', async () => {
    const up = await http.uploadDataset(clusters(40, 11), 'other.csv');
    const { model: other } = await http.trainToEnd({
      datasetId: up.id,
      head: [{ type: 'dense', units: 4, activation: 'relu' }],
      fit: { epochs: 1, batchSize: 16 },
      evaluation: { method: 'cross-validation', folds: 2 },
    });
    const r = await http.post('/v1/models/compare', { a: weak.id, b: other.id });
    expect(r.status).toBe(422);
    expect(r.body.detail).toMatch(/not evaluated on any common example/);
    const gone = await http.post('/v1/models/compare', { a: weak.id, b: 'm_0000000000000000' });
    expect(gone.status).toBe(404);
  }, 120_000);
});
