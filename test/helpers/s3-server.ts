import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { newId } from '../../src/lib/ids.js';

/**
 * A real S3-protocol server for the tests: s3rver (Node, no binary to download, speaks the
 * REST API with SigV4 auth, multipart uploads and DeleteObjects), on 127.0.0.1 with its own
 * folder. It ignores `If-None-Match: *` on PUT, so the stores' Redis claims are what keeps
 * creates exclusive here.
 */
export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** Env for a process using it (s3rver's fixed credentials). */
  env: Record<string, string>;
  credentials: { accessKeyId: string; secretAccessKey: string };
  close(): Promise<void>;
}

export async function startS3(): Promise<TestS3> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 's3rver-'));
  const bucket = 'tls-test';
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  return {
    endpoint,
    bucket,
    credentials,
    env: {
      S3_ENDPOINT: endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** A fresh prefix per test, so tests sharing one server never see each other's entries. */
export function s3Url(s3: TestS3): string {
  return `s3://${s3.bucket}/${newId('job').replace(/_/g, '-')}`;
}
