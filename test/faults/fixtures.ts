import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { saveModelToDir } from '../../src/ml/model-io.js';
import { waitFor } from '../helpers/app.js';
import { multipart } from '../helpers/multipart.js';
import { freePort } from '../helpers/redis-server.js';

/** A small numeric table with two separable classes: trains in seconds on any backend. */
export function pointsCsv(rows: number): string {
  const lines = ['f1,f2,f3,f4,label'];
  for (let i = 0; i < rows; i++) {
    const c = i % 2 === 0 ? -1 : 1;
    const f = [c, c, -c, -c].map((v, k) => v + ((i * 7 + k * 3) % 10) / 25);
    lines.push(`${f.map((v) => v.toFixed(3)).join(',')},${c < 0 ? 'low' : 'high'}`);
  }
  return lines.join('\n') + '\n';
}

export function jobSpec(datasetId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    datasetId,
    head: [{ type: 'dense', units: 4 }],
    compile: { learningRate: 0.05 },
    fit: { epochs: 2, batchSize: 16 },
    evaluation: { method: 'holdout' },
    ...extra,
  };
}

export async function uploadCsv(base: string, rows = 60, name = 'points'): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([pointsCsv(rows)]), `${name}.csv`);
  form.append('name', name);
  return fetch(`${base}/v1/datasets`, { method: 'POST', body: form });
}

export async function postJob(base: string, spec: Record<string, unknown>): Promise<Response> {
  return fetch(`${base}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(spec),
  });
}

export interface JobView {
  id: string;
  state: string;
  modelId?: string;
  error?: string;
  attempts?: number;
}

export async function getJob(base: string, id: string): Promise<JobView | undefined> {
  const r = await fetch(`${base}/v1/jobs/${id}`).catch(() => undefined);
  return r?.status === 200 ? ((await r.json()) as JobView) : undefined;
}

/** Polls the job until it ends (completed, failed or cancelled); tolerates an API that is down. */
export async function jobEnd(base: string, id: string, timeoutMs = 240_000): Promise<JobView> {
  return waitFor(
    async () => {
      const j = await getJob(base, id);
      return j && ['completed', 'failed', 'cancelled'].includes(j.state) ? j : undefined;
    },
    timeoutMs,
    200,
  );
}

export async function predict(base: string, modelId: string): Promise<Response> {
  return fetch(`${base}/v1/models/${modelId}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances: [[-1, -1, 1, 1]] }),
  });
}

/**
 * A redis-server of this test's own on a free port, persisted as the compose file runs it
 * (append-only, fsync every second), that can be killed with SIGKILL and started again on the
 * same port and folder.
 */
export async function killableRedis(): Promise<{
  url: string;
  start(): Promise<void>;
  kill(): Promise<void>;
  close(): Promise<void>;
}> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fault-redis-'));
  let child: ChildProcess | undefined;
  const pong = () =>
    spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG';
  const kill = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--appendonly',
          'yes',
          '--appendfsync',
          'everysec',
          '--save',
          '',
          '--maxmemory-policy',
          'noeviction',
          '--loglevel',
          'warning',
        ],
        { stdio: 'ignore' },
      );
      await waitFor(async () => pong(), 20_000, 50);
    },
    kill,
    async close() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Sends a multipart body in two halves: the first at once, the second only when `release`
 * resolves (never, for a client cut off by a killed server). Resolves with the status, or
 * undefined when the connection broke.
 */
export async function slowUpload(
  url: string,
  parts: Array<{ name: string; filename?: string; data: Buffer | string }>,
  release: Promise<void>,
): Promise<number | undefined> {
  const { payload, headers } = multipart(parts);
  return new Promise((resolve) => {
    const req = http.request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(payload.length) },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
    const half = Math.floor(payload.length / 2);
    req.write(payload.subarray(0, half));
    void release.then(() => req.end(payload.subarray(half)));
  });
}

/** An S3 server (s3rver) in a process of its own, killable and restartable on one port and folder. */
export async function killableS3(): Promise<{
  endpoint: string;
  bucket: string;
  dir: string;
  env: Record<string, string>;
  start(): Promise<void>;
  kill(): Promise<void>;
  close(): Promise<void>;
}> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fault-s3-'));
  const bucket = 'faults';
  const endpoint = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const kill = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
  };
  return {
    endpoint,
    bucket,
    dir,
    env: {
      S3_ENDPOINT: endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      STORAGE_URL: `s3://${bucket}/store`,
    },
    async start() {
      const c = spawn(
        process.execPath,
        ['--import', 'tsx', 'test/helpers/s3rver-child.ts', String(port), dir, bucket],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      child = c;
      await new Promise<void>((resolve, reject) => {
        let out = '';
        c.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('ready')) resolve();
        });
        c.once('exit', (code) => reject(new Error(`s3rver exited (${code}) before it was ready`)));
      });
    },
    kill,
    async close() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A base model's files (model.json + weights.bin) with about 4 MB of weights, so that copying it
 * into the store takes long enough to be caught in the middle.
 */
export async function denseBaseModel(): Promise<Array<{ name: string; filename: string; data: Buffer }>> {
  const input = tf.input({ shape: [4] });
  const h = tf.layers.dense({ units: 1000, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
  const h2 = tf.layers.dense({ units: 1000, activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2, activation: 'softmax' }).apply(h2) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'faults-model-'));
  try {
    await saveModelToDir(model, dir);
    return [
      { name: 'model.json', filename: 'model.json', data: await readFile(path.join(dir, 'model.json')) },
      { name: 'weights.bin', filename: 'weights.bin', data: await readFile(path.join(dir, 'weights.bin')) },
    ];
  } finally {
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}
