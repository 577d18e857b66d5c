import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import type { ModelMeta } from '../../src/contracts/model-meta.js';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { expectSameAsServed, runDownloadedPredict, unzip } from '../helpers/unzip.js';
import { jpeg, png } from '../helpers/dataset-fixtures.js';
import {
  IMAGE_LABELS,
  imageClassifier,
  imageMeta,
  saveModel,
  solidPng,
  tabularClassifier,
  tabularMeta,
  tabularRegressor,
} from '../helpers/serving-fixtures.js';

describe('/v1/models', () => {
  let ctx: TestContext;
  let http: Api;
  let image: tf.LayersModel;
  let imageM: ModelMeta;
  const tabulars: ModelMeta[] = [];

  beforeAll(async () => {
    ctx = await buildTestApp();
    http = api(ctx);
    await tf.setBackend('cpu');
    image = await imageClassifier();
    imageM = await saveModel(ctx.runtime.store, image, {
      ...imageMeta(),
      evaluation: {
        task: 'classification',
        loss: 0.1,
        accuracy: 0.95,
        confusionMatrix: [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
        ],
        perClass: IMAGE_LABELS.map((label) => ({ label, precision: 1, recall: 1, f1: 1, support: 1 })),
        examples: 3,
      },
      history: [{ phase: 'train', epoch: 1, loss: 0.5, lr: 0.001, acc: 0.8 }],
    });
    const tab = tabularClassifier();
    for (let i = 0; i < 3; i++)
      tabulars.push(await saveModel(ctx.runtime.store, tab, tabularMeta('classification'), 'iris'));
    tab.dispose();
  });
  afterAll(async () => {
    image.dispose();
    await ctx?.close();
  });

  it('lists models newest first, paged and filtered by name', async () => {
    const all = await http.get('/v1/models?limit=2');
    expect(all.status).toBe(200);
    const page = all.body;
    expect(page).toMatchObject({ total: 4, limit: 2, offset: 0 });
    expect(page.items).toHaveLength(2);
    const next = (await http.get('/v1/models?limit=2&offset=2')).body;
    const ids = [...page.items, ...next.items].map((m: { id: string }) => m.id);
    expect(new Set(ids)).toEqual(new Set([imageM.id, ...tabulars.map((t) => t.id)]));

    const iris = (await http.get('/v1/models?name=iris')).body;
    expect(iris.total).toBe(3);
    expect(iris.items.map((m: { version: number }) => m.version).sort()).toEqual([1, 2, 3]);
    const summary = (await http.get('/v1/models')).body.items.find((m: { id: string }) => m.id === imageM.id);
    expect(summary).toMatchObject({
      kind: 'image',
      task: 'classification',
      labels: IMAGE_LABELS,
      metrics: { accuracy: 0.95 },
    });
    expect(summary).not.toHaveProperty('history');

    expect((await http.get('/v1/models?limit=0')).status).toBe(400);
    expect((await http.get(`/v1/models?name=${newId('model')}`)).status).toBe(400);
  });

  it('shows meta with evaluation and lineage, by id or by name and version', async () => {
    const res = await http.get(`/v1/models/${imageM.id}`);
    expect(res.status).toBe(200);
    const meta = res.body;
    expect(meta).toMatchObject({
      id: imageM.id,
      labels: IMAGE_LABELS,
      inputShape: [8, 8, 3],
      evaluation: { task: 'classification', accuracy: 0.95 },
      lineage: { jobId: 'job_test' },
      history: [{ phase: 'train', epoch: 1, acc: 0.8 }],
      params: { total: image.countParams() },
    });
    expect(meta.sizeBytes).toBeGreaterThan(image.countParams() * 4);
    expect((await http.get('/v1/models/iris')).body).toMatchObject({
      id: tabulars[2]!.id,
      version: 3,
    });
    expect((await http.get('/v1/models/iris?version=1')).body).toMatchObject({
      id: tabulars[0]!.id,
    });
    expect((await http.get(`/v1/models/${newId('model')}`)).status).toBe(404);
  });

  it('answers every field of a list entry on the model itself, with the same value', async () => {
    const items = (await http.get('/v1/models')).body.items as Array<Record<string, unknown>>;
    expect(items).toHaveLength(4);
    for (const entry of items) {
      const one = (await http.get(`/v1/models/${entry['id'] as string}`)).body;
      for (const [field, value] of Object.entries(entry)) {
        // The list's lineage leaves out the spec; the rest of it is the same.
        if (field === 'lineage') expect(one.lineage, String(entry['id'])).toMatchObject(value as object);
        else expect(one[field], `${String(entry['id'])} ${field}`).toEqual(value);
      }
    }
    const image = (await http.get(`/v1/models/${imageM.id}`)).body;
    expect(image).toMatchObject({ kind: 'image', metrics: { loss: 0.1, accuracy: 0.95 } });
    // A model stored without an evaluation has empty metrics on both.
    const iris = (await http.get('/v1/models/iris')).body;
    expect(iris).toMatchObject({ kind: 'tabular' });
    expect(iris.metrics).toEqual(items.find((m) => m['id'] === iris.id)!['metrics']);
  });

  it('downloads a zip that tf.loadLayersModel loads and that predicts the same', async () => {
    const res = await http.get(`/v1/models/${imageM.id}/download`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toContain(`${imageM.id}.zip`);
    const files = await unzip(res.raw);
    expect([...files.keys()].sort()).toEqual([
      'README.md',
      'metadata.json',
      'model.json',
      'predict.mjs',
      'weights.bin',
    ]);

    const metadata = JSON.parse(files.get('metadata.json')!.toString());
    expect(metadata).toMatchObject({
      labels: IMAGE_LABELS,
      preprocessing: { kind: 'image' },
      inputShape: [8, 8, 3],
    });

    const json = JSON.parse(files.get('model.json')!.toString());
    const weights = files.get('weights.bin')!;
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      }),
    );
    const x = tf.randomUniform([2, 8, 8, 3]);
    const [a, b] = [image.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([x, a, b]);
    loaded.dispose();

    const named = await http.get('/v1/models/iris/download?version=2');
    expect(named.headers['content-disposition']).toContain('iris-v2.zip');
  });

  it('ships a predict.mjs that answers as the service does: image, tabular, regression', async () => {
    const predict = async (id: string, instances: unknown[]) => {
      const res = await http.predict(id, { instances, topK: 3 });
      expect(res.status, res.text).toBe(200);
      return res.body.predictions;
    };
    const download = async (id: string) => (await http.get(`/v1/models/${id}/download`)).raw;

    // Images of other sizes and formats: the script resizes and decodes as the service does.
    const images = {
      'red.png': await solidPng([240, 20, 30], 20),
      'blue.jpg': await jpeg(11, 5, [10, 30, 220]),
      'green.png': await png(8, 8, [20, 200, 40]),
      // Wide and uneven: stretching and cropping it give different pixels.
      'wide.png': await sharp({ create: { width: 20, height: 8, channels: 3, background: '#e01010' } })
        .composite([{ input: await png(8, 8, [10, 30, 220]), left: 12, top: 0 }])
        .png()
        .toBuffer(),
    };
    // Untrained: its scores are far from 0 and 1, so any difference in the pixels shows in them.
    const raw = await imageClassifier(false);
    const rawM = await saveModel(ctx.runtime.store, raw, imageMeta(), 'colours');
    raw.dispose();
    const outside = await runDownloadedPredict(await download(rawM.id), Object.keys(images), images);
    const served = await predict(
      rawM.id,
      Object.values(images).map((b) => ({ b64: b.toString('base64') })),
    );
    expectSameAsServed(outside, served, IMAGE_LABELS);
    const readme = (await unzip(await download(imageM.id))).get('README.md')!.toString();
    expect(readme).toMatch(/sharp@\d/);
    expect(readme).toContain('8x8');

    // Rows by name and by position, standardised with the training split's statistics.
    const rows = [{ a: 1, b: 2, c: 3, d: 4 }, [3, -1, 3.5, 0], { d: 9, c: 0, b: 1, a: -2 }];
    const iris = tabulars[2]!.id;
    const tab = await runDownloadedPredict(
      await download(iris),
      rows.map((r) => JSON.stringify(r)),
    );
    expectSameAsServed(tab, await predict(iris, rows), ['x', 'y', 'z']);

    const reg = tabularRegressor();
    const price = await saveModel(ctx.runtime.store, reg, tabularMeta('regression'), 'price');
    reg.dispose();
    const values = await runDownloadedPredict(
      await download(price.id),
      rows.map((r) => JSON.stringify(r)),
    );
    const servedValues = (await predict(price.id, rows)) as Array<{ value: number }>;
    values.forEach((v, i) =>
      expect((v as unknown as { value: number }).value).toBeCloseTo(servedValues[i]!.value, 4),
    );
  }, 120_000);

  it('refuses to delete a model a queued job fine-tunes from (409), deletes it after', async () => {
    const target = tabulars[0]!;
    const job = await ctx.runtime.queues.queue.add('train', {
      datasetId: 'ds_0000000000000000',
      base: { modelId: target.id },
      spec: {},
    });
    const busy = await http.delete(`/v1/models/${target.id}`);
    expect(busy.status).toBe(409);
    expect(busy.headers['content-type']).toMatch(/problem\+json/);
    await job.remove();

    expect((await http.delete(`/v1/models/${target.id}`)).status).toBe(204);
    expect((await http.get(`/v1/models/${target.id}`)).status).toBe(404);
    expect((await http.delete(`/v1/models/${target.id}`)).status).toBe(404);
    expect((await http.get('/v1/models/iris?version=1')).status).toBe(404);
    expect((await http.delete('/v1/models/iris')).status).toBe(400);
  });
});
