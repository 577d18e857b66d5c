import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { buildApp } from '../../src/http/app.js';
import { createAppDeps } from '../../src/http/app-deps.js';
import { api } from '../helpers/api.js';
import { REDIS_URL, deleteKeys, waitFor } from '../helpers/app.js';
import { killableS3 } from '../faults/fixtures.js';
import { captureLogs } from '../helpers/log-capture.js';

/**
 * An object store killed and started again: the test double recovers like S3 (a cut-short PUT
 * leaves nothing), and an API that starts while the store is down comes up, says it is not ready,
 * and is ready once the store answers.
 */
describe('an object store killed and started again', () => {
  let s3: Awaited<ReturnType<typeof killableS3>>;
  let client: S3Client;

  beforeAll(async () => {
    s3 = await killableS3();
    await s3.start();
    client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      maxAttempts: 1,
    });
  }, 60_000);
  afterAll(async () => {
    client?.destroy();
    await s3?.close();
  });

  const list = async () =>
    ((await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'r/' }))).Contents ?? []).map(
      (o) => o.Key,
    );

  it('drops a PUT whose metadata a kill cut short, which s3rver itself would answer LISTs with 500 for', async () => {
    for (const key of ['r/kept', 'r/cut'])
      await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: `body of ${key}` }));
    const metadata = path.join(s3.dir, s3.bucket, 'r', 'cut._S3rver_metadata.json');
    const json = await readFile(metadata, 'utf8');
    await writeFile(metadata, json.slice(0, Math.floor(json.length / 2)));
    // The state a SIGKILL mid-write leaves, as s3rver serves it.
    await expect(list()).rejects.toMatchObject({ name: 'InternalError' });
    await s3.kill();
    await s3.start();
    expect(await list()).toEqual(['r/kept']);
  }, 60_000);

  it('lets an API start while it is down: not ready, then ready once it answers', async () => {
    const prefix = `test-${randomBytes(5).toString('hex')}`;
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'store-down-'));
    const { logger, lines } = captureLogs('info');

    // The SDK reads credentials from the environment, as in a deployment.
    process.env['AWS_ACCESS_KEY_ID'] = s3.env['AWS_ACCESS_KEY_ID'];
    process.env['AWS_SECRET_ACCESS_KEY'] = s3.env['AWS_SECRET_ACCESS_KEY'];
    await s3.kill();
    const runtime = await createAppDeps(
      loadConfig({ ...s3.env, NODE_ENV: 'test', REDIS_URL, DATA_DIR: dataDir, QUEUE_PREFIX: prefix }),
      logger,
    );
    const app = await buildApp(runtime);
    try {
      expect(lines.join('')).toContain('object store failing at start');
      const down = await api(app).get('/readyz');
      expect(down.status).toBe(503);
      expect(down.body.detail).toMatch(/stor/i);
      await s3.start();
      await waitFor(async () => (await api(app).get('/readyz')).status === 200, 30_000);
    } finally {
      await app.close();
      await runtime.close();
      await deleteKeys(prefix);
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
