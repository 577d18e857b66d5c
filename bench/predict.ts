/**
 * Prediction serving throughput: 32 concurrent HTTP clients (autocannon) against the service,
 * compared with the raw in-process batched `model.predict` on the same model and backend, and
 * with the same server with dynamic batching off (PREDICT_MAX_BATCH=1). Target: the batched
 * server reaches at least 0.8 of raw throughput.
 *
 * Two image models: a CIFAR-sized CNN whose cost is in the convolutions (the usual case for
 * image models), and a light CNN whose cost is mostly per call, where batching matters most.
 * Clients send one 32x32 image per request as JSON { "instances": [{ "b64": ... }] }: a PNG
 * already at the model's size (decoded by sharp), and, in
 * the `batched-jpeg` case, a JPEG, which goes through sharp on libuv's pool.
 *
 * The load generator runs in a process of its own (bench/predict-load.ts), so it never shares
 * the server's event loop; the server logs at `info` (the production default) to /dev/null, so
 * the cost of its request logging is measured too.
 *
 * Besides wall-clock ratios, every row has CPU time per example (Linux): the server's event
 * loop, its inference worker, the rest of the server process (libuv's pool decoding images with
 * sharp, GC, log writes), the load generator, and how many cores other processes on the machine
 * took meanwhile. On a machine with few or busy cores the wall-clock ratio mostly measures who
 * else wanted the cores; `x raw CPU-bound` is the ratio where each server thread has a core.
 *
 *   npx tsx bench/predict.ts [--models cifar-cnn,light-cnn] [--cases batched,unbatched]
 *                            [--duration 8] [--raw 5] [--connections 32] [--json]
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import type { FastifyInstance } from 'fastify';
import { destination, pino, type Logger } from 'pino';
import sharp from 'sharp';
import { buildApp } from '../src/http/app.js';
import { loadConfig, type Config } from '../src/config/env.js';
import { loggerOptions } from '../src/lib/logger.js';
import { selectBackend } from '../src/ml/backend.js';
import { loadModelFromDir } from '../src/ml/model-io.js';
import { saveTrainedModel } from '../src/models/registry.js';
import { threadCpuMs } from '../src/serving/thread-cpu.js';
import { createAppDeps, type OwnedAppDeps } from '../src/http/app-deps.js';
import type { Store } from '../src/storage/store.js';
import { FsStore } from '../src/storage/fs-store.js';
import type { LoadRequest, LoadResult } from './predict-load.js';

export type ServerCase = 'batched' | 'unbatched' | 'batched-jpeg';

export interface PredictBenchOptions {
  connections?: number;
  /** Seconds of measured load per server case (after a 3 s warm-up). */
  durationSec?: number;
  /** Seconds of raw predict timing per model. */
  rawSec?: number;
  /** Subset of MODELS by name (all by default). */
  models?: string[];
  cases?: ServerCase[];
  /** Server log level; logs go to /dev/null. `info` is the production default. */
  logLevel?: string;
  log?: (line: string) => void;
}

export interface CpuPerExample {
  /** The server's event loop: HTTP, JSON, validation, batching, serialization, logging. */
  eventLoop: number;
  /** The inference worker(s): forward passes. */
  inference: number;
  /** The rest of the server process: libuv's pool (sharp decoding, log writes), GC threads. */
  otherServer: number;
  /** The load generator process. */
  loadGenerator: number;
}

export interface PredictBenchRow {
  model: string;
  case: string;
  /** Examples per second (one example per HTTP request in the server cases). */
  throughput: number;
  p50Ms: number;
  p99Ms: number;
  /** throughput / raw in-process throughput of the same model, same run. */
  ratioToRaw: number;
  /** CPU ms per example (NaN off Linux); for raw, `inference` is the one thread doing it all. */
  cpuMsPerExample: CpuPerExample;
  /**
   * Raw CPU per example / that of the busier server thread: the ratio the server reaches where
   * each of its threads has a core of its own.
   */
  ratioCpuBound: number;
  /** Cores used by processes other than this benchmark while the row was measured. */
  otherProcessCores: number;
  note: string;
}

export interface PredictBenchResult {
  name: string;
  backend: string;
  cores: number;
  rows: PredictBenchRow[];
}

export const SIZE = 32;
export const LABELS = Array.from({ length: 10 }, (_, i) => `class_${i}`);
const require = createRequire(import.meta.url);

