import { readdir } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogEntries, encoderCatalogEntries } from '../../src/base-models/catalog.js';
import { api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import {
  closedPort,
  nsfwjsFolder,
  startServer,
  staticFiles,
  tinyImageModel,
  type TestServer,
} from '../helpers/base-model-fixtures.js';

const LIMIT = 4 * 1024 * 1024;
const TIMEOUT_MS = 1500;

let ctx: TestContext;
let server: TestServer;
let files: Map<string, Buffer>;
let tinyParams: number;

beforeAll(async () => {
  const nsfw = await nsfwjsFolder();
  const tiny = await tinyImageModel([128, 128, 3]);
  tinyParams = tiny.params;
  files = new Map([
    ...(await staticFiles(nsfw.dir, '/nsfw/')),
    ...(await staticFiles(tiny.dir, '/mirror/mobilenet_v1_0.25_128/')),
    ...(await staticFiles(tiny.dir, '/noshard/')),
  ]);
  files.delete('/noshard/weights.bin');
  server = await startServer((req, res) => {
    const url = req.url ?? '/';
    const body = files.get(url);
    if (body) {
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    } else if (url.startsWith('/moved/')) {
      res.writeHead(301, { location: '/nsfw/' + url.slice('/moved/'.length) });
      res.end();
    } else if (url === '/loop') {
      res.writeHead(302, { location: '/loop' });
      res.end();
    } else if (url === '/trickle/model.json') {
      // Sends one byte every 100 ms: never finishes before the fetch deadline.
      res.writeHead(200, { 'content-length': 100_000 });
      const timer = setInterval(() => res.write('{'), 100);
      res.on('close', () => clearInterval(timer));
    } else if (url === '/huge-declared/model.json') {
      res.writeHead(200, { 'content-length': LIMIT * 4 });
      res.write('{');
    } else if (url === '/huge-chunked/model.json') {
      // No content-length: the size is only known by counting.
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(256 * 1024, 32);
      let sent = 0;
      const pump = () => {
        while (sent < LIMIT * 4 && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    } else {
      res.writeHead(404);
      res.end('not here');
    }
  });
  ctx = await buildTestApp({
    TFJS_BACKEND: 'cpu',
    ALLOW_PRIVATE_URLS: 'true',
    MAX_BASE_MODEL_BYTES: String(LIMIT),
    URL_FETCH_TIMEOUT_MS: String(TIMEOUT_MS),
    CATALOG_MIRROR_URL: `${server.origin}/mirror/`,
  });
  await ctx.runtime.backend();
});

afterAll(async () => {
  await ctx?.close();
  await server?.close();
});

// The app downloads from the model host above over a socket; the API itself is called in-process.
const post = (app: TestContext, payload: object) => api(app).post('/v1/base-models', payload);

describe('POST /v1/base-models { url }', () => {
  it('downloads model.json and the shard it names, and stores the real MobileNetV2', async () => {
    const tensors = tf.memory().numTensors;
    const res = await post(ctx, { url: `${server.origin}/nsfw/model.json` });
    expect(res.status, res.text).toBe(201);
    const meta = res.body;
    expect(meta).toMatchObject({
      name: 'nsfw',
      source: { kind: 'url', url: `${server.origin}/nsfw/model.json` },
      layerCount: 162,
      inputShape: [224, 224, 3],
      files: ['model.json', 'group1-shard1of1'],
      quantization: ['uint8'],
    });
    expect(tf.memory().numTensors).toBe(tensors);
    const layers = await api(ctx).get(`/v1/base-models/${meta.id}/layers`);
    const names = (layers.body.layers as Array<{ name: string }>).map((l) => l.name);
    expect(names).toHaveLength(162);
    expect(names).toContain('block_16_project');
    expect(names.at(-1)).toBe('dense_3');
  });

  it('follows redirects (for model.json and shards alike)', async () => {
    const res = await post(ctx, { url: `${server.origin}/moved/model.json`, name: 'moved' });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ name: 'moved', layerCount: 162 });
  });

  const failures: Array<[string, string, number, RegExp]> = [
    ['a non-http scheme', 'ftp://example.com/model.json', 400, /scheme 'ftp' is not allowed/],
    ['a file URL', 'file:///etc/passwd', 400, /scheme 'file' is not allowed/],
    ['no URL at all', 'not a url', 400, /not a valid URL/],
    ['a 404 for model.json', '/missing/model.json', 502, /answered HTTP 404/],
    ['a missing shard', '/noshard/model.json', 502, /noshard\/weights\.bin answered HTTP 404/],
    ['a redirect loop', '/loop', 502, /redirected more than 5 times/],
    ['a server that trickles bytes', '/trickle/model.json', 502, /did not finish in time/],
    ['a declared size over the limit', '/huge-declared/model.json', 413, /larger than/],
    ['an undeclared size over the limit', '/huge-chunked/model.json', 413, /larger than/],
  ];

  it.each(failures)(
    'answers %s with a problem and stores nothing',
    async (_label, target, status, detail) => {
      const url = target.startsWith('/') ? server.origin + target : target;
      const tensors = tf.memory().numTensors;
      const started = Date.now();
      const res = await post(ctx, { url });
      expect(res.status, res.text).toBe(status);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.detail).toMatch(detail);
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 2000);
      expect(tf.memory().numTensors).toBe(tensors);
      expect(await readdir(path.join(ctx.dataDir, '.tmp'))).toEqual([]);
    },
  );

  it('answers 502 when nothing listens at the URL', async () => {
    const res = await post(ctx, { url: `http://127.0.0.1:${await closedPort()}/model.json` });
    expect(res.status).toBe(502);
    expect(res.body.detail).toMatch(/connection refused/);
  });
});

