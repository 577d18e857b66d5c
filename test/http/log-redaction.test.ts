import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { loadConfig } from '../../src/config/env.js';
import { loggerOptions, redactUrl } from '../../src/lib/logger.js';
import { createAppDeps, type OwnedAppDeps } from '../../src/http/app-deps.js';
import { deleteKeys, REDIS_URL } from '../helpers/app.js';

/** The service's own logger options: keys never reach a log line, however they are sent. */
describe('secrets never reach the logs', () => {
  const lines: string[] = [];
  let runtime: OwnedAppDeps;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let dataDir: string;
  const prefix = `test-log-redaction-${process.pid}`;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'tls-log-'));
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      REDIS_URL,
      DATA_DIR: dataDir,
      QUEUE_PREFIX: prefix,
      API_KEYS: 'the-real-key',
    });
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    runtime = await createAppDeps(config, pino(loggerOptions('info'), sink));
    app = await buildApp(runtime);
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await runtime.close();
    await deleteKeys(`${prefix}:*`);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('redacts keys in the query string, the header and the config', async () => {
    await app.inject({ method: 'GET', url: '/v1/datasets?api_key=query-secret&limit=5' });
    await app.inject({
      method: 'GET',
      url: '/v1/datasets',
      headers: { authorization: 'Bearer the-real-key' },
    });
    await app.inject({ method: 'GET', url: '/v1/datasets?token=tok-secret' });
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
