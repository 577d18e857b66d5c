import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { mnistPng, mnistZip } from '../helpers/mnist-zip.js';
import { textCsv, zipOf } from '../helpers/text-fixtures.js';

/**
 * Honest evaluation through the API: cross-validation by default on small data (image, text,
 * tabular, regression), holdout and test-split on request or by the dataset's own split, the
 * out-of-fold predictions paged, the returned model refit on every example, and a 400 for a
 * class that folds cannot hold.
 */

/** Two separable clusters in 4 features; `single` adds one row of a third class. */
function csv(rows: number, seed: number, single = false): string {
  let s = seed;
  const rand = (): number => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  const lines = ['f1,f2,f3,f4,label'];
  for (let i = 0; i < rows; i++) {
    const c = i % 2 === 0 ? -1 : 1;
    const f = [0, 1, 2, 3].map((k) => c * (k < 2 ? 1 : -1) + (rand() - 0.5) * 0.8);
    lines.push(`${f.map((v) => v.toFixed(4)).join(',')},${c < 0 ? 'low' : 'high'}`);
  }
  if (single) lines.push('0,0,0,0,lonely');
  return lines.join('\n') + '\n';
}

/** y = 2 f1 - f2 plus noise. */
function regressionCsv(rows: number): string {
  const lines = ['f1,f2,y'];
  for (let i = 0; i < rows; i++) {
    const a = ((i * 37) % 100) / 50 - 1;
    const b = ((i * 61) % 100) / 50 - 1;
    lines.push(`${a},${b},${(2 * a - b + (((i * 13) % 10) - 5) / 50).toFixed(4)}`);
  }
  return lines.join('\n') + '\n';
}

const tabularHead = {
  head: [{ type: 'dense', units: 8 }],
  compile: { learningRate: 0.05 },
  fit: { epochs: 6, batchSize: 16 },
  callbacks: { earlyStopping: { monitor: 'val_loss', patience: 2 } },
  seed: 3,
};

const imageSpec = {
  architecture: [
    { type: 'conv2d', filters: 2, kernelSize: 3 },
    { type: 'maxPooling2d', poolSize: 4 },
    { type: 'flatten' },
  ],
  input: { size: [28, 28], channels: 1 },
  fit: { epochs: 2, batchSize: 16 },
  seed: 5,
};

