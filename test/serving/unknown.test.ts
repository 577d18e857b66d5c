import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auroc } from '../../src/evaluation/novelty.js';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, waitFor, type TestContext } from '../helpers/app.js';
import { mnistPng, mnistZip } from '../helpers/mnist-zip.js';
import { expectSameAsServed, runDownloadedPredict } from '../helpers/unzip.js';

/**
 * Calibrated scores and the "unknown" answer through the API: a classifier of MNIST digits 0-2
 * is cross-validated, its evaluation carries the calibration and the unknown rule, its
 * predictions carry novelty and `unknown`, a request may move the threshold, and a model saved
 * before novelty scores still predicts (never unknown).
 */

const spec = {
  architecture: [
    { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
    { type: 'maxPooling2d', poolSize: 2 },
    { type: 'flatten' },
  ],
  head: [{ type: 'dense', units: 16, activation: 'relu' }],
  input: { size: [28, 28], channels: 1 },
  compile: { learningRate: 0.01 },
  fit: { epochs: 4, batchSize: 16 },
  evaluation: { method: 'cross-validation', folds: 3, learningCurve: false },
  seed: 7,
};

const KNOWN = [0, 1, 2];
const PER_DIGIT = 15;

describe('calibrated scores and unknown answers', () => {
  let ctx: TestContext;
  let model: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- response bodies
  let http: Api;
  const predict = (id: string, images: Buffer[], extra: Record<string, unknown> = {}) =>
    http.predict(id, { instances: images.map((b) => ({ b64: b.toString('base64') })), ...extra });

  beforeAll(async () => {
    ctx = await buildTestApp({ JOB_ATTEMPTS: '1' });
    http = api(ctx);
    ctx.startWorker();
    const up = await http.uploadDataset(await mnistZip(KNOWN, PER_DIGIT), 'digits.zip'); // expects 201
    ({ model } = await http.trainToEnd({ datasetId: up.id, ...spec }));
  }, 300_000);
  afterAll(() => ctx?.close());

  it('stores the calibration and the unknown rule, fitted on the out-of-fold predictions', async () => {
    const ev = model['evaluation'];
    const n = KNOWN.length * PER_DIGIT;
    expect(ev.calibration).toMatchObject({ method: 'temperature', examples: n });
    expect(ev.calibration.temperature).toBeGreaterThan(0);
    expect(ev.calibration.bins).toHaveLength(15);
    expect(ev.calibration.eceInterval.low).toBeLessThanOrEqual(ev.calibration.ece);
    expect(ev.unknown).toMatchObject({ method: 'knn', k: 1, acceptRate: 0.95, examples: n });
    expect(ev.unknown.reference).toMatchObject({ file: 'novelty.bin', count: n, dims: 16 });
    const page = await http.get(`/v1/models/${model['id']}/evaluation/predictions?limit=100`);
    const novelty = (page.body.items as Array<{ novelty: number }>).map((p) => p.novelty);
    expect(novelty).toHaveLength(n);
    const accepted = novelty.filter((v) => v <= ev.unknown.threshold).length / n;
    expect(accepted).toBeCloseTo(ev.unknown.accepted, 9);
    expect(accepted).toBeGreaterThanOrEqual(0.95);
    const bytes = await readFile(path.join(ctx.dataDir, 'models', model['id'], 'novelty.bin'));
    expect(bytes.byteLength).toBe(n * 16 * 4);
  });

  it('answers novelty and unknown with every prediction; unseen digits are more novel', async () => {
    const known = await Promise.all(KNOWN.flatMap((d) => [0, 1, 2, 3, 4].map((i) => mnistPng(d, 200 + i))));
    const unseen = await Promise.all(
      [5, 7, 8].flatMap((d) => [0, 1, 2, 3, 4].map((i) => mnistPng(d, 200 + i))),
    );
    const a = await predict(model['id'], known);
    const b = await predict(model['id'], unseen);
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    for (const p of [...a.body.predictions, ...b.body.predictions]) {
      expect(p.novelty).toEqual(expect.any(Number));
      expect(p.unknown).toBe(p.novelty > model['evaluation'].unknown.threshold);
      expect(p.score).toBe(p.topK[0].score);
    }
    const nov = (r: typeof a) => (r.body.predictions as Array<{ novelty: number }>).map((p) => p.novelty);
    expect(auroc(nov(b), nov(a))).toBeGreaterThan(0.6);
    // A training image is its own nearest reference: the served features are the trainer's.
    const seen = await predict(model['id'], [await mnistPng(1, 3)]);
    expect(seen.body.predictions[0].novelty).toBeLessThan(1e-3);
  });

  it('lets a request move the threshold, and refuses overrides it cannot honour', async () => {
    const images = await Promise.all([0, 5, 7].map((d) => mnistPng(d, 300)));
    const never = await predict(model['id'], images, { acceptRate: 1 });
    expect(never.body.predictions.every((p: { unknown: boolean }) => !p.unknown)).toBe(true);
    const always = await predict(model['id'], images, { unknownThreshold: 0 });
    expect(always.body.predictions.every((p: { unknown: boolean }) => p.unknown)).toBe(true);
    const q = await http.post(`/v1/models/${model['id']}/predict?acceptRate=0.5`, {
      instances: images.map((b) => ({ b64: b.toString('base64') })),
    });
    const median = model['evaluation'].unknown.quantiles[50];
    for (const p of q.body.predictions) expect(p.unknown).toBe(p.novelty > median);
    const form = await http.form(`/v1/models/${model['id']}/predict`, [
      { name: 'unknownThreshold', data: '0' },
      { name: 'file', filename: 'a.png', type: 'image/png', data: images[0]! },
    ]);
    expect(form.status).toBe(200);
    expect(form.body.predictions[0].unknown).toBe(true);

    const both = await predict(model['id'], images, { acceptRate: 0.9, unknownThreshold: 0.5 });
    expect(both.status).toBe(400);
    expect(both.body.errors[0].path).toBe('acceptRate');
    expect((await predict(model['id'], images, { acceptRate: 1.5 })).status).toBe(400);
    const badForm = await http.form(`/v1/models/${model['id']}/predict`, [
      { name: 'acceptRate', data: 'most' },
      { name: 'file', filename: 'a.png', type: 'image/png', data: images[0]! },
    ]);
    expect(badForm.status).toBe(400);
    expect(badForm.body.errors[0].path).toBe('acceptRate');
  });

  it("ships a predict.mjs that applies the model's temperature and unknown rule as the service does", async () => {
    const inputs: Record<string, Buffer> = {};
    for (const d of [0, 1, 2, 5, 7, 8]) inputs[`digit-${d}.png`] = await mnistPng(d, 500 + d);
    const zip = (await http.get(`/v1/models/${model['id']}/download`)).raw;
    const outside = await runDownloadedPredict(zip, Object.keys(inputs), inputs);
    const served = await predict(model['id'], Object.values(inputs), { topK: KNOWN.length });
    expect(served.status, JSON.stringify(served.body)).toBe(200);
    expect(model['evaluation'].calibration.temperature).not.toBe(1);
    expectSameAsServed(outside, served.body.predictions, model['labels']);
  });

  it('answers novelty for a tabular classifier too, larger far from its rows', async () => {
    // Two clusters in 3 features, held out on request (holdout jobs fit the rules on the holdout).
    const lines = ['a,b,c,label'];
    for (let i = 0; i < 60; i++) {
      const c = i % 2 === 0 ? -1 : 1;
      const jitter = (k: number) => (((i * 7 + k * 13) % 10) - 5) / 20;
      lines.push(`${c + jitter(1)},${-c + jitter(2)},${c + jitter(3)},${c < 0 ? 'low' : 'high'}`);
    }
    const up = await http.uploadDataset(Buffer.from(lines.join('\n') + '\n'), 't.csv'); // expects 201
    const { model: tab } = await http.trainToEnd(
      {
        datasetId: up.id,
        head: [{ type: 'dense', units: 8, activation: 'relu' }],
        compile: { learningRate: 0.05 },
        fit: { epochs: 8, batchSize: 16, validationSplit: 0.3 },
        evaluation: { method: 'holdout', acceptRate: 0.9 },
        seed: 2,
      },
      120_000,
    );
    expect(tab.evaluation.unknown).toMatchObject({ method: 'knn', acceptRate: 0.9, examples: 18 });
    expect(tab.evaluation.calibration.examples).toBe(18);
    const r = await http.predict(tab.id, {
      instances: [
        [-1, 1, -1],
        [1, -1, 1],
        [40, 40, -40],
      ],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const [near1, near2, far] = r.body.predictions as Array<{ novelty: number; unknown: boolean }>;
    expect(far!.novelty).toBeGreaterThan(Math.max(near1!.novelty, near2!.novelty));
    const rows = ['[-1, 1, -1]', '{"a": 1, "b": -1, "c": 1}', '[40, 40, -40]'];
    const zip = (await http.get(`/v1/models/${tab.id}/download`)).raw;
    const outside = await runDownloadedPredict(zip, rows);
    expectSameAsServed(outside, r.body.predictions, tab.labels);
  }, 180_000);

  it('still serves a model saved before calibration and novelty: never unknown, no novelty', async () => {
    const old = 'm_0000000000000old';
    const dir = path.join(ctx.dataDir, 'models');
    await cp(path.join(dir, model['id']), path.join(dir, old), { recursive: true });
    const meta = JSON.parse(await readFile(path.join(dir, old, 'meta.json'), 'utf8'));
    delete meta.evaluation.calibration;
    delete meta.evaluation.unknown;
    await writeFile(path.join(dir, old, 'meta.json'), JSON.stringify({ ...meta, id: old }));
    await rm(path.join(dir, old, 'novelty.bin'));
    const images = await Promise.all([0, 7].map((d) => mnistPng(d, 400)));
    const r = await predict(old, images);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    for (const p of r.body.predictions) {
      expect(p.unknown).toBe(false);
      expect(p).not.toHaveProperty('novelty');
    }
    const refused = await predict(old, images, { acceptRate: 0.9 });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toContain('no novelty score');
    const shown = (await http.get(`/v1/models/${old}`)).body;
    expect(shown.notes).toEqual([
      expect.stringContaining('before novelty scores'),
      expect.stringContaining('before calibration'),
    ]);
  });

  it('disposes the novelty reference with its model: no tensor left once every model is deleted', async () => {
    const stats = () => ctx.app.predictions.stats();
    expect((await predict(model['id'], [await mnistPng(0, 5)])).status).toBe(200);
    const ids = ((await http.get('/v1/models?limit=100')).body.items as Array<{ id: string }>).map(
      (m) => m.id,
    );
    expect((await stats()).some((w) => w.numTensors > 0)).toBe(true);
    for (const id of ids) expect((await http.delete(`/v1/models/${id}`)).status).toBe(204);
    const after = await waitFor(async () => {
      const s = await stats();
      return s.every((w) => w.models.length === 0) ? s : undefined;
    }, 10_000);
    expect(after.map((w) => w.numTensors)).toEqual(after.map(() => 0));
  });
});
