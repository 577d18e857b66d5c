import { writeFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.js';
import { buildTestApp } from '../helpers/app.js';
import { imageClassifier, imageMeta, saveModel, solidPng } from '../helpers/serving-fixtures.js';

/**
 * /predict writes no per-request access log by default (PREDICT_LOG_LEVEL=warn): at thousands
 * of predictions a second those two info lines cost real CPU. Its failures are still logged,
 * other routes keep their access log, and PREDICT_LOG_LEVEL=info brings it back.
 */

interface Line {
  level: number;
  msg: string;
  req?: { url: string };
}

async function start(env: Record<string, string>) {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Line);
      done();
    },
  });
  const ctx = await buildTestApp(
    { LOG_LEVEL: 'info', PREDICT_THREADS: '1', TFJS_BACKEND: 'cpu', ...env },
    { logger: (config) => pino({ level: config.LOG_LEVEL }, sink) },
  );
  return { ...ctx, lines };
}

describe('predict request logging', () => {
  let ctx: Awaited<ReturnType<typeof start>> | undefined;
  afterEach(async () => {
    await ctx?.close();
    ctx = undefined;
  });

  it('skips the access log of /predict by default, keeps other routes and errors', async () => {
    ctx = await start({});
    const model = await imageClassifier(false);
    const ok = await saveModel(ctx.runtime.store, model, imageMeta());
    const broken = await saveModel(ctx.runtime.store, model, imageMeta());
    model.dispose();
    await writeFile(
      await ctx.runtime.store.collection('models').local(broken.id, 'model.json'),
      '{ not json',
    );
    const payload = { instances: [{ b64: (await solidPng([255, 0, 0])).toString('base64') }] };

    const http = api(ctx);
    const res = await http.predict(ok.id, payload);
    expect(res.status, res.text).toBe(200);
    const failed = await http.predict(broken.id, payload);
    expect(failed.status).toBe(500);
    await http.get(`/v1/models/${ok.id}`);

    // Only the GET has an access log (incoming request + request completed) ...
    expect(ctx.lines.filter((l) => l.msg === 'incoming request').map((l) => l.req?.url)).toEqual([
      `/v1/models/${ok.id}`,
    ]);
    expect(ctx.lines.filter((l) => l.msg === 'request completed')).toHaveLength(1);
    // ... and the failed prediction is logged as an error.
    expect(ctx.lines.filter((l) => l.level >= 50)).toHaveLength(1);
  });

  it('logs every /predict request with PREDICT_LOG_LEVEL=info', async () => {
    ctx = await start({ PREDICT_LOG_LEVEL: 'info' });
    const res = await api(ctx).predict('mdl_missing', { instances: [[1, 2]] });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(ctx.lines.filter((l) => l.msg === 'incoming request').map((l) => l.req?.url)).toEqual([
      '/v1/models/mdl_missing/predict',
    ]);
    expect(ctx.lines.filter((l) => l.msg === 'request completed')).toHaveLength(1);
  });

  it('never logs /predict below LOG_LEVEL', async () => {
    ctx = await start({ LOG_LEVEL: 'error', PREDICT_LOG_LEVEL: 'info' });
    await api(ctx).predict('mdl_missing', { instances: [[1, 2]] });
    expect(ctx.lines).toEqual([]);
  });
});
