import { readFile, readdir } from 'node:fs/promises';
import nodeHttp from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLiteDir } from '../../src/base-models/use-lite.js';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import type { Part } from '../helpers/multipart.js';
import { sentence, textCsv } from '../helpers/text-fixtures.js';

/**
 * Another sentence encoder of a compatible shape can be registered by upload or URL (here the
 * USE lite files themselves, as a user would send a re-exported encoder): model.json, its shards
 * and its SentencePiece vocab.json. It then trains and serves like the catalog's.
 */
describe('sentence encoders by upload and URL', () => {
  let ctx: TestContext;
  let files: Array<{ name: string; data: Buffer }>;
  let server: nodeHttp.Server;
  let base: string;
  let http: Api;

  beforeAll(async () => {
    ctx = await buildTestApp({ JOB_ATTEMPTS: '1', ALLOW_PRIVATE_URLS: 'true' });
    http = api(ctx);
    ctx.startWorker();
    const dir = useLiteDir();
    const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as {
      weightsManifest: Array<{ paths: string[] }>;
    };
    const names = ['model.json', ...json.weightsManifest.flatMap((g) => g.paths), 'vocab.json'];
    files = await Promise.all(
      names.map(async (name) => ({ name, data: await readFile(path.join(dir, name)) })),
    );
    server = nodeHttp.createServer((req, res) => {
      const file = files.find((f) => `/enc/${f.name}` === req.url);
      if (!file) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(file.data);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/enc/`;
  });
  afterAll(async () => {
    server.close();
    await ctx.close();
  });

  const upload = (parts: Part[]) => http.form('/v1/base-models', parts);
  const parts = (skip?: string): Part[] =>
    files.filter((f) => f.name !== skip).map((f) => ({ name: 'files', filename: f.name, data: f.data }));

  it('refuses a graph model without its vocabulary, naming vocab.json, and stores nothing', async () => {
    const res = await upload(parts('vocab.json'));
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/sentence encoder.*'vocab\.json'/);
    expect(await readdir(path.join(ctx.dataDir, 'base-models'))).toEqual([]);
  });

  it('registers an uploaded encoder that trains a text job and serves predictions', async () => {
    const res = await upload(parts());
    expect(res.status, res.text).toBe(201);
    const meta = res.body;
    expect(meta).toMatchObject({
      format: 'graph-model',
      source: { kind: 'upload' },
      encoder: { kind: 'sentence-encoder', dimension: 512, package: null },
    });
    const layers = (await http.get(`/v1/base-models/${meta.id}/layers`)).body;
    expect(layers.frozenFeatureExtractor).toBe(true);

    const ds = await http.uploadDataset(textCsv(8), 'topics.csv'); // expects 201
    const job = await http.post('/v1/jobs', {
      datasetId: ds.id,
      evaluation: { method: 'holdout' },
      base: { baseModelId: meta.id },
      fit: { epochs: 8, batchSize: 8 },
      seed: 1,
    });
    expect(job.status, JSON.stringify(job.body)).toBe(202);
    const end = await http.waitForJob(job.body.id, { timeoutMs: 120_000 });
    expect(end.state, end.error).toBe('completed');
    const predicted = await http.post(`/v1/models/${end.modelId}/predict`, {
      instances: [sentence('sports', 40), sentence('cooking', 41)],
    });
    expect(predicted.status, JSON.stringify(predicted.body)).toBe(200);
    expect(predicted.body.predictions.map((p: { label: string }) => p.label)).toEqual(['sports', 'cooking']);
  }, 180_000);

  it('registers an encoder by URL, its vocab.json read beside model.json', async () => {
    const res = await http.post('/v1/base-models', { url: `${base}model.json` });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      format: 'graph-model',
      source: { kind: 'url' },
      encoder: { dimension: 512 },
    });
  }, 60_000);
});