describe('catalog', () => {
  it('lists the MobileNet v1 family with the mirror URLs, and the packaged MobileNetV2', async () => {
    const res = await api(ctx).get('/v1/base-models/catalog');
    expect(res.status).toBe(200);
    const items = res.body.items as Array<{ name: string; url: string | null; preprocessing: unknown }>;
    expect(items.map((i) => i.name)).toEqual([
      ...catalogEntries().map((e) => e.name),
      ...encoderCatalogEntries().map((e) => e.name),
    ]);
    expect(items.find((i) => i.name === 'universal-sentence-encoder-lite')).toMatchObject({
      kind: 'sentence-encoder',
      offline: true,
      preprocessing: null,
    });
    expect(items.find((i) => i.name === 'mobilenet_v1_1.0_224')).toMatchObject({
      url: `${server.origin}/mirror/mobilenet_v1_1.0_224/model.json`,
      preprocessing: { size: [224, 224], scale: [-1, 1] },
      recommendedCutAt: 'conv_pw_13_relu',
    });
    expect(items.filter((i) => i.name.startsWith('mobilenet_v1_'))).toHaveLength(16);
    expect(items.find((i) => i.name === 'nsfwjs-mobilenet-v2')).toMatchObject({
      url: null,
      offline: true,
      inputShape: [224, 224, 3],
      recommendedCutAt: 'flatten_1',
      recommendedFineTuneFrom: 'block_16_expand',
      license: expect.stringMatching(/MIT/),
      trainedOn: expect.stringMatching(/ImageNet.*5-class.*block_10/),
    });
    expect(items.find((i) => i.name === 'nsfwjs-inception-v3')).toMatchObject({
      offline: true,
      inputShape: [299, 299, 3],
      preprocessing: { size: [299, 299], scale: [0, 1] },
      recommendedFineTuneFrom: 'conv2d_81',
      trainedOn: expect.stringMatching(/mixed5/),
    });
  });

  it('registers a catalog model through CATALOG_MIRROR_URL', async () => {
    const res = await post(ctx, { catalog: 'mobilenet_v1_0.25_128' });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      name: 'mobilenet_v1_0.25_128',
      source: {
        kind: 'catalog',
        catalog: 'mobilenet_v1_0.25_128',
        url: `${server.origin}/mirror/mobilenet_v1_0.25_128/model.json`,
      },
      inputShape: [128, 128, 3],
      params: { total: tinyParams },
      preprocessing: { kind: 'image', image: { size: [128, 128], scale: [-1, 1] } },
      // The stand-in model has no conv_pw_13_relu layer, so no cut point is recommended.
      recommendedCutAt: null,
    });
  });

  it('refuses a mirror that serves a model of another input size', async () => {
    const res = await post(ctx, { catalog: 'mobilenet_v1_0.25_224' });
    expect(res.status).toBe(502); // the mirror has no such path
    files.set(
      '/mirror/mobilenet_v1_0.25_224/model.json',
      files.get('/mirror/mobilenet_v1_0.25_128/model.json')!,
    );
    files.set(
      '/mirror/mobilenet_v1_0.25_224/weights.bin',
      files.get('/mirror/mobilenet_v1_0.25_128/weights.bin')!,
    );
    const wrong = await post(ctx, { catalog: 'mobilenet_v1_0.25_224' });
    expect(wrong.status).toBe(502);
    expect(wrong.body.detail).toMatch(/input \[128,128,3\], expected \[224,224,3\]/);
  });

  it('registers the packaged nsfwjs MobileNetV2 without any network', async () => {
    const res = await post(ctx, { catalog: 'nsfwjs-mobilenet-v2', name: 'offline' });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      name: 'offline',
      source: { kind: 'catalog', catalog: 'nsfwjs-mobilenet-v2', url: null },
      layerCount: 162,
      recommendedCutAt: 'flatten_1',
      preprocessing: { kind: 'image', image: { size: [224, 224], scale: [0, 1] } },
    });
  });

  it('answers 400 listing the valid names for an unknown catalog name', async () => {
    const res = await post(ctx, { catalog: 'resnet_9000' });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/unknown catalog model 'resnet_9000'.*mobilenet_v1_0\.25_224/);
    expect(res.body.validNames).toContain('mobilenet_v1_1.0_224');
  });
});