/** Three conv blocks, global pooling, softmax over 10 classes. */
export function cnn(filters: number): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [SIZE, SIZE, 3],
        filters,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: filters * 2, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: filters * 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: LABELS.length, activation: 'softmax' }),
    ],
  });
}

export const MODELS = [
  { name: 'cifar-cnn', filters: 32, label: 'CNN 32-64-128 filters' },
  { name: 'light-cnn', filters: 8, label: 'CNN 8-16-32 filters' },
];

export async function noiseImages(n: number, format: 'png' | 'jpeg'): Promise<Buffer[]> {
  return Promise.all(
    Array.from({ length: n }, (_, k) => {
      const raw = Buffer.alloc(SIZE * SIZE * 3);
      for (let i = 0; i < raw.length; i++) raw[i] = (i * 31 + k * 97 + ((i * k) % 13)) & 255;
      const img = sharp(raw, { raw: { width: SIZE, height: SIZE, channels: 3 } });
      return (format === 'png' ? img.png() : img.jpeg({ quality: 90 })).toBuffer();
    }),
  );
}

async function requestBodies(format: 'png' | 'jpeg'): Promise<string[]> {
  return (await noiseImages(16, format)).map((img) =>
    JSON.stringify({ instances: [{ b64: img.toString('base64') }], topK: 3 }),
  );
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Busy CPU ms of the whole machine (all cores), from /proc/stat; NaN off Linux. */
function machineBusyMs(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const [, ...ticks] = line.trim().split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
    const busy = ticks.slice(0, 8).reduce((a, b, i) => (i === 3 || i === 4 ? a : a + (b ?? 0)), 0);
    return busy * 10; // USER_HZ = 100
  } catch {
    return NaN;
  }
}

function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Batches of `batch` through model.predict in this thread, back to back. */
async function rawPredict(
  dir: string,
  batch: number,
  seconds: number,
): Promise<{ throughput: number; p50: number; p99: number; cpuMsPerExample: number; others: number }> {
  const model = await loadModelFromDir(dir);
  const x = tf.randomUniform([batch, SIZE, SIZE, 3]);
  const run = () => tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
  for (let i = 0; i < 5; i++) run();
  const times: number[] = [];
  const cpu0 = threadCpuMs() ?? NaN;
  const proc0 = processCpuMs();
  const machine0 = machineBusyMs();
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const s = performance.now();
    run();
    times.push(performance.now() - s);
  }
  const elapsedMs = performance.now() - t0;
  const cpu = (threadCpuMs() ?? NaN) - cpu0;
  const others = (machineBusyMs() - machine0 - (processCpuMs() - proc0)) / elapsedMs;
  x.dispose();
  model.dispose();
  times.sort((a, b) => a - b);
  const examples = times.length * batch;
  return {
    throughput: examples / (elapsedMs / 1000),
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    cpuMsPerExample: cpu / examples,
    others,
  };
}

export async function serve(
  env: Record<string, string>,
  dataDir: string,
  logLevel: string,
): Promise<{ app: FastifyInstance; runtime: OwnedAppDeps; url: string; config: Config; logger: Logger }> {
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: logLevel,
    DATA_DIR: dataDir,
    QUEUE_PREFIX: `bench-${process.pid}`,
    ...env,
  });
  // As in production (pino's default stdout stream writes asynchronously), minus the terminal.
  const logger = pino(loggerOptions(logLevel), destination({ dest: '/dev/null', sync: false }));
  const runtime = await createAppDeps(config, logger);
  const app = await buildApp(runtime);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, runtime, url, config, logger };
}

/** Runs autocannon in a child process (bench/predict-load.ts) and returns its JSON result. */
export function load(req: LoadRequest): Promise<LoadResult> {
  const file = fileURLToPath(new URL('./predict-load.ts', import.meta.url));
  const child = fork(file, [], {
    execArgv: ['--import', pathToFileURL(require.resolve('tsx')).href],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    child.once('message', (m) => {
      settled = true;
      const msg = m as { ok: true; result: LoadResult } | { ok: false; error: string };
      if (msg.ok) resolve(msg.result);
      else reject(new Error(`load generator: ${msg.error}`));
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (!settled) reject(new Error(`load generator exited with code ${code} before reporting`));
    });
    child.send(req);
  });
}

interface Counters {
  batches: number;
  rows: number;
  forwardSec: number;
  loopCpuMs: number;
  workerCpuMs: number;
  processCpuMs: number;
  machineBusyMs: number;
  at: number;
}

