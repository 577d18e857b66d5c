import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStoreUnavailable } from '../../src/storage/store-errors.js';
import { closedPort } from '../helpers/base-model-fixtures.js';
import { startS3, type TestS3 } from '../helpers/s3-server.js';

/** Which S3 client errors mean "the store is unavailable" (503), on a real server and a closed port. */
describe('isStoreUnavailable', () => {
  let s3: TestS3;
  beforeAll(async () => {
    s3 = await startS3();
  });
  afterAll(async () => {
    await s3.close();
  });

  const client = (endpoint: string) =>
    new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      maxAttempts: 1,
    });

  it('is true for a store that refuses connections', async () => {
    const c = client(`http://127.0.0.1:${await closedPort()}`);
    const err = await c.send(new ListObjectsV2Command({ Bucket: 'b' })).catch((e: unknown) => e);
    c.destroy();
    expect(isStoreUnavailable(err)).toBe(true);
    expect(isStoreUnavailable(new Error('wrapped', { cause: err }))).toBe(true);
  });

  it("is false for the store's refusals and for network errors of anything else", async () => {
    const c = client(s3.endpoint);
    const missing = await c
      .send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'no/such/key' }))
      .catch((e: unknown) => e);
    c.destroy();
    expect((missing as Error).name).toBe('NoSuchKey');
    expect(isStoreUnavailable(missing)).toBe(false);
    const plain = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(isStoreUnavailable(plain)).toBe(false);
    expect(isStoreUnavailable('ECONNREFUSED')).toBe(false);
  });
});