describe('evaluation of trained models', () => {
  let ctx: TestContext;
  let http: Api;
  const upload = async (file: Buffer, name: string, fields: Record<string, string> = {}) =>
    (await http.uploadDataset(file, name, fields)).id as string;
  const trainModel = (spec: Record<string, unknown>) => http.trainToEnd(spec);
  type Page = { total: number; items: Array<Record<string, unknown>>; [field: string]: unknown };
  const allPredictions = async (modelId: string): Promise<Page> => {
    const items: Page['items'] = [];
    for (let offset = 0; ; offset += 25) {
      const page = await http.get(`/v1/models/${modelId}/evaluation/predictions?offset=${offset}&limit=25`);
      expect(page.status).toBe(200);
      items.push(...page.body.items);
      if (offset + 25 >= page.body.total) return { ...page.body, items };
    }
  };

  beforeAll(async () => {
    ctx = await buildTestApp({ JOB_ATTEMPTS: '1' });
    http = api(ctx);
    ctx.startWorker();
  });
  afterAll(() => ctx.close());

  it('cross-validates a small table by default, refits on every row, and pages its predictions', async () => {
    const datasetId = await upload(Buffer.from(csv(60, 1)), 'small.csv');
    const { model } = await trainModel({ datasetId, ...tabularHead });
    const ev = model.evaluation;
    expect(ev).toMatchObject({ task: 'classification', method: 'cross-validation', folds: 5, examples: 60 });
    expect(ev.accuracyInterval.low).toBeLessThanOrEqual(ev.accuracy);
    expect(ev.accuracyInterval.high).toBeGreaterThanOrEqual(ev.accuracy);
    expect(ev.accuracyInterval.level).toBe(0.95);
    for (const c of ev.perClass) expect(c.recallInterval.low).toBeLessThanOrEqual(c.recall);
    expect(ev.macroF1Interval.low).toBeLessThanOrEqual(ev.macroF1);
    expect(ev.trainAccuracy).toBeGreaterThan(0.8);
    expect(ev.learningCurve.map((p: { fraction: number }) => p.fraction)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(ev.forecast.message).toEqual(expect.any(String));
    // The returned model trained on every row, with no validation split left.
    expect(model.history.length).toBeGreaterThan(0);
    expect(model.history.every((h: { valLoss?: number }) => h.valLoss === undefined)).toBe(true);

    const oof = await allPredictions(model.id);
    expect(oof).toMatchObject({ method: 'cross-validation', folds: 5, classes: ['high', 'low'], total: 60 });
    const ids = oof.items.map((p) => p.exampleId);
    expect(new Set(ids).size).toBe(60);
    expect(ids).toContain('row-1');
    expect(new Set(oof.items.map((p) => p.fold))).toEqual(new Set([0, 1, 2, 3, 4]));
    const correct = oof.items.filter((p) => p.label === p.predicted).length;
    expect(correct / 60).toBeCloseTo(ev.accuracy, 6);
    const tail = await http.get(`/v1/models/${model.id}/evaluation/predictions?offset=55&limit=20`);
    expect(tail.body.items).toHaveLength(5);
  }, 300_000);

  it('holds out a validation split on request, with intervals and its predictions', async () => {
    const datasetId = await upload(Buffer.from(csv(60, 2)), 'holdout.csv');
    const { model } = await trainModel({ datasetId, ...tabularHead, evaluation: { method: 'holdout' } });
    expect(model.evaluation).toMatchObject({ method: 'holdout', folds: 1, examples: 12 });
    expect(model.evaluation.warnings.map((w: { code: string }) => w.code)).toContain('small-validation-set');
    const oof = await allPredictions(model.id);
    expect(oof.total).toBe(12);
    expect(oof.items.every((p) => p.fold === 0)).toBe(true);
  }, 300_000);

  it('answers 400 naming the class when folds cannot be formed', async () => {
    const datasetId = await upload(Buffer.from(csv(20, 3, true)), 'lonely.csv');
    const res = await http.post('/v1/jobs', { datasetId, ...tabularHead });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      expect.objectContaining({
        path: 'body.evaluation.folds',
        message: expect.stringContaining("'lonely'"),
      }),
    ]);
    const holdout = await http.post('/v1/jobs', {
      datasetId,
      ...tabularHead,
      evaluation: { method: 'holdout' },
    });
    expect(holdout.status).toBe(202);
  });

  it('cross-validates regression with MAE and RMSE intervals', async () => {
    const datasetId = await upload(Buffer.from(regressionCsv(50)), 'reg.csv', {
      task: 'regression',
      labelColumn: 'y',
    });
    const { model } = await trainModel({
      datasetId,
      ...tabularHead,
      callbacks: {},
      evaluation: { folds: 4 },
    });
    const ev = model.evaluation;
    expect(ev).toMatchObject({ task: 'regression', method: 'cross-validation', folds: 4, examples: 50 });
    expect(ev.maeInterval.low).toBeLessThanOrEqual(ev.mae);
    expect(ev.rmseInterval.high).toBeGreaterThanOrEqual(ev.rmse);
    const oof = await allPredictions(model.id);
    expect(oof.items[0]).toEqual(
      expect.objectContaining({ target: expect.any(Number), value: expect.any(Number) }),
    );
  }, 300_000);

  it('cross-validates images with fewer folds when a class is small, and text from scratch', async () => {
    const images = await upload(await mnistZip([0, 1, 2], 4), 'digits.zip');
    const { model } = await trainModel({
      datasetId: images,
      ...imageSpec,
      evaluation: { learningCurve: false },
    });
    expect(model.evaluation).toMatchObject({ method: 'cross-validation', folds: 4, examples: 12 });
    expect(model.evaluation.warnings.map((w: { code: string }) => w.code)).toContain('few-examples-per-fold');
    expect((await allPredictions(model.id)).total).toBe(12);

    const texts = await upload(textCsv(6), 'texts.csv');
    const text = await trainModel({
      datasetId: texts,
      architecture: [{ type: 'embedding', outputDim: 8 }, { type: 'globalAveragePooling1d' }],
      fit: { epochs: 3, batchSize: 8 },
      compile: { learningRate: 0.05 },
      seed: 2,
    });
    expect(text.model.evaluation).toMatchObject({ method: 'cross-validation', folds: 5 });
    expect((await allPredictions(text.model.id)).total).toBe(text.model.evaluation.examples);
  }, 300_000);

  it("evaluates on a dataset's own test split, and refuses test-split without one", async () => {
    const files: Record<string, Buffer> = {};
    for (const d of [0, 1]) {
      for (let i = 0; i < 6; i++) files[`train/d${d}/${i}.png`] = await mnistPng(d, i);
      for (let i = 0; i < 3; i++) files[`test/d${d}/${i}.png`] = await mnistPng(d, 100 + i);
    }
    const datasetId = await upload(await zipOf(files), 'split.zip');
    const { model } = await trainModel({ datasetId, ...imageSpec });
    expect(model.evaluation).toMatchObject({ method: 'test-split', folds: 1, examples: 6 });
    const oof = await allPredictions(model.id);
    expect(oof.items.map((p) => p.exampleId).every((id: unknown) => typeof id === 'string')).toBe(true);

    const plain = await upload(await mnistZip([0, 1], 4), 'plain.zip');
    const res = await http.post('/v1/jobs', {
      datasetId: plain,
      ...imageSpec,
      evaluation: { method: 'test-split' },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('body.evaluation.method');
  }, 300_000);

  it('answers 404 for predictions of a missing model', async () => {
    const res = await http.get('/v1/models/m_0000000000000000/evaluation/predictions');
    expect(res.status).toBe(404);
  });
});

describe('the evaluation budget (EVALUATION_MAX_COST)', () => {
  let ctx: TestContext;
  let http: Api;

  beforeAll(async () => {
    // A 5-fold CV of a job without a frozen base costs 6 fits (5 folds and the refit).
    ctx = await buildTestApp({ JOB_ATTEMPTS: '1', EVALUATION_MAX_COST: '4' });
    http = api(ctx);
    ctx.startWorker();
  });
  afterAll(() => ctx.close());

  const evaluationOf = async (spec: Record<string, unknown>) =>
    (await http.trainToEnd(spec)).model.evaluation;

  it('falls back to holdout over the configured budget, saying so; a spec budget overrides it', async () => {
    const upload = await http.uploadDataset(Buffer.from(csv(60, 4)), 'budget.csv'); // expects 201
    const datasetId = upload.id as string;

    const over = await evaluationOf({ datasetId, ...tabularHead });
    expect(over).toMatchObject({ method: 'holdout', folds: 1, examples: 12 });
    const skipped = over.warnings.find((w: { code: string }) => w.code === 'cross-validation-skipped');
    expect(skipped?.message).toMatch(/about 6 fits, over the budget of 4 \(the EVALUATION_MAX_COST setting/);
    expect(skipped?.message).toMatch(/held-out validation split instead/);

    // The spec's own budget wins: enough for the folds, not for the learning curve.
    const within = await evaluationOf({ datasetId, ...tabularHead, evaluation: { maxCost: 6 } });
    expect(within).toMatchObject({ method: 'cross-validation', folds: 5, examples: 60 });
    const codes = within.warnings.map((w: { code: string }) => w.code);
    expect(codes).not.toContain('cross-validation-skipped');
    const curve = within.warnings.find((w: { code: string }) => w.code === 'learning-curve-skipped');
    expect(curve?.message).toMatch(/over the budget of 6 \(evaluation\.maxCost\)/);
    expect(within.learningCurve).toBeUndefined();
  }, 300_000);
});