describe('private addresses (ALLOW_PRIVATE_URLS=false)', () => {
  let strict: TestContext;
  beforeAll(async () => {
    strict = await buildTestApp({
      TFJS_BACKEND: 'cpu',
      URL_FETCH_TIMEOUT_MS: String(TIMEOUT_MS),
      CATALOG_MIRROR_URL: `${server.origin}/mirror/`,
    });
  });
  afterAll(() => strict?.close());

  it.each([
    ['a loopback IPv4 literal', () => `${server.origin}/nsfw/model.json`],
    ['a name that resolves to loopback', () => `http://localhost:${server.port}/nsfw/model.json`],
    ['a loopback IPv6 literal', () => `http://[::1]:${server.port}/nsfw/model.json`],
    ['an IPv4-mapped IPv6 literal', () => `http://[::ffff:127.0.0.1]:${server.port}/nsfw/model.json`],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/model.json'],
    ['a private network address', () => 'http://10.1.2.3/model.json'],
  ])('refuses %s before connecting', async (_label, url) => {
    const hits = server.hits.length;
    const res = await post(strict, { url: url() });
    expect(res.status, res.text).toBe(400);
    expect(res.body.detail).toMatch(
      /(is|resolves to .*) a private, loopback or reserved address.*ALLOW_PRIVATE_URLS/,
    );
    expect(res.body.errors).toEqual([{ path: 'body.url', message: expect.any(String) }]);
    expect(server.hits.length).toBe(hits);
  });

  it('still uses the operator-configured catalog mirror on a private address', async () => {
    const res = await post(strict, { catalog: 'mobilenet_v1_0.25_128' });
    expect(res.status, res.text).toBe(201);
  });
});

describe('the packaged InceptionV3 (22 MB of weights, over the limit the other tests set)', () => {
  let big: TestContext;
  beforeAll(async () => {
    big = await buildTestApp({ TFJS_BACKEND: 'cpu' });
  });
  afterAll(() => big?.close());

  it('registers the packaged nsfwjs InceptionV3 without any network, with its recommended layers', async () => {
    const res = await post(big, { catalog: 'nsfwjs-inception-v3' });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      source: { kind: 'catalog', catalog: 'nsfwjs-inception-v3', url: null },
      layerCount: 318,
      inputShape: [299, 299, 3],
      recommendedCutAt: 'flatten_1',
    });
    const layers = await api(big).get(`/v1/base-models/${res.body.id}/layers`);
    const names = (layers.body.layers as Array<{ name: string; outputShape: unknown }>).map((l) => l.name);
    const i = names.indexOf('conv2d_81');
    expect(names[i - 1]).toBe('mixed8');
    expect(layers.body.layers[names.indexOf('flatten_1')].outputShape).toEqual([null, 2048]);
  }, 120_000);
});
