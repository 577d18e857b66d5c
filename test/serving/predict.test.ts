import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preprocessImage } from '../../src/datasets/image/image-preprocess.js';
import { newId } from '../../src/lib/ids.js';
import type { ModelMeta } from '../../src/contracts/model-meta.js';
import { api, type Api, type Reply } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import {
  IMAGE_SPEC,
  TABULAR,
  directPredict,
  imageClassifier,
  imageMeta,
  saveModel,
  solidPng,
  tabularClassifier,
  tabularMeta,
  tabularRegressor,
} from '../helpers/serving-fixtures.js';
import type { Part } from '../helpers/multipart.js';

type Scored = { label: string; score: number };
type Body = {
  model: { id: string; name: string | null; version: number | null };
  predictions: Array<Scored & { topK: Scored[] } & { value: number | number[] }>;
};

/** Image files under the field `file`, after the plain fields. */
function multipart(
  files: Array<{ name: string; data: Buffer; type?: string }>,
  fields: Record<string, string> = {},
): Part[] {
  return [
    ...Object.entries(fields).map(([name, data]) => ({ name, data })),
    ...files.map((f) => ({ name: 'file', filename: f.name, data: f.data, type: f.type ?? 'image/png' })),
  ];
}

const b64 = (b: Buffer) => ({ b64: b.toString('base64') });

