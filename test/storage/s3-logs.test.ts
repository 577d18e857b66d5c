import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { buildApp } from '../../src/http/app.js';
import { createAppDeps, type OwnedAppDeps } from '../../src/http/app-deps.js';
import { api } from '../helpers/api.js';
import { REDIS_URL, deleteKeys } from '../helpers/app.js';
import { captureLogs } from '../helpers/log-capture.js';
import { s3Url, startS3, type TestS3 } from '../helpers/s3-server.js';

/** AWS credentials never reach a log line: not the store's, not an env dump's, not an error's. */
describe('an API on s3:// logs no credentials', () => {
  const { logger, lines } = captureLogs('debug');
  const prefix = `test-${randomBytes(5).toString('hex')}`;
  let s3: TestS3;
  let dataDir: string;
  let runtime: OwnedAppDeps;
  let app: Awaited<ReturnType<typeof buildApp>>;

  beforeAll(async () => {
    s3 = await startS3();
    process.env['AWS_ACCESS_KEY_ID'] = s3.credentials.accessKeyId;
    process.env['AWS_SECRET_ACCESS_KEY'] = s3.credentials.secretAccessKey;
    dataDir = await mkdtemp(path.join(os.tmpdir(), 's3-logs-'));
    const config = loadConfig({
      ...s3.env,
      NODE_ENV: 'test',
      REDIS_URL,
      DATA_DIR: dataDir,
      QUEUE_PREFIX: prefix,
      STORAGE_URL: s3Url(s3),
    });
    runtime = await createAppDeps(config, logger);
    app = await buildApp(runtime);
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await runtime.close();
    delete process.env['AWS_ACCESS_KEY_ID'];
    delete process.env['AWS_SECRET_ACCESS_KEY'];
    await s3.close();
    await deleteKeys(`${prefix}:*`);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('stores through the bucket and keeps the keys out of every line', async () => {
    const http = api(app);
    const up = await http.form('/v1/datasets', [
      { name: 'file', filename: 'p.csv', data: 'a,b,label\n1,2,x\n2,1,y\n1,1,x\n2,2,y\n' },
    ]);
    expect(up.status).toBe(201);
    expect((await http.get(`/v1/datasets/${up.body.id}`)).status).toBe(200);
    // Whatever a careless call might log: an env dump, an SDK client's config, an error.
    logger.info({ env: { ...process.env } }, 'env');
    logger.info({ client: { credentials: { ...s3.credentials } }, secretAccessKey: 'x' }, 'client');
    const log = lines.join('');
    expect(log).toContain('store ready');
    expect(log).toContain('s3://');
    expect(log).not.toContain(s3.credentials.secretAccessKey);
  });
});
