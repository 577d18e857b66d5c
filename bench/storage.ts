/**
 * file:// against s3:// (s3rver on 127.0.0.1, the same server the tests use), same run, same
 * in-process API and a real worker (trainer child process per job):
 *
 * - a training job's time, from POST /v1/jobs to `completed` (the worker downloads the dataset
 *   into its cache on s3://, and uploads the model and commits it);
 * - a model's predict cold start: a fresh API instance (on s3:// with an empty DATA_DIR, so the
 *   model is downloaded first) answering its first predict, inference pool start included.
 *
 *   npx tsx bench/storage.ts [--json]        or   BENCH_ONLY=storage npm run bench
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import S3rver from 's3rver';
import { loadConfig, type Config } from '../src/config/env.js';
import { buildApp } from '../src/http/app.js';
import { createAppDeps, type OwnedAppDeps } from '../src/http/app-deps.js';
import { startWorker } from '../src/queue/worker.js';

export interface StorageBenchRow {
  store: 'file' | 's3';
  trainMs: number;
  coldPredictMs: number;
  warmPredictMs: number;
  /** Mean of WARM_REQUESTS warm predicts by the model's name (each resolves the newest version). */
  warmByNameMs: number;
  /** Requests the object store received per warm predict (by id and by name together). */
  storeRequestsPerWarmPredict: number;
}

const WARM_REQUESTS = 20;

export interface StorageBenchResult {
  rows: StorageBenchRow[];
  job: string;
  trials: number;
}

const FEATURES = 16;
const MODEL_NAME = 'bench-points';
const ROWS = 600;

function csv(): string {
  const head = [...Array.from({ length: FEATURES }, (_, i) => `f${i}`), 'label'].join(',');
  const lines = [head];
  for (let r = 0; r < ROWS; r++) {
    const c = r % 3;
    const f = Array.from({ length: FEATURES }, (_, k) =>
      (((r * 31 + k * 17) % 100) / 100 + (k % 3 === c ? 1 : 0)).toFixed(3),
    );
    lines.push(`${f.join(',')},c${c}`);
  }
  return lines.join('\n') + '\n';
}

const SPEC = {
  head: [
    { type: 'dense', units: 256, activation: 'relu' },
    { type: 'dense', units: 256, activation: 'relu' },
  ],
  fit: { epochs: 3, batchSize: 32 },
  seed: 1,
};

async function instance(
  env: Record<string, string>,
): Promise<{ app: FastifyInstance; runtime: OwnedAppDeps; config: Config }> {
  const config = loadConfig(env);
  const runtime = await createAppDeps(config, pino({ level: 'silent' }));
  await runtime.backend();
  const app = await buildApp(runtime);
  await app.ready();
  return { app, runtime, config };
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const v = await fn();
  return [v, performance.now() - t];
}

