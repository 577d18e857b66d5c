import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';

/** Two noisy clusters per class in 4 features; `shift` moves the task for the transfer case. */
function csv(rows: number, shift: number, seed: number): string {
  let s = seed;
  const rand = (): number => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  const lines = ['f1,f2,f3,f4,label'];
  for (let i = 0; i < rows; i++) {
    const cls = i % 2;
    const centre = cls === 0 ? -1 : 1;
    const f = [0, 1, 2, 3].map((k) => centre * (k < 2 ? 1 : -1) + shift + (rand() - 0.5) * 0.8);
    lines.push(`${f.map((v) => v.toFixed(4)).join(',')},${cls === 0 ? 'low' : 'high'}`);
  }
  return lines.join('\n') + '\n';
}

describe('tabular jobs', () => {
  let ctx: TestContext;
  let http: Api;
  const done = (id: string) => http.waitForJob(id, { timeoutMs: 120_000 });

  beforeAll(async () => {
    ctx = await buildTestApp({ JOB_ATTEMPTS: '1' });
    http = api(ctx);
    ctx.startWorker();
  });
  afterAll(() => ctx.close());

  it('trains on a CSV, reuses the feature layers on new tabular data, and predicts numbers', async () => {
    const source = await http.uploadDataset(Buffer.from(csv(200, 0, 1)), 'source.csv'); // expects 201
    expect(source).toMatchObject({
      kind: 'tabular',
      task: 'classification',
      features: ['f1', 'f2', 'f3', 'f4'],
    });

    const first = await http.post('/v1/jobs', {
      datasetId: source.id,
      evaluation: { method: 'holdout' },
      head: [{ type: 'dense', units: 8, name: 'hidden' }],
      compile: { learningRate: 0.05 },
      fit: { epochs: 15, batchSize: 16 },
      seed: 5,
    });
    expect(first.status).toBe(202);
    const a = await done(first.body.id);
    expect(a.error).toBeUndefined();
    const sourceModel = (await http.get(`/v1/models/${a.modelId}`)).body;
    expect(sourceModel.evaluation.accuracy).toBeGreaterThan(0.9);
    expect(sourceModel.preprocessing.kind).toBe('tabular');

    const target = await http.uploadDataset(Buffer.from(csv(40, 0.3, 2)), 'target.csv');
    const second = await http.post('/v1/jobs', {
      datasetId: target.id,
      evaluation: { method: 'holdout' },
      base: { modelId: a.modelId },
      cutAt: 'hidden',
      compile: { learningRate: 0.05 },
      fit: { epochs: 15, batchSize: 8 },
      seed: 6,
    });
    expect(second.status).toBe(202);
    const b = await done(second.body.id);
    expect(b.error).toBeUndefined();

    const predicted = await http.predict(b.modelId, {
      instances: [
        [-0.7, -0.7, 1.3, 1.3],
        [1.3, 1.3, -0.7, -0.7],
      ],
    });
    expect(predicted.status).toBe(200);
    expect(predicted.body.predictions.map((p: { label: string }) => p.label)).toEqual(['low', 'high']);

    const wrongCount = await http.predict(b.modelId, { instances: [[1, 2, 3]] });
    expect(wrongCount.status).toBe(400);
    expect(wrongCount.body.errors[0].path).toMatch(/instances\[0\]/);
  }, 180_000);

  it('rejects a tabular job on an image base, naming the field', async () => {
    const ds = await http.uploadDataset(Buffer.from(csv(20, 0, 3)), 'x.csv');
    const bad = await http.post('/v1/jobs', {
      datasetId: ds.id,
      architecture: [{ type: 'conv2d', filters: 2, kernelSize: 3 }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.length).toBeGreaterThan(0);
  });
});