describe('POST /v1/models/:id/predict', () => {
  let ctx: TestContext;
  let http: Api;
  let image: tf.LayersModel;
  let tabular: tf.LayersModel;
  let regressor: tf.LayersModel;
  let imageV1: ModelMeta;
  let imageV2: ModelMeta;
  let tabularM: ModelMeta;
  let regressorM: ModelMeta;
  const png: Record<'red' | 'green' | 'blue', Buffer> = {
    red: Buffer.alloc(0),
    green: Buffer.alloc(0),
    blue: Buffer.alloc(0),
  };

  beforeAll(async () => {
    ctx = await buildTestApp({ PREDICT_MAX_INSTANCES: '8', PREDICT_MAX_IMAGE_BYTES: '20000' });
    http = api(ctx);
    await tf.setBackend('cpu');
    const store = ctx.runtime.store;
    image = await imageClassifier();
    imageV1 = await saveModel(store, await imageClassifier(false), imageMeta(), 'colours');
    imageV2 = await saveModel(store, image, imageMeta(), 'colours');
    tabular = tabularClassifier();
    tabularM = await saveModel(store, tabular, tabularMeta('classification'));
    regressor = tabularRegressor();
    regressorM = await saveModel(store, regressor, tabularMeta('regression'), 'house-prices');
    png.red = await solidPng([255, 0, 0]);
    png.green = await solidPng([0, 255, 0]);
    png.blue = await solidPng([0, 0, 255]);
  });
  afterAll(async () => {
    for (const m of [image, tabular, regressor]) m.dispose();
    await ctx?.close();
  });

  const predict = (id: string, payload: object, query = '') =>
    http.post(`/v1/models/${id}/predict${query}`, payload);

  it('classifies base64 images with the training preprocessing, newest version by name', async () => {
    const res = await predict('colours', { instances: [b64(png.red), b64(png.green), b64(png.blue)] });
    expect(res.status, res.text).toBe(200);
    const body = res.body as Body;
    expect(body.model).toEqual({ id: imageV2.id, name: 'colours', version: 2 });
    expect(body.predictions.map((p) => p.label)).toEqual(['red', 'green', 'blue']);

    const rows = await Promise.all([png.red, png.green, png.blue].map((p) => preprocessImage(p, IMAGE_SPEC)));
    const expected = directPredict(image, rows, [8, 8, 3]);
    body.predictions.forEach((p, i) => {
      expect(p.topK).toHaveLength(3);
      for (const { label, score } of p.topK) {
        expect(score).toBeCloseTo(expected[i]![['red', 'green', 'blue'].indexOf(label)]!, 4);
      }
      expect(p.score).toBe(p.topK[0]!.score);
    });
  });

  it('takes multipart image files, in order, with a topK field', async () => {
    const form = multipart(
      [
        { name: 'b.png', data: png.blue },
        { name: 'r.png', data: png.red },
      ],
      { topK: '2' },
    );
    const res = await http.form(`/v1/models/${imageV2.id}/predict`, form);
    expect(res.status, res.text).toBe(200);
    const body = res.body as Body;
    expect(body.predictions.map((p) => p.label)).toEqual(['blue', 'red']);
    expect(body.predictions.every((p) => p.topK.length === 2)).toBe(true);
  });

  it('pins a version with ?version= and refuses ?version= with an id', async () => {
    const res = await predict('colours', { instances: [b64(png.red)] }, '?version=1&topK=1');
    expect(res.status, res.text).toBe(200);
    expect((res.body as Body).model).toEqual({ id: imageV1.id, name: 'colours', version: 1 });
    expect((res.body as Body).predictions[0]!.topK).toHaveLength(1);
    expect((await predict('colours', { instances: [b64(png.red)] }, '?version=9')).status).toBe(404);
    const withId = await predict(imageV2.id, { instances: [b64(png.red)] }, '?version=1');
    expect(withId.status).toBe(400);
  });

  it('standardises tabular features with the stored mean and std (arrays or named objects)', async () => {
    const raw = [
      [1, 2, 3, 4],
      [5, -1, 3.5, 0],
    ];
    const res = await predict(tabularM.id, {
      instances: [raw[0], { d: 0, c: 3.5, b: -1, a: 5 }],
      topK: 3,
    });
    expect(res.status, res.text).toBe(200);
    const standardised = raw.map(
      (r) => new Float32Array(r.map((v, j) => (v - TABULAR.mean[j]!) / TABULAR.std[j]!)),
    );
    const expected = directPredict(tabular, standardised, [4]);
    (res.body as Body).predictions.forEach((p, i) => {
      for (const { label, score } of p.topK)
        expect(score).toBeCloseTo(expected[i]![['x', 'y', 'z'].indexOf(label)]!, 4);
    });
  });

  it('returns { value } for regression', async () => {
    const res = await predict('house-prices', { instances: [[3, 4, 5, 6]] });
    expect(res.status, res.text).toBe(200);
    const x = new Float32Array([3, 4, 5, 6].map((v, j) => (v - TABULAR.mean[j]!) / TABULAR.std[j]!));
    const [[expected]] = directPredict(regressor, [x], [4]) as [[number]];
    const body = res.body as Body;
    expect(body.model).toEqual({ id: regressorM.id, name: 'house-prices', version: 1 });
    expect(body.predictions[0]!.value).toBeCloseTo(expected, 4);
    expect(body.predictions[0]).not.toHaveProperty('label');
  });

  describe('bad input gets a 4xx problem naming it', () => {
    const problem = (res: Reply) => {
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      return res.body as {
        status: number;
        detail: string;
        errors?: Array<{ path: string; message: string }>;
      };
    };

    it('wrong feature count, with the failing index', async () => {
      const res = await predict(tabularM.id, {
        instances: [
          [1, 2, 3, 4],
          [1, 2, 3],
          [1, 2, 3, 4],
          [1, 'x', 3, 4],
        ],
      });
      expect(res.status).toBe(400);
      const p = problem(res);
      expect(p.errors).toEqual([
        { path: 'instances[1]', message: expect.stringMatching(/has 3 features; the model takes 4/) },
        { path: 'instances[3]', message: expect.stringMatching(/feature b .* not a finite number/) },
      ]);
    });

    it('not an image, corrupt image, invalid base64', async () => {
      const notImage = await predict('colours', {
        instances: [b64(png.red), b64(Buffer.from('hello, world'))],
      });
      expect(notImage.status).toBe(422);
      expect(problem(notImage).errors).toEqual([
        { path: 'instances[1]', message: expect.stringMatching(/not a readable image/) },
      ]);

      const corrupt = await predict('colours', { instances: [b64(png.red.subarray(0, 40))] });
      expect(corrupt.status).toBe(422);
      expect(problem(corrupt).errors?.[0]?.path).toBe('instances[0]');

      const badB64 = await predict('colours', { instances: [b64(png.red), { b64: '###' }, { image: 'x' }] });
      expect(badB64.status).toBe(400);
      expect(problem(badB64).errors?.map((e) => e.path)).toEqual(['instances[1]', 'instances[2]']);

      const form = multipart([
        { name: 'ok.png', data: png.red },
        { name: 'notes.txt', data: Buffer.from('not an image'), type: 'text/plain' },
      ]);
      const file = await http.form(`/v1/models/colours/predict`, form);
      expect(file.status).toBe(422);
      expect(problem(file).errors).toEqual([
        { path: 'files[1]', message: expect.stringMatching(/'notes\.txt' not a readable image/) },
      ]);
    });

    it('image tensors of the wrong size, and images sent to a tabular model', async () => {
      const res = await predict('colours', { instances: [new Array(8 * 8 * 3).fill(0.5), [[1, 2]]] });
      expect(res.status).toBe(400);
      expect(problem(res).errors).toEqual([
        { path: 'instances[1]', message: expect.stringMatching(/has 2 values; the model takes 192/) },
      ]);
      const form = multipart([{ name: 'r.png', data: png.red }]);
      const tab = await http.form(`/v1/models/${tabularM.id}/predict`, form);
      expect(tab.status).toBe(415);
      const b = await predict(tabularM.id, { instances: [b64(png.red)] });
      expect(b.status).toBe(400);
    });

    it('too many instances, too many files, an image over the size limit, no instances', async () => {
      const many = await predict(tabularM.id, { instances: Array.from({ length: 9 }, () => [1, 2, 3, 4]) });
      expect(many.status).toBe(413);
      expect(problem(many).detail).toMatch(/PREDICT_MAX_INSTANCES/);

      const files = multipart(Array.from({ length: 9 }, (_, i) => ({ name: `${i}.png`, data: png.red })));
      const manyFiles = await http.form(`/v1/models/colours/predict`, files);
      expect(manyFiles.status).toBe(413);

      const noise = Buffer.concat([png.red, Buffer.alloc(25_000, 7)]);
      const bigB64 = await predict('colours', { instances: [b64(png.red), b64(noise)] });
      expect(bigB64.status).toBe(413);
      expect(problem(bigB64).errors?.[0]).toMatchObject({ path: 'instances[1]' });
      const bigFile = await http.form(
        `/v1/models/colours/predict`,
        multipart([{ name: 'big.png', data: noise }]),
      );
      expect(bigFile.status).toBe(413);
      expect(problem(bigFile).detail).toMatch(/PREDICT_MAX_IMAGE_BYTES/);

      expect((await predict('colours', { instances: [] })).status).toBe(400);
      expect((await predict('colours', { nothing: true })).status).toBe(400);
    });

    it('unknown models are 404, malformed references 400, bad topK 400', async () => {
      const byId = await predict(newId('model'), { instances: [[1, 2, 3, 4]] });
      expect(byId.status).toBe(404);
      expect(problem(byId).status).toBe(404);
      expect((await predict('no-such-model', { instances: [[1, 2, 3, 4]] })).status).toBe(404);
      expect((await predict('bad%20name', { instances: [[1, 2, 3, 4]] })).status).toBe(400);
      expect((await predict(tabularM.id, { instances: [[1, 2, 3, 4]] }, '?topK=0')).status).toBe(400);
    });

    it('unsupported content types are 415', async () => {
      const res = await http.post(`/v1/models/${tabularM.id}/predict`, '1,2,3,4', {
        headers: { 'content-type': 'text/csv' },
      });
      expect(res.status).toBe(415);
    });
  });
});

