import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggerOptions, redactUrl } from '../../src/lib/logger.js';
import { api } from '../helpers/api.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';

/** The service's own logger options: keys never reach a log line, however they are sent. */
describe('secrets never reach the logs', () => {
  const lines: string[] = [];
  let ctx: TestContext;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    ctx = await buildTestApp(
      { LOG_LEVEL: 'info', API_KEYS: 'the-real-key' },
      { logger: (config) => pino(loggerOptions(config.LOG_LEVEL), sink) },
    );
  });
  afterAll(() => ctx.close());

  it('redacts keys in the query string, the header and the config', async () => {
    await api(ctx).get('/v1/datasets?api_key=query-secret&limit=5');
    await api(ctx, { key: 'the-real-key' }).get('/v1/datasets');
    await api(ctx).get('/v1/datasets?token=tok-secret');
    const log = lines.join('');
    expect(log).toContain('incoming request');
    expect(log).toContain('/v1/datasets?api_key=[redacted]&limit=5');
    expect(log).not.toMatch(/query-secret|tok-secret|the-real-key/);
  });

  it('keeps harmless query parameters', () => {
    expect(redactUrl('/readyz?deep=true')).toBe('/readyz?deep=true');
    expect(redactUrl('/x?API%5FKEY=s&a=1&password')).toBe('/x?API%5FKEY=[redacted]&a=1&password');
    expect(redactUrl('/x')).toBe('/x');
  });
});
