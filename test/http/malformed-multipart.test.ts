import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggerOptions } from '../../src/lib/logger.js';
import { api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { multipart } from '../helpers/multipart.js';

/**
 * A multipart body that does not parse (cut short, or a content type without its boundary) is
 * the client's fault: 400 naming what is wrong, logged below error level, on every route that
 * takes multipart.
 */
const ROUTES = ['/v1/datasets', '/v1/base-models', '/v1/models/mdl_missing/predict'];

describe('malformed multipart bodies', () => {
  const lines: Array<{ level: number; msg?: string }> = [];
  let ctx: TestContext;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as { level: number; msg?: string });
        done();
      },
    });
    ctx = await buildTestApp(
      { LOG_LEVEL: 'debug' },
      { logger: (config) => pino(loggerOptions(config.LOG_LEVEL), sink) },
    );
  });
  afterAll(() => ctx.close());

  const errorsLogged = () => lines.filter((l) => l.level >= 50);

  it.each(ROUTES)('answers 400 for a body cut short on %s', async (url) => {
    const { payload, headers } = multipart([
      { name: 'name', data: 'x' },
      { name: 'file', filename: 'a.csv', data: 'text,label\n'.repeat(2000) },
    ]);
    const res = await api(ctx).post(url, payload.subarray(0, 5000), { headers });
    expect(res.status, res.text).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toMatch(/multipart body .*(ends|end) before/i);
    expect(errorsLogged()).toEqual([]);
  });

  it.each(ROUTES)('answers 400 for a multipart content type without a boundary on %s', async (url) => {
    const { payload } = multipart([{ name: 'file', filename: 'a.csv', data: 'a,b\n1,2\n' }]);
    const res = await api(ctx).post(url, payload, { headers: { 'content-type': 'multipart/form-data' } });
    expect(res.status, res.text).toBe(400);
    expect(res.body.detail).toMatch(/boundary/);
    expect(errorsLogged()).toEqual([]);
  });
});
