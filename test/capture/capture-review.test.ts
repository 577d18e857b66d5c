import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { clusters } from '../helpers/promotion-fixtures.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, read field by field
type Json = any;

describe('prediction capture and the review queue', () => {
  let ctx: TestContext;
  let http: Api;
  let model: Json;
  const predict = async (rows: number[][]) => {
    const res = await http.predict('churn', { instances: rows });
    expect(res.status).toBe(200);
    return res;
  };

  beforeAll(async () => {
    ctx = await buildTestApp();
    http = api(ctx);
    ctx.startWorker();
    const up = await http.uploadDataset(clusters(120, 5), 'clusters.csv');
    ({ model } = await http.trainToEnd({
      datasetId: up.id,
      modelName: 'churn',
      head: [{ type: 'dense', units: 8, activation: 'relu' }],
      compile: { learningRate: 0.05 },
      fit: { epochs: 15, batchSize: 16 },
      evaluation: { method: 'cross-validation', folds: 4 },
      seed: 1,
    }));
    expect(model.evaluation.unknown).toBeDefined();
  }, 300_000);

  afterAll(async () => ctx?.close());

  it('captures nothing until turned on', async () => {
    expect((await http.get('/v1/models/churn/capture')).body).toMatchObject({
      modelId: model.id,
      capture: { rate: 0 },
      items: 0,
    });
    await predict([[1, 1, 1, 1]]);
    await ctx.app.capture.settle();
    expect((await http.get('/v1/models/churn/capture')).body.items).toBe(0);
  });

  it('keeps the newest maxItems inputs and orders them by value: novel and uncertain first, repeats last', async () => {
    const on = await http.patch('/v1/models/churn', { capture: { rate: 1, maxItems: 6 } });
    expect(on.status, JSON.stringify(on.body)).toBe(200);
    expect(on.body.capture).toEqual({ rate: 1, maxItems: 6 });
    // The two oldest go once the store holds more than six.
    await predict([[-1.1, -0.9, -1, -1.2]]);
    await predict([[-0.8, -1.3, -1, -0.9]]);
    await predict([[1, 1, 1, 1]]);
    await predict([[1, 1, 1, 1]]); // the same input again
    await predict([[0.05, -0.05, 0.02, -0.02]]); // between the clusters
    await predict([[40, -40, 40, -40]]); // far from every training row
    await predict([
      [1.1, 0.9, 1.2, 0.8],
      [-1, -1, -1, -1],
    ]);
    await ctx.app.capture.settle();
    const view = (await http.get('/v1/models/churn/capture')).body;
    expect(view).toMatchObject({ items: 6, reviewed: 0 });
    expect(view.bytes).toBeGreaterThan(0);

    const queue = (await http.get('/v1/models/churn/review?limit=10')).body;
    expect(queue.total).toBe(6);
    const inputs: string[] = [];
    for (const item of queue.items) {
      const r = await http.get(`/v1/models/churn/review/${item.id}/input`);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      inputs.push(JSON.stringify(JSON.parse(r.text)));
    }
    // The oldest two inputs were dropped; the far input leads as novel.
    expect(inputs).not.toContain('[-1.1,-0.9,-1,-1.2]');
    expect(inputs).not.toContain('[-0.8,-1.3,-1,-0.9]');
    expect(queue.items[0]).toMatchObject({ reason: 'novel', unknown: true });
    expect(inputs[0]).toBe('[40,-40,40,-40]');
    // Values never rise down the queue until the repeats, which come last.
    const head = queue.items.filter((i: Json) => i.reason !== 'repeat');
    for (let i = 1; i < head.length; i++) expect(head[i].value).toBeLessThanOrEqual(head[i - 1].value);
    const firstRepeat = queue.items.findIndex((i: Json) => i.reason === 'repeat');
    expect(firstRepeat).toBeGreaterThan(0);
    expect(queue.items.slice(firstRepeat).every((i: Json) => i.reason === 'repeat')).toBe(true);
    const same = inputs.filter((s) => s === '[1,1,1,1]');
    expect(same).toHaveLength(2);
    expect(queue.items[inputs.lastIndexOf('[1,1,1,1]')].reason).toBe('repeat');
    for (const item of queue.items) expect(['low', 'high']).toContain(item.suggestedLabel);
  });

  it('takes a label, "not one of the classes" or a discard, and says what is wrong with a bad one', async () => {
    const queue = (await http.get('/v1/models/churn/review')).body.items as Json[];
    const [novel, second, third] = queue;
    const bad = await http.post(`/v1/models/churn/review/${second.id}`, { label: 'medium' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ path: 'body.label' });
    expect(bad.body.errors[0].message).toMatch(/one of: .*high/);
    expect((await http.post(`/v1/models/churn/review/${second.id}`, {})).status).toBe(400);

    const unknown = await http.post(`/v1/models/churn/review/${novel.id}`, { unknown: true });
    expect(unknown.status).toBe(200);
    expect(unknown.body.review).toMatchObject({ unknown: true });
    const labelled = await http.post(`/v1/models/churn/review/${second.id}`, { label: 'high' });
    expect(labelled.body.review).toMatchObject({ label: 'high' });
    expect((await http.post(`/v1/models/churn/review/${third.id}`, { discard: true })).status).toBe(204);
    expect((await http.get(`/v1/models/churn/review/${third.id}/input`)).status).toBe(404);

    const after = (await http.get('/v1/models/churn/review')).body;
    expect(after.total).toBe(3);
    expect(after.items.map((i: Json) => i.id)).not.toContain(novel.id);
    expect((await http.get('/v1/models/churn/capture')).body).toMatchObject({ items: 5, reviewed: 2 });

    // Reviewed items are labelled data: new captures push out unreviewed ones only.
    for (let i = 0; i < 8; i++) await predict([[1 + i / 10, 1, 1, 1]]);
    await ctx.app.capture.settle();
    expect((await http.get('/v1/models/churn/capture')).body).toMatchObject({ items: 8, reviewed: 2 });
    expect((await http.get(`/v1/models/churn/review/${novel.id}/input`)).status).toBe(200);

    const wrongModel = await http.get(`/v1/models/churn/review/cap_0000000000000000/input`);
    expect(wrongModel.status).toBe(404);
    expect((await http.get('/v1/models/churn/review/not-an-id/input')).status).toBe(400);
  });

  it('deletes every capture of the model on request, and turns off', async () => {
    const removed = await http.delete('/v1/models/churn/captures');
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ modelId: model.id, removed: 8 });
    const off = await http.patch(`/v1/models/${model.id}`, { capture: { rate: 0 } });
    expect(off.body).toMatchObject({ capture: { rate: 0, maxItems: 1000 }, items: 0 });
    await predict([[1, 1, 1, 1]]);
    await ctx.app.capture.settle();
    expect((await http.get('/v1/models/churn/capture')).body.items).toBe(0);

    const tooHigh = await http.patch('/v1/models/churn', { capture: { rate: 2 } });
    expect(tooHigh.status).toBe(400);
    expect(tooHigh.body.errors[0].path).toMatch(/capture\.rate/);
    expect((await http.patch('/v1/models/churn', { name: 'x' })).status).toBe(400);
    expect((await http.patch('/v1/models/nothing-here', { capture: { rate: 1 } })).status).toBe(404);
  });

  it('forgets the captures of a deleted model', async () => {
    expect((await http.patch('/v1/models/churn', { capture: { rate: 1 } })).status).toBe(200);
    await predict([[1, 1, 1, 1]]);
    await ctx.app.capture.settle();
    expect((await http.get('/v1/models/churn/capture')).body.items).toBe(1);
    const capturesDir = path.join(ctx.dataDir, 'captures');
    expect((await readdir(capturesDir)).length).toBeGreaterThan(0);
    expect((await http.delete(`/v1/models/${model.id}`)).status).toBe(204);
    // Nothing of the model is left: neither its items nor its capture settings.
    expect(await readdir(capturesDir).catch(() => [])).toEqual([]);
  });
});