describe('request limits, CORS and rate limits', () => {
  let ctx: TestContext;
  let limited: TestContext;
  let http: Api;
  beforeAll(async () => {
    ctx = await buildTestApp({ MAX_JSON_BODY_BYTES: '2048', CORS_ORIGINS: 'https://app.example' });
    limited = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '3', API_KEYS: 'key-one,key-two' });
    http = api(ctx);
  });
  afterAll(async () => {
    await ctx?.close();
    await limited?.close();
  });

  it('answers a body over the limit with 413', async () => {
    const res = await http.predict(newId('model'), {
      instances: Array.from({ length: 400 }, () => [1, 2, 3, 4]),
    });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });

  it('sends CORS headers to allowed origins only, preflight included', async () => {
    const preflight = await http.options(`/v1/models/flowers/predict`, {
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(String(preflight.headers['access-control-allow-methods'])).toMatch(/POST/);

    const get = await http.get('/v1/models', { headers: { origin: 'https://app.example' } });
    expect(get.headers['access-control-allow-origin']).toBe('https://app.example');
    const other = await http.get('/v1/models', { headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('limits each API key separately with 429 problem+json and Retry-After; probes are exempt', async () => {
    const call = (key: string) => api(limited, { key }).get('/v1/models');
    for (let i = 0; i < 3; i++) expect((await call('key-one')).status).toBe(200);
    const over = await call('key-one');
    expect(over.status).toBe(429);
    expect(over.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect(over.body).toMatchObject({ status: 429, title: 'Too many requests' });
    expect((await call('key-two')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await api(limited).get('/healthz')).status).toBe(200);
  });
});
