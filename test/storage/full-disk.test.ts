import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readlink, rm, rmdir, writeFile } from 'node:fs/promises';
import nodeHttp from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskSpace } from '../../src/storage/free-space.js';
import { api, type Api } from '../helpers/api.js';
import { buildTestApp, waitFor, type TestContext } from '../helpers/app.js';
import { startServer, staticFiles, tinyImageModel } from '../helpers/base-model-fixtures.js';

/**
 * DATA_DIR on a real 30 MiB volume (tmpfs), filled up on purpose: uploads refused before they
 * are read, uploads and a job's model save that run out of room on the way, health that says so,
 * and recovery once space is freed. Needs root (mount); skipped, saying why, where not allowed.
 */

const MiB = 1024 * 1024;

async function mountTmpfs(): Promise<{ dir?: string; why?: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'full-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=30m', 'tmpfs', dir], { stdio: 'pipe' });
    return { dir };
  } catch (err) {
    await rmdir(dir).catch(() => undefined);
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { why: `mounting a 30 MiB tmpfs is not permitted here (${why}); run as root to test a full disk` };
  }
}

const mounted = await mountTmpfs();
if (mounted.why) console.warn(`full-disk tests skipped: ${mounted.why}`);

/** A two-class CSV of `rows` rows: a dataset that trains in a second. */
function csv(rows: number): string {
  const lines = ['a,b,label'];
  for (let i = 0; i < rows; i++) {
    const c = i % 2;
    lines.push(`${(c ? 1 : -1) + (i % 7) / 20},${(c ? -1 : 1) + (i % 5) / 20},${c ? 'yes' : 'no'}`);
  }
  return lines.join('\n') + '\n';
}

interface Line {
  level: number;
  msg: string;
  component?: string;
}

