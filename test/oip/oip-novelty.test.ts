import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { expectShape } from './oip-schemas.js';

/**
 * A classifier trained here with a novelty rule answers, through the Open Inference Protocol,
 * the novelty score (FP32) and the "unknown" answer (BOOL) beside its probabilities, the same
 * as /v1 predict, and a request's parameters move the threshold as v1's fields do.
 */

type Output = { name: string; shape: number[]; datatype: string; data: unknown[] };

describe('Open Inference Protocol: novelty and unknown outputs', () => {
  let ctx: TestContext;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the model's JSON view, read field by field
  let model: any;
  let http: Api;
  const rows = [
    [-1, 1, -1],
    [1, -1, 1],
    [40, 40, -40],
  ];
  const infer = (parameters?: Record<string, unknown>) =>
    http.post(`/v2/models/${model.id}/infer`, {
      inputs: [{ name: 'input', shape: [3, 3], datatype: 'FP32', data: rows }],
      ...(parameters ? { parameters } : {}),
    });
  const byName = (outputs: Output[]) => Object.fromEntries(outputs.map((o) => [o.name, o]));

  beforeAll(async () => {
    ctx = await buildTestApp({ JOB_ATTEMPTS: '1' });
    http = api(ctx);
    ctx.startWorker();
    // Two clusters in 3 features; a holdout job fits the novelty rule on the holdout.
    const lines = ['a,b,c,label'];
    for (let i = 0; i < 60; i++) {
      const c = i % 2 === 0 ? -1 : 1;
      const jitter = (k: number) => (((i * 7 + k * 13) % 10) - 5) / 20;
      lines.push(`${c + jitter(1)},${-c + jitter(2)},${c + jitter(3)},${c < 0 ? 'low' : 'high'}`);
    }
    const up = await http.uploadDataset(Buffer.from(lines.join('\n') + '\n'), 't.csv'); // expects 201
    ({ model } = await http.trainToEnd(
      {
        datasetId: up.id,
        head: [{ type: 'dense', units: 8, activation: 'relu' }],
        compile: { learningRate: 0.05 },
        fit: { epochs: 8, batchSize: 16, validationSplit: 0.3 },
        evaluation: { method: 'holdout', acceptRate: 0.9 },
        seed: 2,
      },
      180_000,
    ));
  }, 240_000);
  afterAll(() => ctx?.close());

  it('lists novelty and unknown among the outputs and answers them as v1 does', async () => {
    const meta = await http.get(`/v2/models/${model.id}`);
    expect(meta.status).toBe(200);
    expectShape('OipModelMetadata', meta.body);
    expect(meta.body.outputs).toEqual([
      { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
      { name: 'label', datatype: 'BYTES', shape: [-1] },
      { name: 'novelty', datatype: 'FP32', shape: [-1] },
      { name: 'unknown', datatype: 'BOOL', shape: [-1] },
    ]);

    const res = await infer();
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expectShape('OipInferenceResponse', res.body);
    const out = byName(res.body.outputs);
    const v1 = await http.predict(model.id, { instances: rows, topK: 2 });
    expect(v1.status).toBe(200);
    const preds = v1.body.predictions as Array<{ label: string; novelty: number; unknown: boolean }>;
    expect(out['novelty']).toEqual({
      name: 'novelty',
      datatype: 'FP32',
      shape: [3],
      data: preds.map((p) => p.novelty),
    });
    expect(out['unknown']).toEqual({
      name: 'unknown',
      datatype: 'BOOL',
      shape: [3],
      data: preds.map((p) => p.unknown),
    });
    expect(out['label']!.data).toEqual(preds.map((p) => p.label));
    const novelty = out['novelty']!.data as number[];
    expect(novelty[2]).toBeGreaterThan(Math.max(novelty[0]!, novelty[1]!));
  });

  it("moves the threshold with the request's parameters", async () => {
    const always = await infer({ unknownThreshold: 0 });
    expect(always.status).toBe(200);
    const novelty = byName(always.body.outputs)['novelty']!.data as number[];
    expect(byName(always.body.outputs)['unknown']!.data).toEqual(novelty.map((n) => n > 0));
    expect(byName(always.body.outputs)['unknown']!.data[2]).toBe(true);
    const never = await infer({ acceptRate: 1 });
    expect(byName(never.body.outputs)['unknown']!.data).toEqual([false, false, false]);
    const both = await infer({ acceptRate: 0.5, unknownThreshold: 0.1 });
    expect(both.status).toBe(400);
    expect(both.body).toEqual({ error: 'give unknownThreshold or acceptRate, not both' });
  });
});