export async function benchStorage(
  opts: { log?: (l: string) => void; trials?: number } = {},
): Promise<StorageBenchResult> {
  const log = opts.log ?? (() => undefined);
  const trials = opts.trials ?? 2;
  const root = await mkdtemp(path.join(os.tmpdir(), 'bench-storage-'));
  const s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: path.join(root, 's3rver'),
    configureBuckets: [{ name: 'bench' }],
  });
  // Count the server's requests: a warm predict should send none.
  let s3Requests = 0;
  (
    s3 as unknown as { middleware: Array<(ctx: unknown, next: () => Promise<void>) => unknown> }
  ).middleware.unshift((_ctx, next) => {
    s3Requests++;
    return next();
  });
  const { port } = await s3.run();
  // The SDK's credential chain reads the process environment (the worker's trainers inherit it).
  process.env['AWS_ACCESS_KEY_ID'] = 'S3RVER';
  process.env['AWS_SECRET_ACCESS_KEY'] = 'S3RVER';
  const rows: StorageBenchRow[] = [];
  try {
    for (const store of ['file', 's3'] as const) {
      const prefix = `bench-${store}-${Date.now().toString(36)}`;
      const shared: Record<string, string> = {
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        QUEUE_PREFIX: prefix,
        JOB_ATTEMPTS: '1',
        ...(store === 's3'
          ? {
              STORAGE_URL: `s3://bench/${prefix}`,
              S3_ENDPOINT: `http://127.0.0.1:${port}`,
              S3_FORCE_PATH_STYLE: 'true',
            }
          : { STORAGE_URL: pathToFileURL(path.join(root, 'file-store')).href }),
      };
      const env = (dir: string): Record<string, string> => ({ ...shared, DATA_DIR: path.join(root, dir) });
      const api = await instance(env(`${store}-api`));
      const worker = startWorker(
        loadConfig(env(`${store}-worker`)),
        pino({ level: 'silent' }),
        prefix,
        process.env,
      );
      try {
        const up = await api.app.inject({
          method: 'POST',
          url: '/v1/datasets',
          ...multipartCsv(csv()),
        });
        if (up.statusCode !== 201) throw new Error(`upload: ${up.statusCode} ${up.body}`);
        const datasetId = up.json<{ id: string }>().id;
        // One warm-up job (trainer start, backend), then the measured ones.
        let modelId = '';
        const jobMs: number[] = [];
        for (let t = 0; t <= trials; t++) {
          const [id, ms] = await timed(async () => {
            const post = await api.app.inject({
              method: 'POST',
              url: '/v1/jobs',
              payload: { datasetId, modelName: MODEL_NAME, ...SPEC },
            });
            const jobId = post.json<{ id: string }>().id;
            for (;;) {
              const j = (await api.app.inject({ method: 'GET', url: `/v1/jobs/${jobId}` })).json<{
                state: string;
                modelId?: string;
                error?: string;
              }>();
              if (j.state === 'completed') return j.modelId!;
              if (j.state === 'failed') throw new Error(`job failed: ${j.error ?? ''}`);
              await new Promise((r) => setTimeout(r, 25));
            }
          });
          modelId = id;
          if (t > 0) jobMs.push(ms);
          log(`${store}: job ${t === 0 ? '(warm-up)' : t} ${Math.round(ms)} ms`);
        }
        const body = { instances: [Array.from({ length: FEATURES }, () => 0.5)] };
        const cold: number[] = [];
        const warm: number[] = [];
        const warmByName: number[] = [];
        const perWarm: number[] = [];
        for (let t = 0; t < trials; t++) {
          const fresh = await instance(env(`${store}-api-cold-${t}`));
          try {
            const predict = () =>
              fresh.app.inject({ method: 'POST', url: `/v1/models/${modelId}/predict`, payload: body });
            const [first, coldMs] = await timed(predict);
            if (first.statusCode !== 200) throw new Error(`predict: ${first.statusCode} ${first.body}`);
            const byName = () =>
              fresh.app.inject({ method: 'POST', url: `/v1/models/${MODEL_NAME}/predict`, payload: body });
            await byName();
            const requestsBefore = s3Requests;
            const [, warmMs] = await timed(async () => {
              for (let i = 0; i < WARM_REQUESTS; i++) await predict();
            });
            const [, nameMs] = await timed(async () => {
              for (let i = 0; i < WARM_REQUESTS; i++) await byName();
            });
            perWarm.push((s3Requests - requestsBefore) / (2 * WARM_REQUESTS));
            cold.push(coldMs);
            warm.push(warmMs / WARM_REQUESTS);
            warmByName.push(nameMs / WARM_REQUESTS);
            log(
              `${store}: predict cold ${Math.round(coldMs)} ms, warm ${(warmMs / WARM_REQUESTS).toFixed(1)} ms by id, ` +
                `${(nameMs / WARM_REQUESTS).toFixed(1)} ms by name`,
            );
          } finally {
            await fresh.app.close();
            await fresh.runtime.close();
          }
        }
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        rows.push({
          store,
          trainMs: mean(jobMs),
          coldPredictMs: mean(cold),
          warmPredictMs: mean(warm),
          warmByNameMs: mean(warmByName),
          storeRequestsPerWarmPredict: store === 's3' ? mean(perWarm) : 0,
        });
      } finally {
        await worker.close(10_000);
        await api.app.close();
        await api.runtime.close();
      }
    }
  } finally {
    await s3.close();
    delete process.env['AWS_ACCESS_KEY_ID'];
    delete process.env['AWS_SECRET_ACCESS_KEY'];
    await rm(root, { recursive: true, force: true });
  }
  return {
    rows,
    trials,
    job: `tabular, ${ROWS} rows x ${FEATURES} features, dense 256-256 head (${16 * 256 + 256 + 256 * 256 + 256 + 256 * 3 + 3} params), ${SPEC.fit.epochs} epochs`,
  };
}

function multipartCsv(text: string): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----bench${Date.now()}`;
  const payload = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="points.csv"\r\nContent-Type: text/csv\r\n\r\n`,
    ),
    Buffer.from(text),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await benchStorage({ log: (l) => console.log(`  ${l}`) });
  console.log(process.argv.includes('--json') ? JSON.stringify(r) : r);
  process.exit(0);
}