describe.skipIf(!mounted.dir)('a full DATA_DIR volume (tmpfs, 30 MiB)', () => {
  const dataDir = mounted.dir as string;
  const filler = path.join(dataDir, 'filler.bin');
  const lines: Line[] = [];
  let ctx: TestContext;
  let http: Api;

  /** Fills the volume until `leave` bytes are free (the filler file is the only thing grown). */
  async function fillLeaving(leave: number): Promise<void> {
    await rm(filler, { force: true });
    const { freeBytes } = await diskSpace(dataDir);
    await writeFile(filler, Buffer.alloc(Math.max(0, freeBytes - leave)));
  }
  const free = () => rm(filler, { force: true });
  const staging = async () => readdir(path.join(dataDir, '.tmp'));
  /** Files under DATA_DIR this process still holds open (a deleted one keeps its space used). */
  const openUnderDataDir = async () => {
    const fds = await readdir('/proc/self/fd');
    const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
    return targets.filter((t) => t.startsWith(dataDir + '/'));
  };

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Line);
        done();
      },
    });
    ctx = await buildTestApp(
      {
        DATA_DIR: dataDir,
        LOG_LEVEL: 'info',
        TFJS_BACKEND: 'cpu',
        JOB_ATTEMPTS: '3',
        JOB_BACKOFF_MS: '50',
        DISK_MIN_FREE_BYTES: String(8 * MiB),
        DISK_MIN_FREE_PERCENT: '0',
        ALLOW_PRIVATE_URLS: 'true',
      },
      { logger: (config) => pino({ level: config.LOG_LEVEL }, sink) },
    );
    http = api(ctx);
    ctx.startWorker({ WORKER_CONCURRENCY: '1' });
  });

  afterAll(async () => {
    await ctx?.close();
    // A trainer process that answered may take a moment to exit and release the volume.
    await waitFor(
      async () => {
        try {
          execFileSync('umount', [dataDir], { stdio: 'pipe' });
          return true;
        } catch {
          return false;
        }
      },
      30_000,
      200,
    ).catch(() => execFileSync('umount', ['-l', dataDir]));
    await rmdir(dataDir);
  }, 60_000);

  it('refuses an upload larger than the free space before reading it: 507 with bytes needed and free', async () => {
    await fillLeaving(2 * MiB);
    const res = await http.form('/v1/datasets', [{ name: 'file', filename: 'big.csv', data: csv(200_000) }]);
    expect(res.status).toBe(507);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({
      type: 'urn:transfer-learning:problem:insufficient-storage',
      status: 507,
      bytesNeeded: expect.any(Number),
      bytesFree: expect.any(Number),
    });
    expect(res.body.bytesNeeded).toBeGreaterThan(res.body.bytesFree);
    expect(res.body.detail).toMatch(/the dataset upload could not be stored/);
    expect(res.body.detail).toMatch(/free space/);
    expect(await staging()).toEqual([]);

    const base = await http.form('/v1/base-models', [
      { name: 'files', filename: 'model.json', data: '{"modelTopology":{}}' },
      { name: 'files', filename: 'group1-shard1of1.bin', data: Buffer.alloc(3 * MiB) },
    ]);
    expect(base.status).toBe(507);
    expect(base.body.detail).toMatch(/the base model upload could not be stored/);
    expect(base.body.bytesNeeded).toBeGreaterThan(3 * MiB);
    expect((await http.get('/v1/base-models')).body.total).toBe(0);
  });

  it('answers 507 for an upload of unknown length that fills the volume, and leaves nothing behind', async () => {
    await fillLeaving(1 * MiB);
    const body = csv(100_000); // about 2.5 MiB
    const boundary = 'fullDiskBoundary';
    // A real socket: the body goes out chunked, with no Content-Length, as a streaming client sends it.
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = ctx.app.server.address() as AddressInfo;
    const res = await new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const req = nodeHttp.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/v1/datasets',
          agent: false,
          headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, connection: 'close' },
        },
        (r) => {
          let text = '';
          r.setEncoding('utf8');
          r.on('data', (c: string) => (text += c));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      // No Content-Length: Node sends the body chunked, so its size is unknown up front.
      req.write(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="d.csv"\r\n` +
          'Content-Type: text/csv\r\n\r\n',
      );
      for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.slice(i, i + 64 * 1024));
      req.end(`\r\n--${boundary}--\r\n`);
    });
    expect(res.status).toBe(507);
    expect(res.body['detail']).toMatch(
      /the dataset upload could not be stored: the volume of DATA_DIR is full/,
    );
    expect(res.body['bytesFree']).toEqual(expect.any(Number));
    expect(await staging()).toEqual([]);
    expect((await http.get('/v1/datasets')).body.total).toBe(0);
  });

  it('answers 507 for a base model by URL whose download fills the volume, and keeps nothing of it', async () => {
    const tiny = await tinyImageModel([32, 32, 3]);
    const files = await staticFiles(tiny.dir, '/m/');
    // A shard larger than the room left: the download stops where the volume fills.
    files.set('/m/weights.bin', Buffer.concat([tiny.weights, Buffer.alloc(3 * MiB)]));
    const server = await startServer((req, res) => {
      const body = files.get(req.url ?? '');
      res.writeHead(body ? 200 : 404, body ? { 'content-length': body.length } : {});
      res.end(body);
    });
    try {
      await fillLeaving(1 * MiB);
      const res = await http.post('/v1/base-models', { url: `${server.origin}/m/model.json` });
      expect(res.status).toBe(507);
      expect(res.body.detail).toMatch(/the base model could not be stored: the volume of DATA_DIR is full/);
      expect(res.body.bytesFree).toEqual(expect.any(Number));
      expect((await http.get('/v1/base-models')).body.total).toBe(0);
      expect(await staging()).toEqual([]);
    } finally {
      await server.close();
      await rm(tiny.dir, { recursive: true, force: true });
    }
  });

  it('says degraded on /readyz, shows free and used bytes in /metrics, and warns once per crossing', async () => {
    await fillLeaving(4 * MiB);
    for (let i = 0; i < 3; i++) {
      const ready = await http.get('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('degraded');
      expect(ready.body.disk).toMatchObject({ low: true, minFreeBytes: 8 * MiB });
      expect(ready.body.disk.freeBytes).toBeLessThan(5 * MiB);
      expect(ready.body.checks.disk.ok).toBe(false);
      expect(ready.body.checks.disk.detail).toMatch(/below the floor of DISK_MIN_FREE_BYTES/);
    }
    const metrics = (await http.get('/metrics')).text;
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(gauge('data_dir_free_bytes')).toBeLessThan(5 * MiB);
    expect(gauge('data_dir_used_bytes')).toBeGreaterThan(25 * MiB);
    expect(gauge('data_dir_total_bytes')).toBe(30 * MiB);
    expect(gauge('data_dir_low_space')).toBe(1);
    // The API's warnings (the worker watches its own DATA_DIR on a timer of its own).
    const warnings = () =>
      lines.filter((l) => l.component !== 'worker' && l.level === 40 && /low on free space/.test(l.msg))
        .length;
    expect(warnings()).toBe(1);

    await free();
    const ready = await http.get('/readyz');
    expect(ready.body.status).toBe('ready');
    expect(ready.body.disk.low).toBe(false);
    expect(lines.some((l) => /enough free space again/.test(l.msg))).toBe(true);
    await fillLeaving(4 * MiB);
    await http.get('/readyz');
    await http.get('/readyz');
    expect(warnings()).toBe(2);
  });

  it('fails a job whose model save meets a full volume at once, without retry, saying what to do; then recovers', async () => {
    await free();
    const ds = await http.uploadDataset(Buffer.from(csv(64)), 'd.csv'); // expects 201
    const spec = {
      datasetId: ds.id,
      head: [{ type: 'dense', units: 4 }],
      fit: { epochs: 2, batchSize: 16 },
      evaluation: { method: 'holdout' },
    };
    await fillLeaving(4096);
    const job = await http.createJob(spec); // expects 202
    const end = await http.waitForJob(job.id, { timeoutMs: 120_000 });
    expect(end.state).toBe('failed');
    expect(end.attempts).toBe(1);
    expect(end.failure).toMatchObject({ attempt: 1, maxAttempts: 3, retried: false });
    expect(end.error).toMatch(/could not be stored: the volume of DATA_DIR is full/);
    expect(end.error).toMatch(/free space \(delete datasets, base models or models/);
    expect(end.error).not.toMatch(/ENOSPC/);
    expect((await http.get('/v1/models')).body.total).toBe(0);
    expect(await staging()).toEqual([]);

    // Space freed: the same job spec trains and its model is stored.
    await free();
    const again = await http.post('/v1/jobs', spec);
    const done = await http.waitForJob(again.body.id, { timeoutMs: 120_000 });
    expect(done.error).toBeUndefined();
    expect(done.state).toBe('completed');
    expect((await http.get(`/v1/models/${done.modelId}`)).status).toBe(200);
    const upload = await http.form('/v1/datasets', [{ name: 'file', filename: 'd2.csv', data: csv(64) }]);
    expect(upload.status).toBe(201);
    // Nothing staged stays open: deleted staging files would hold their space until GC.
    expect(await openUnderDataDir()).toEqual([]);
  }, 240_000);
});
