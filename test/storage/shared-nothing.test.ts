import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { S3Client, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, deleteKeys, waitFor } from '../helpers/app.js';
import { freePort } from '../helpers/redis-server.js';
import { s3Url, startS3, type TestS3 } from '../helpers/s3-server.js';

/**
 * Scale-out as deployed: an API, a worker and a second API, each its own process with its own
 * empty DATA_DIR, sharing nothing but Redis and an S3 bucket (s3rver). Everything a client does
 * works through either API.
 */

function csv(rows: number): string {
  const lines = ['f1,f2,f3,f4,label'];
  for (let i = 0; i < rows; i++) {
    const c = i % 2 === 0 ? -1 : 1;
    const f = [c, c, -c, -c].map((v, k) => v + ((i * 7 + k * 3) % 10) / 25);
    lines.push(`${f.map((v) => v.toFixed(3)).join(',')},${c < 0 ? 'low' : 'high'}`);
  }
  return lines.join('\n') + '\n';
}

interface Proc {
  child: ChildProcess;
  dataDir: string;
  output: () => string;
}

describe('processes sharing only Redis and a bucket', () => {
  let s3: TestS3;
  let url: string;
  const prefix = `test-${randomBytes(5).toString('hex')}`;
  const procs: Proc[] = [];
  let api1 = '';
  let api2 = '';

  async function start(env: Record<string, string>): Promise<Proc> {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'shared-nothing-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: {
        ...process.env,
        ...s3.env,
        LOG_LEVEL: 'warn',
        NODE_ENV: 'test',
        REDIS_URL,
        EMBEDDED_REDIS: 'false',
        QUEUE_PREFIX: prefix,
        STORAGE_URL: url,
        DATA_DIR: dataDir,
        JOB_ATTEMPTS: '1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const p = { child, dataDir, output: () => out };
    procs.push(p);
    return p;
  }

  // Real sockets (fetch) throughout: each API is a separate process, reached only over HTTP.
  const ready = (base: string) =>
    waitFor(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200, 60_000, 250);

  beforeAll(async () => {
    s3 = await startS3();
    url = s3Url(s3);
    const [p1, p2] = [await freePort(), await freePort()];
    api1 = `http://127.0.0.1:${p1}`;
    api2 = `http://127.0.0.1:${p2}`;
    await start({ ROLE: 'api', PORT: String(p1) });
    await start({ ROLE: 'worker' });
    await start({ ROLE: 'api', PORT: String(p2) });
    await Promise.all([ready(api1), ready(api2)]);
  }, 90_000);

  afterAll(async () => {
    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.all(
      procs.map((p) => new Promise((r) => (p.child.exitCode !== null ? r(null) : p.child.on('exit', r)))),
    );
    for (const p of procs) await rm(p.dataDir, { recursive: true, force: true });
    await deleteKeys(`${prefix}:*`);
    await s3.close();
  }, 60_000);

  it('uploads, trains, predicts by id and name, downloads and deletes across processes', async () => {
    const form = new FormData();
    form.append('file', new Blob([csv(60)]), 'points.csv');
    const up = await fetch(`${api1}/v1/datasets`, { method: 'POST', body: form });
    expect(up.status).toBe(201);
    const ds = (await up.json()) as { id: string };

    // The other API sees it at once: it lives in the bucket, not on API 1's disk.
    const listed = (await (await fetch(`${api2}/v1/datasets`)).json()) as { items: Array<{ id: string }> };
    expect(listed.items.map((d) => d.id)).toEqual([ds.id]);

    const spec = {
      datasetId: ds.id,
      head: [{ type: 'dense', units: 4 }],
      compile: { learningRate: 0.05 },
      fit: { epochs: 2, batchSize: 16 },
      modelName: 'points',
      evaluation: { method: 'holdout' },
    };
    const post = await fetch(`${api1}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(spec),
    });
    expect(post.status).toBe(202);
    const job = (await post.json()) as { id: string };
    // In use by a queued or running job: the other API refuses the delete (the check is in Redis).
    const busy = await fetch(`${api2}/v1/datasets/${ds.id}`, { method: 'DELETE' });
    expect(busy.status).toBe(409);

    const done = await waitFor(
      async () => {
        const j = (await (await fetch(`${api2}/v1/jobs/${job.id}`)).json()) as {
          state: string;
          modelId?: string;
        };
        return ['completed', 'failed'].includes(j.state) ? j : undefined;
      },
      120_000,
      200,
    );
    expect(done, procs[1]!.output()).toMatchObject({ state: 'completed' });
    const modelId = done.modelId!;

    const body = JSON.stringify({ instances: [[-1, -1, 1, 1]] });
    const headers = { 'content-type': 'application/json' };
    const byId = await fetch(`${api2}/v1/models/${modelId}/predict`, { method: 'POST', headers, body });
    expect(byId.status).toBe(200);
    const byName = await fetch(`${api1}/v1/models/points/predict`, { method: 'POST', headers, body });
    expect(byName.status).toBe(200);
    expect(await byName.json()).toEqual(await byId.json());
    const meta = (await (await fetch(`${api2}/v1/models/points`)).json()) as { id: string; version: number };
    expect(meta).toMatchObject({ id: modelId, version: 1 });

    const zip = await fetch(`${api2}/v1/models/${modelId}/download`);
    expect(zip.status).toBe(200);
    expect(
      Buffer.from(await zip.arrayBuffer())
        .subarray(0, 2)
        .toString(),
    ).toBe('PK');

    // Each process holds only what it downloaded, in its cache: no process needed another's disk.
    const cached = (p: Proc, c: string) => readdir(path.join(p.dataDir, 'cache', c)).catch(() => []);
    expect(await cached(procs[1]!, 'datasets')).toContain(ds.id);
    expect(await cached(procs[2]!, 'models')).toContain(modelId);

    expect((await fetch(`${api2}/v1/models/${modelId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${api1}/v1/models/${modelId}`)).status).toBe(404);
    expect((await fetch(`${api1}/v1/models/points/predict`, { method: 'POST', headers, body })).status).toBe(
      404,
    );
    expect((await fetch(`${api1}/v1/datasets/${ds.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${api2}/v1/datasets/${ds.id}`)).status).toBe(404);

    // Delete leaves no objects: only the version marker stays (numbers are never reissued).
    const client = new S3Client({
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: s3.credentials,
    });
    const keyPrefix = new URL(url).pathname.slice(1) + '/';
    const left = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: keyPrefix }));
    const keys = (left.Contents ?? []).map((o) => (o.Key ?? '').slice(keyPrefix.length));
    client.destroy();
    expect(keys).toEqual(['.model-versions/points/1']);
  }, 180_000);
});
