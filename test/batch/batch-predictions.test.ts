import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, waitFor, type TestContext } from '../helpers/app.js';
import type { Part } from '../helpers/multipart.js';
import {
  imageClassifier,
  imageMeta,
  saveModel,
  solidPng,
  tabularClassifier,
  tabularMeta,
} from '../helpers/serving-fixtures.js';
import { sentence, textCsv, zipOf } from '../helpers/text-fixtures.js';

/**
 * Batch predictions end to end: the real API, Redis, worker, trainer process, inference worker
 * and TF.js; models made by the tests (stored directly, or trained through a job).
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, read field by field
type Json = any;

describe('batch predictions', () => {
  let ctx: TestContext;
  let imageModel: string;
  let tabularModel: string;
  let http: Api;
  let base: string;

  const finished = (id: string, timeoutMs = 120_000): Promise<Json> =>
    http.waitForState(`/v1/batch-predictions/${id}`, { timeoutMs });
  const resultLines = async (id: string): Promise<Json[]> => {
    const res = await http.get(`/v1/batch-predictions/${id}/results?format=jsonl`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/x-ndjson/);
    return res.text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l));
  };
  const upload = (modelId: string, file: Buffer, name: string, fields: Record<string, string> = {}) =>
    http.form('/v1/batch-predictions', [
      { name: 'modelId', data: modelId },
      ...Object.entries(fields).map(([k, v]): Part => ({ name: k, data: v })),
      { name: 'file', filename: name, data: file },
    ]);
  const tabularCsv = (rows: number, bad: number[] = []): Buffer => {
    const lines = ['id,a,b,c,d,note'];
    for (let i = 0; i < rows; i++) {
      const a = bad.includes(i) ? 'oops' : String((i % 7) - 3);
      lines.push(`r${i},${a},${i % 5},${(i % 3) / 2},${i % 2},"some, note"`);
    }
    return Buffer.from(lines.join('\n') + '\n');
  };

  beforeAll(async () => {
    ctx = await buildTestApp({ JOB_ATTEMPTS: '3', PREDICT_MAX_BATCH: '16' });
    http = api(ctx);
    // A batch's event stream is read over a socket, as a client reads it.
    base = await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    ctx.startWorker();
    imageModel = (await saveModel(ctx.runtime.store, await imageClassifier(), imageMeta())).id;
    tabularModel = (await saveModel(ctx.runtime.store, tabularClassifier(), tabularMeta('classification')))
      .id;
  }, 60_000);
  afterAll(() => ctx.close());

  it('scores a zip of images: one line per image, an error line for an unreadable one, answers as predict gives', async () => {
    const red = await solidPng([255, 0, 0]);
    const green = await solidPng([0, 255, 0]);
    const zip = await zipOf({
      'shots/red.png': red,
      'shots/green.png': green,
      'blue.png': await solidPng([0, 0, 255]),
      'broken.png': Buffer.from('this is not an image'),
      '__MACOSX/shots/._red.png': Buffer.from('resource fork'),
    });
    const created = await upload(imageModel, zip, 'photos.zip', { topK: '2' });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect(created.headers['location']).toBe(`/v1/batch-predictions/${created.body.id}`);
    expect(['queued', 'running']).toContain(created.body.state);
    expect(created.body).toMatchObject({
      modelId: imageModel,
      topK: 2,
      input: { kind: 'upload', format: 'zip', filename: 'photos.zip' },
    });

    const done = await finished(created.body.id);
    expect(done.state, JSON.stringify(done)).toBe('completed');
    expect(done.counts).toEqual({ total: 4, succeeded: 3, errors: 1 });
    expect(done.progress).toMatchObject({ phase: 'done', processed: 4, total: 4, errors: 1 });

    const lines = await resultLines(done.id);
    expect(lines.map((l) => l.id)).toEqual(['shots/red.png', 'shots/green.png', 'blue.png', 'broken.png']);
    expect(lines.slice(0, 3).map((l) => l.label)).toEqual(['red', 'green', 'blue']);
    expect(lines[0].topK).toHaveLength(2);
    expect(lines[3]).toEqual({ id: 'broken.png', error: expect.stringMatching(/not a readable image/) });

    // The same forward pass as predict: the same scores for the same image.
    const single = await http.form(`/v1/models/${imageModel}/predict?topK=2`, [
      { name: 'file', filename: 'red.png', data: red, type: 'image/png' },
    ]);
    expect(single.status).toBe(200);
    expect(lines[0].score).toBeCloseTo(single.body.predictions[0].score, 6);
    expect(lines[0].topK).toEqual(
      single.body.predictions[0].topK.map((t: Json) => ({
        label: t.label,
        score: expect.closeTo(t.score, 6),
      })),
    );

    const csv = await http.get(`/v1/batch-predictions/${done.id}/results?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="${done.id}.csv"`);
    const rows = csv.text.trim().split('\n');
    expect(rows[0]).toBe('id,label,score,topK,novelty,unknown,value,error');
    expect(rows).toHaveLength(5);
    expect(rows[1]).toMatch(/^shots\/red\.png,red,[\d.e-]+,red:[\d.e-]+\|\w+:[\d.e-]+,,false,,$/);
    expect(rows[4]).toMatch(/^broken\.png,,,,,,,.*not a readable image/);

    const events = await fetch(`${base}/v1/batch-predictions/${done.id}/events`);
    expect(await events.text()).toMatch(/event: end\n[^]*"state":"completed"/);
    const list = await http.get('/v1/batch-predictions');
    expect(list.body.items.map((b: Json) => b.id)).toContain(done.id);
  }, 120_000);

  it('scores a tabular CSV by column name, with an error line for a row that is not numeric', async () => {
    const created = await upload(tabularModel, tabularCsv(40, [7]), 'rows.csv');
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const done = await finished(created.body.id);
    expect(done.state, JSON.stringify(done)).toBe('completed');
    expect(done.counts).toEqual({ total: 40, succeeded: 39, errors: 1 });
    const lines = await resultLines(done.id);
    expect(lines.map((l) => l.id)).toEqual(Array.from({ length: 40 }, (_, i) => `r${i}`));
    expect(lines[7].error).toMatch(/a/);
    expect(lines[7].label).toBeUndefined();

    const direct = await http.predict(tabularModel, {
      instances: [{ a: -3, b: 0, c: 0, d: 0 }],
    });
    expect(lines[0].label).toBe(direct.body.predictions[0].label);
    expect(lines[0].score).toBeCloseTo(direct.body.predictions[0].score, 6);
  }, 120_000);

  it('scores a JSONL of texts and a stored text dataset with a trained text model', async () => {
    const ds = await http.uploadDataset(textCsv(8), 'topics.csv');
    const { job } = await http.trainToEnd({
      datasetId: ds.id,
      evaluation: { method: 'holdout' },
      architecture: [{ type: 'embedding', outputDim: 8 }, { type: 'globalAveragePooling1d' }],
      head: [{ type: 'dense', units: 8 }],
      compile: { learningRate: 0.05 },
      fit: { epochs: 10, batchSize: 8, validationSplit: 0 },
      seed: 4,
    });
    const jsonl = [
      JSON.stringify({ id: 'a', text: sentence('sports', 2) }),
      JSON.stringify({ text: sentence('cooking', 3) }),
      '',
      '{"text": "unterminated',
      JSON.stringify({ id: 'n', text: 3 }),
    ].join('\n');
    const created = await upload(job.modelId, Buffer.from(jsonl), 'texts.jsonl');
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const done = await finished(created.body.id);
    expect(done.state, JSON.stringify(done)).toBe('completed');
    expect(done.counts).toEqual({ total: 4, succeeded: 2, errors: 2 });
    const lines = await resultLines(done.id);
    expect(lines.map((l) => l.id)).toEqual(['a', 'line 2', 'line 4', 'n']);
    expect(lines.slice(0, 2).map((l) => l.label)).toEqual(['sports', 'cooking']);
    expect(lines[2].error).toMatch(/line 4 is not valid JSON/);
    expect(lines[3].error).toBeTruthy();

    // The dataset it was trained on, scored in place; and the upload again, by reference.
    const byDataset = await http.post('/v1/batch-predictions', {
      modelId: job.modelId,
      input: { datasetId: ds.id },
    });
    expect(byDataset.status, JSON.stringify(byDataset.body)).toBe(202);
    const again = await http.post('/v1/batch-predictions', {
      modelId: job.modelId,
      input: { uploadId: done.input.uploadId },
    });
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    const dsDone = await finished(byDataset.body.id);
    expect(dsDone.state, JSON.stringify(dsDone)).toBe('completed');
    expect(dsDone.counts.total).toBe(ds.examples);
    expect((await finished(again.body.id)).counts).toEqual(done.counts);
  }, 300_000);

  it('refuses what it could never score with a 4xx problem naming the field', async () => {
    const noModel = await http.form('/v1/batch-predictions', [
      { name: 'file', filename: 'x.csv', data: tabularCsv(2) },
    ]);
    expect(noModel.status).toBe(400);
    expect(noModel.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(noModel.body.errors[0].path).toBe('body.modelId');

    const unknown = await upload('m_0000000000000000', tabularCsv(2), 'x.csv');
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].path).toBe('body.modelId');

    const lacking = await upload(tabularModel, Buffer.from('id,a,b\n1,2,3\n'), 'x.csv');
    expect(lacking.status).toBe(400);
    expect(lacking.body.detail).toMatch(/lacks column\(s\) c, d/);

    const zipForTable = await upload(tabularModel, await zipOf({ 'a.txt': 'x' }), 'x.zip');
    expect(zipForTable.status).toBe(422);

    const csvForImages = await upload(imageModel, tabularCsv(2), 'x.csv');
    expect(csvForImages.status).toBe(422);

    const notZip = await upload(imageModel, Buffer.from('PK\x03\x04 broken beyond repair'), 'x.zip');
    expect(notZip.status).toBe(400);
    expect(notZip.body.detail).toMatch(/not a readable zip/);

    const noInput = await http.post('/v1/batch-predictions', { modelId: imageModel });
    expect(noInput.status).toBe(400);
    const badTopK = await upload(imageModel, await zipOf({ 'a.png': 'x' }), 'x.zip', { topK: '0' });
    expect(badTopK.status).toBe(400);
    expect(badTopK.body.errors[0].path).toBe('body.topK');

    const missing = await http.get('/v1/batch-predictions/bp_0000000000000000');
    expect(missing.status).toBe(404);
    const list = (await http.get('/v1/batch-predictions?limit=100')).body;
    expect(list.items.every((b: Json) => b.state !== 'failed')).toBe(true);
  }, 60_000);

  it('cancels a running batch: nothing is published', async () => {
    const created = await upload(tabularModel, tabularCsv(30_000), 'big.csv');
    expect(created.status).toBe(202);
    const id = created.body.id;
    await waitFor(async () => {
      const b = (await http.get(`/v1/batch-predictions/${id}`)).body;
      return b.state === 'running' && b.progress?.processed > 0;
    }, 60_000);
    const cancelled = await http.post(`/v1/batch-predictions/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.state).toBe('cancelled');
    const end = await finished(id);
    expect(end.state).toBe('cancelled');
    const results = await http.get(`/v1/batch-predictions/${id}/results`);
    expect(results.status).toBe(409);

    // Deleting it while its trainer process may still be stopping: removed at once, or a 409
    // that says to try again, never an error.
    const early = await http.delete(`/v1/batch-predictions/${id}`);
    expect([204, 409], JSON.stringify(early.body)).toContain(early.status);
    if (early.status === 409) {
      expect(early.body.detail).toMatch(/still stopping; try again/);
      expect(early.headers['retry-after']).toBe('5');
      await waitFor(async () => (await http.delete(`/v1/batch-predictions/${id}`)).status === 204, 30_000);
    }
    expect((await http.get(`/v1/batch-predictions/${id}`)).status).toBe(404);
    expect(await ctx.runtime.store.collection('batch-inputs').exists(end.input.uploadId)).toBe(false);
    // The trainer process is gone without publishing anything.
    await waitFor(async () => (await trainerChildren()).length === 0, 30_000);
    expect(await ctx.runtime.store.collection('batch-results').exists(id)).toBe(false);
  }, 120_000);

  it('retries a batch whose trainer process was killed mid-way, without a duplicate line', async () => {
    const rows = 30_000;
    const created = await upload(tabularModel, tabularCsv(rows), 'big.csv');
    expect(created.status).toBe(202);
    const id = created.body.id;
    await waitFor(async () => {
      const b = (await http.get(`/v1/batch-predictions/${id}`)).body;
      return b.state === 'running' && b.progress?.processed > 0;
    }, 60_000);
    const pids = await trainerChildren();
    expect(pids).toHaveLength(1);
    process.kill(pids[0]!, 'SIGKILL');

    const done = await finished(id, 180_000);
    expect(done.state, JSON.stringify(done)).toBe('completed');
    expect(done.failure).toMatchObject({ attempt: 1, retried: true });
    expect(done.failure.reason).toMatch(/stopped without finishing/);
    const lines = await resultLines(id);
    expect(lines).toHaveLength(rows);
    expect(new Set(lines.map((l) => l.id)).size).toBe(rows);
    expect(lines[rows - 1].id).toBe(`r${rows - 1}`);
    const csv = await http.get(`/v1/batch-predictions/${id}/results?format=csv`);
    expect(csv.text.trim().split('\n')).toHaveLength(rows + 1);
  }, 240_000);

  it('answers 409 to deleting a model a batch is using, and to deleting a running batch', async () => {
    const created = await upload(tabularModel, tabularCsv(30_000), 'big.csv');
    const id = created.body.id;
    await waitFor(
      async () => (await http.get(`/v1/batch-predictions/${id}`)).body.state === 'running',
      60_000,
    );
    expect((await http.delete(`/v1/models/${tabularModel}`)).status).toBe(409);
    expect((await http.delete(`/v1/batch-predictions/${id}`)).status).toBe(409);
    await http.post(`/v1/batch-predictions/${id}/cancel`);
    await finished(id);
  }, 120_000);
});

/** Live trainer processes started by this test process's worker. */
async function trainerChildren(): Promise<number[]> {
  const { stdout } = await promisify(execFile)('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)]);
  return stdout
    .split('\n')
    .filter((l) => l.includes('trainer-child'))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}