async function counters(app: FastifyInstance): Promise<Counters> {
  const loopCpuMs = threadCpuMs() ?? NaN;
  const workerCpuMs = (await app.predictions.stats()).reduce((n, s) => n + (s.cpuMs ?? NaN), 0);
  const text = (await app.inject({ url: '/metrics' })).body;
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    batches: value('predict_batch_size_count'),
    rows: value('predict_batch_size_sum'),
    forwardSec: value('predict_forward_seconds_sum'),
    loopCpuMs,
    workerCpuMs,
    processCpuMs: processCpuMs(),
    machineBusyMs: machineBusyMs(),
    at: performance.now(),
  };
}

type Opts = Required<Omit<PredictBenchOptions, 'log' | 'models'>> & { log: (line: string) => void };

async function benchModel(
  spec: (typeof MODELS)[number],
  store: Store,
  dataDir: string,
  bodies: Record<'png' | 'jpeg', string[]>,
  opts: Opts,
): Promise<PredictBenchRow[]> {
  const { connections, durationSec, log } = opts;
  const model = cnn(spec.filters);
  const meta = await saveTrainedModel(store, {
    model,
    name: spec.name,
    meta: {
      task: 'classification',
      labels: LABELS,
      inputShape: [SIZE, SIZE, 3],
      preprocessing: {
        kind: 'image',
        image: { size: [SIZE, SIZE], channels: 3, scale: [0, 1], resize: 'stretch' },
      },
      history: [],
      lineage: {},
    },
  });
  model.dispose();
  const label = `${spec.label} (${meta.params.total} params)`;

  log(`${label}: raw in-process model.predict, batches of ${connections} ...`);
  const raw = await rawPredict(await store.collection('models').local(meta.id), connections, opts.rawSec);
  log(
    `  ${raw.throughput.toFixed(0)} examples/s, CPU ms/example ${raw.cpuMsPerExample.toFixed(3)}, ` +
      `other processes ${raw.others.toFixed(2)} cores`,
  );
  const rows: PredictBenchRow[] = [
    {
      model: label,
      case: `raw model.predict, batches of ${connections}, one thread`,
      throughput: raw.throughput,
      p50Ms: raw.p50,
      p99Ms: raw.p99,
      ratioToRaw: 1,
      cpuMsPerExample: { eventLoop: 0, inference: raw.cpuMsPerExample, otherServer: 0, loadGenerator: 0 },
      ratioCpuBound: 1,
      otherProcessCores: raw.others,
      note: 'latency per batch',
    },
  ];

  const all: Array<{
    id: ServerCase;
    name: string;
    env: Record<string, string>;
    format: 'png' | 'jpeg';
  }> = [
    { id: 'batched', name: `server, dynamic batching, ${connections} clients`, env: {}, format: 'png' },
    {
      id: 'unbatched',
      name: `server, batching off (PREDICT_MAX_BATCH=1), ${connections} clients`,
      env: { PREDICT_MAX_BATCH: '1' },
      format: 'png',
    },
    {
      id: 'batched-jpeg',
      name: `server, dynamic batching, JPEG decoded by sharp, ${connections} clients`,
      env: {},
      format: 'jpeg',
    },
  ];
  for (const c of all.filter((c) => opts.cases.includes(c.id))) {
    log(`${label}: ${c.name} ...`);
    const { app, runtime, url } = await serve(c.env, dataDir, opts.logLevel);
    try {
      const req = { url: `${url}/v1/models/${spec.name}/predict`, bodies: bodies[c.format], connections };
      await load({ ...req, durationSec: 3 }); // start workers, load the model, warm up
      const a = await counters(app);
      const r = await load({ ...req, durationSec });
      const b = await counters(app);
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`${c.name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      const examples = b.rows - a.rows;
      const meanBatch = examples / (b.batches - a.batches);
      const elapsedMs = b.at - a.at;
      const busy = (b.forwardSec - a.forwardSec) / durationSec;
      const loop = b.loopCpuMs - a.loopCpuMs;
      const worker = b.workerCpuMs - a.workerCpuMs;
      const proc = b.processCpuMs - a.processCpuMs;
      const cpu: CpuPerExample = {
        eventLoop: loop / examples,
        inference: worker / examples,
        otherServer: (proc - loop - worker) / examples,
        loadGenerator: r.cpuMs / examples,
      };
      const others = (b.machineBusyMs - a.machineBusyMs - proc - r.processCpuMs) / elapsedMs;
      const throughput = r.requests / r.durationSec;
      rows.push({
        model: label,
        case: c.name,
        throughput,
        p50Ms: r.latency.p50,
        p99Ms: r.latency.p99,
        ratioToRaw: throughput / raw.throughput,
        cpuMsPerExample: cpu,
        ratioCpuBound: raw.cpuMsPerExample / Math.max(cpu.eventLoop, cpu.inference),
        otherProcessCores: others,
        note: `mean batch ${meanBatch.toFixed(1)}, worker busy ${(busy * 100).toFixed(0)}%`,
      });
      log(
        `  ${throughput.toFixed(0)} req/s (${(throughput / raw.throughput).toFixed(2)}x raw), ` +
          `p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, mean batch ${meanBatch.toFixed(1)}, ` +
          `worker busy ${(busy * 100).toFixed(0)}%, CPU ms/example: loop ${cpu.eventLoop.toFixed(3)} ` +
          `inference ${cpu.inference.toFixed(3)} other ${cpu.otherServer.toFixed(3)} ` +
          `loadgen ${cpu.loadGenerator.toFixed(3)}; other processes ${others.toFixed(2)} cores`,
      );
    } finally {
      await app.close();
      await runtime.close();
    }
  }
  return rows;
}

export async function benchPredict(opts: PredictBenchOptions = {}): Promise<PredictBenchResult> {
  const o: Opts = {
    connections: opts.connections ?? 32,
    durationSec: opts.durationSec ?? 8,
    rawSec: opts.rawSec ?? 5,
    cases: opts.cases ?? ['batched', 'unbatched', 'batched-jpeg'],
    logLevel: opts.logLevel ?? 'info',
    log: opts.log ?? (() => undefined),
  };
  const models = MODELS.filter((m) => !opts.models || opts.models.includes(m.name));
  const backend = await selectBackend('auto');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-predict-'));
  try {
    const store = new FsStore(dataDir);
    await store.init();
    const bodies = { png: await requestBodies('png'), jpeg: await requestBodies('jpeg') };
    const rows: PredictBenchRow[] = [];
    for (const spec of models) rows.push(...(await benchModel(spec, store, dataDir, bodies, o)));
    return { name: 'predict', backend: backend.name, cores: os.availableParallelism(), rows };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      models: { type: 'string' },
      cases: { type: 'string' },
      duration: { type: 'string' },
      raw: { type: 'string' },
      connections: { type: 'string' },
      'log-level': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const list = (v: string | undefined) => v?.split(',').filter(Boolean);
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const result = await benchPredict({
    ...(values.models ? { models: list(values.models) } : {}),
    ...(values.cases ? { cases: list(values.cases) as ServerCase[] } : {}),
    ...(values.duration ? { durationSec: num(values.duration) } : {}),
    ...(values.raw ? { rawSec: num(values.raw) } : {}),
    ...(values.connections ? { connections: num(values.connections) } : {}),
    ...(values['log-level'] ? { logLevel: values['log-level'] } : {}),
    log: (l) => console.log(l),
  });
  if (values.json) console.log(JSON.stringify(result, null, 2));
  console.table(
    result.rows.map((r) => ({
      model: r.model.split(' (')[0],
      case: r.case.replace(/, \d+ clients$/, ''),
      'ex/s': Math.round(r.throughput),
      'p50 ms': Number(r.p50Ms.toFixed(1)),
      'p99 ms': Number(r.p99Ms.toFixed(1)),
      'x raw': Number(r.ratioToRaw.toFixed(2)),
      'CPU ms/ex loop': Number(r.cpuMsPerExample.eventLoop.toFixed(3)),
      'CPU ms/ex infer': Number(r.cpuMsPerExample.inference.toFixed(3)),
      'CPU ms/ex other': Number(r.cpuMsPerExample.otherServer.toFixed(3)),
      'CPU ms/ex loadgen': Number(r.cpuMsPerExample.loadGenerator.toFixed(3)),
      'x raw CPU-bound': Number(r.ratioCpuBound.toFixed(2)),
      'other procs (cores)': Number(r.otherProcessCores.toFixed(2)),
    })),
  );
  console.log(`backend ${result.backend}, ${result.cores} cores`);
}
