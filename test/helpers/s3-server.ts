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
  /** Every request the server received, in order (method and path), for tests that count them. */
  requests: Array<{ method: string; path: string }>;
  /**
   * When set, a request it returns an error for is answered with that S3 error (code, status)
   * instead of being served: how a test meets answers s3rver never gives (MinIO's 507
   * XMinioStorageFull, a quota).
   */
  failWith?:
    ((req: { method: string; path: string }) => { code: string; status: number } | undefined) | undefined;
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
  const requests: TestS3['requests'] = [];
  // s3rver is a Koa app: a middleware put first sees (and may answer) every request.
  const koa = server as unknown as {
    middleware: Array<(ctx: KoaContext, next: () => Promise<void>) => unknown>;
  };
  koa.middleware.unshift(async (ctx, next) => {
    const req = { method: ctx.method, path: ctx.path };
    requests.push(req);
    const fail = handle.failWith?.(req);
    if (!fail) return next();
    ctx.status = fail.status;
    ctx.set('content-type', 'application/xml');
    ctx.body =
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<Error><Code>${fail.code}</Code><Message>${fail.code}</Message><Resource>${req.path}</Resource></Error>`;
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const handle: TestS3 = {
    requests,
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
  return handle;
}

interface KoaContext {
  method: string;
  path: string;
  status: number;
  body: unknown;
  set(name: string, value: string): void;
}

/** A fresh prefix per test, so tests sharing one server never see each other's entries. */
export function s3Url(s3: TestS3): string {
  return `s3://${s3.bucket}/${newId('job').replace(/_/g, '-')}`;
}
