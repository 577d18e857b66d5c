import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import { RedisGuard } from '../../src/queue/redis-guard.js';
import { S3Store } from '../../src/storage/s3-store.js';
import { Redis } from 'ioredis';
import { REDIS_URL, deleteKeys, waitFor } from '../helpers/app.js';
import { s3Url, startS3, type TestS3 } from '../helpers/s3-server.js';

/**
 * A writer killed with SIGKILL in the middle of its upload (no chance to clean up) leaves no
 * visible entry on s3://, and the sweep removes the objects it left once past the grace period.
 */
describe('a writer killed mid-upload', () => {
  let s3: TestS3;
  let root: string;
  let redis: Redis;
  const prefix = `test-${randomBytes(5).toString('hex')}`;
  beforeAll(async () => {
    s3 = await startS3();
    root = await mkdtemp(path.join(os.tmpdir(), 'killed-writer-'));
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    redis.disconnect();
    await deleteKeys(`${prefix}:*`);
    await s3.close();
    await rm(root, { recursive: true, force: true });
  });

  it('leaves nothing visible, and nothing after the sweep', async () => {
    const url = s3Url(s3);
    const id = newId('model');
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/s3-save-child.ts', id], {
      env: {
        ...process.env,
        ...s3.env,
        STORAGE_URL: url,
        DATA_DIR: path.join(root, 'writer'),
        REDIS_URL,
        QUEUE_PREFIX: prefix,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((r) => child.on('exit', r));
    const reader = new S3Store({
      url,
      dataDir: path.join(root, 'reader'),
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: s3.credentials,
      cacheMaxBytes: 1 << 30,
      guard: new RedisGuard(redis, prefix),
    });
    const objects = async () => (await reader.listAll(reader.prefix + '/')).map((o) => o.Key as string);
    // Kill it as soon as its first objects land, mid-upload.
    await waitFor(async () => (await objects()).length > 0, 60_000, 10);
    child.kill('SIGKILL');
    await exited;
    expect(out).not.toMatch(/published/);

    const models = reader.collection('models');
    const left = await objects();
    expect(left.length).toBeGreaterThan(0);
    expect(left.every((k) => k.includes(`/models/${id}/`))).toBe(true); // no commit object
    expect(await models.exists(id)).toBe(false);
    expect(await models.ids()).toEqual([]);
    expect(await models.list('meta.json')).toEqual([]);
    await expect(models.local(id)).rejects.toMatchObject({ name: 'NotFoundError' });

    // A process starting later sweeps it once past the grace period (here: none).
    await new Promise((r) => setTimeout(r, 1100)); // S3 timestamps have a resolution of 1 s
    await reader.init(0);
    expect(await objects()).toEqual([]);
    reader.close();
  }, 90_000);
});
