import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.js';
import type { TestContext } from '../helpers/app.js';
import { buildAppWithKeys } from '../helpers/keys-file.js';
import { s3Url, startS3, type TestS3 } from '../helpers/s3-server.js';

const A = 'key-team-a-on-s3-000001';
const B = 'key-team-b-on-s3-000001';

/**
 * Projects on an s3:// store (s3rver): a project's objects are written under
 * `<prefix>/projects/<name>/` of the bucket and trained there by the trainer process, the default
 * project's listing never sees them, and another project's key finds nothing.
 */
describe('projects on an s3:// store', () => {
  let s3: TestS3;
  let ctx: TestContext;

  beforeAll(async () => {
    s3 = await startS3();
    process.env['AWS_ACCESS_KEY_ID'] = s3.credentials.accessKeyId;
    process.env['AWS_SECRET_ACCESS_KEY'] = s3.credentials.secretAccessKey;
    ctx = await buildAppWithKeys(
      [
        { id: 'a', key: A, project: 'team-a', roles: ['admin'] },
        { id: 'b', key: B, project: 'team-b', roles: ['admin'] },
      ],
      { env: { STORAGE_URL: s3Url(s3), JOB_ATTEMPTS: '1', ...s3.env } },
    );
    ctx.startWorker();
  }, 60_000);
  afterAll(async () => {
    await ctx?.close();
    await s3?.close();
    delete process.env['AWS_ACCESS_KEY_ID'];
    delete process.env['AWS_SECRET_ACCESS_KEY'];
  });

  it("keeps each project's datasets and models under its own prefix of the bucket", async () => {
    const a = api(ctx, { key: A });
    const rows = Array.from(
      { length: 30 },
      (_, i) => `${i % 2},${(i % 2) * 2 + (i % 3) * 0.1},${i % 2 ? 'y' : 'n'}`,
    );
    const ds = await a.uploadDataset(Buffer.from(['f1,f2,label', ...rows].join('\n')), 'rows.csv');
    const { job } = await a.trainToEnd({
      datasetId: ds['id'],
      architecture: [{ type: 'dense', units: 4 }],
      evaluation: { method: 'holdout' },
      fit: { epochs: 2, batchSize: 8 },
      seed: 1,
    });
    const url = new URL(ctx.config.STORAGE_URL!);
    const bucket = url.hostname;
    const prefix = url.pathname.replace(/^\/+|\/+$/g, '');
    const client = new S3Client({
      region: 'us-east-1',
      forcePathStyle: true,
      endpoint: s3.env['S3_ENDPOINT'],
    });
    try {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      const keys = (listed.Contents ?? []).map((o) => o.Key ?? '');
      const mine = (id: string) => keys.filter((k) => k.includes(`/${id}/`));
      expect(mine(ds['id'] as string).length).toBeGreaterThan(0);
      expect(mine(job['modelId'] as string).length).toBeGreaterThan(0);
      for (const k of [...mine(ds['id'] as string), ...mine(job['modelId'] as string)]) {
        expect(k.startsWith(`${prefix ? prefix + '/' : ''}projects/team-a/`)).toBe(true);
      }
    } finally {
      client.destroy();
    }
    expect(await ctx.runtime.store.collection('datasets').exists(ds['id'] as string)).toBe(false);
    const b = api(ctx, { key: B });
    expect((await b.get(`/v1/models/${job['modelId']}`)).status).toBe(404);
    expect((await b.get('/v1/models')).body['items']).toEqual([]);
    expect((await a.get(`/v1/models/${job['modelId']}`)).status).toBe(200);
  }, 180_000);
});
