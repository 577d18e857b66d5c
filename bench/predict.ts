/**
 * Prediction serving throughput: 32 concurrent HTTP clients (autocannon) against the service,
 * compared with the raw in-process batched `model.predict` on the same model and backend, and
 * with the same server with dynamic batching off (PREDICT_MAX_BATCH=1). Target: the batched
 * server reaches at least 0.8 of raw throughput.
 *
 * Two image models: a CIFAR-sized CNN whose cost is in the convolutions (the usual case for
 * image models), and a light CNN whose cost is mostly per call, where batching matters most.
 * Clients send one 32x32 PNG per request as JSON { "instances": [{ "b64": ... }] }.
 *
 * Besides wall-clock ratios, every row has the CPU time per example of the event loop and of
 * the inference worker (Linux), because on a machine with few or busy cores the wall-clock
 * ratio mostly measures who else wanted the cores (the load generator runs here too).
 *
 *   npx tsx bench/predict.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import autocannon from 'autocannon';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import sharp from 'sharp';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/env.js';
import { selectBackend } from '../src/ml/backend.js';
import { loadModelFromDir } from '../src/ml/model-io.js';
import { saveTrainedModel } from '../src/models/registry.js';
import { threadCpuMs } from '../src/serving/thread-cpu.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { Store } from '../src/storage/store.js';

export interface PredictBenchOptions {
  connections?: number;
  /** Seconds of measured load per server case (after a 3 s warm-up). */
  durationSec?: number;
  /** Seconds of raw predict timing per model. */
  rawSec?: number;
  log?: (line: string) => void;
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
  /**
   * CPU ms per example on the event loop (HTTP, JSON, image decoding, batching) and in the
   * inference worker (forward passes); for raw, the one thread doing it all. NaN off Linux.
   */
  cpuMsPerExample: { eventLoop: number; inference: number };
  /**
   * Raw CPU per example / that of the busier server thread: the ratio the server reaches where
   * each of its threads has a core of its own.
   */
  ratioCpuBound: number;
  note: string;
}

export interface PredictBenchResult {
  name: string;
  backend: string;
  cores: number;
  rows: PredictBenchRow[];
}

const SIZE = 32;
const LABELS = Array.from({ length: 10 }, (_, i) => `class_${i}`);

/** Three conv blocks, global pooling, softmax over 10 classes. */
function cnn(filters: number): tf.LayersModel {
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

const MODELS = [
  { name: 'cifar-cnn', filters: 32, label: 'CNN 32-64-128 filters' },
  { name: 'light-cnn', filters: 8, label: 'CNN 8-16-32 filters' },
];

async function noisePngs(n: number): Promise<Buffer[]> {
  return Promise.all(
    Array.from({ length: n }, (_, k) => {
      const raw = Buffer.alloc(SIZE * SIZE * 3);
      for (let i = 0; i < raw.length; i++) raw[i] = (i * 31 + k * 97 + ((i * k) % 13)) & 255;
      return sharp(raw, { raw: { width: SIZE, height: SIZE, channels: 3 } })
        .png()
        .toBuffer();
    }),
  );
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Batches of `batch` through model.predict in this thread, back to back. */
async function rawPredict(
  dir: string,
  batch: number,
  seconds: number,
): Promise<{ throughput: number; p50: number; p99: number; cpuMsPerExample: number }> {
  const model = await loadModelFromDir(dir);
  const x = tf.randomUniform([batch, SIZE, SIZE, 3]);
  const run = () => tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
  for (let i = 0; i < 5; i++) run();
  const times: number[] = [];
  const cpu0 = threadCpuMs() ?? NaN;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const s = performance.now();
    run();
    times.push(performance.now() - s);
  }
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = (threadCpuMs() ?? NaN) - cpu0;
  x.dispose();
  model.dispose();
  times.sort((a, b) => a - b);
  const examples = times.length * batch;
  return {
    throughput: examples / elapsed,
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    cpuMsPerExample: cpu / examples,
  };
}

async function serve(
  env: Record<string, string>,
  dataDir: string,
): Promise<{ app: FastifyInstance; runtime: Runtime; url: string }> {
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    QUEUE_PREFIX: `bench-${process.pid}`,
    ...env,
  });
  const runtime = await createRuntime(config, pino({ level: 'silent' }));
  const app = await buildApp(runtime);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, runtime, url };
}

function load(
  url: string,
  bodies: string[],
  connections: number,
  seconds: number,
): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections,
    duration: seconds,
    // Load generation in its own thread, so it does not share the server's event loop.
    workers: 1,
    requests: bodies.map((body) => ({
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    })),
  });
}

interface Counters {
  batches: number;
  rows: number;
  forwardSec: number;
  loopCpuMs: number;
  workerCpuMs: number;
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
  };
}

async function benchModel(
  spec: (typeof MODELS)[number],
  store: Store,
  dataDir: string,
  bodies: string[],
  opts: Required<Omit<PredictBenchOptions, 'log'>> & { log: (line: string) => void },
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
  const raw = await rawPredict(store.collection('models').pathOf(meta.id), connections, opts.rawSec);
  log(`  ${raw.throughput.toFixed(0)} examples/s, CPU ms/example ${raw.cpuMsPerExample.toFixed(3)}`);
  const rows: PredictBenchRow[] = [
    {
      model: label,
      case: `raw model.predict, batches of ${connections}, one thread`,
      throughput: raw.throughput,
      p50Ms: raw.p50,
      p99Ms: raw.p99,
      ratioToRaw: 1,
      cpuMsPerExample: { eventLoop: 0, inference: raw.cpuMsPerExample },
      ratioCpuBound: 1,
      note: 'latency per batch',
    },
  ];

  const cases: Array<{ name: string; env: Record<string, string> }> = [
    { name: `server, dynamic batching, ${connections} clients`, env: {} },
    {
      name: `server, batching off (PREDICT_MAX_BATCH=1), ${connections} clients`,
      env: { PREDICT_MAX_BATCH: '1' },
    },
  ];
  for (const c of cases) {
    log(`${label}: ${c.name} ...`);
    const { app, runtime, url } = await serve(c.env, dataDir);
    try {
      const predictUrl = `${url}/v1/models/${spec.name}/predict`;
      await load(predictUrl, bodies, connections, 3); // start workers, load, warm up
      const a = await counters(app);
      const r = await load(predictUrl, bodies, connections, durationSec);
      const b = await counters(app);
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`${c.name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      const examples = b.rows - a.rows;
      const meanBatch = examples / (b.batches - a.batches);
      const busy = (b.forwardSec - a.forwardSec) / durationSec;
      const cpu = {
        eventLoop: (b.loopCpuMs - a.loopCpuMs) / examples,
        inference: (b.workerCpuMs - a.workerCpuMs) / examples,
      };
      const throughput = r.requests.total / durationSec;
      rows.push({
        model: label,
        case: c.name,
        throughput,
        p50Ms: r.latency.p50,
        p99Ms: r.latency.p99,
        ratioToRaw: throughput / raw.throughput,
        cpuMsPerExample: cpu,
        ratioCpuBound: raw.cpuMsPerExample / Math.max(cpu.eventLoop, cpu.inference),
        note: `mean batch ${meanBatch.toFixed(1)}, worker busy ${(busy * 100).toFixed(0)}%`,
      });
      log(
        `  ${throughput.toFixed(0)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ` +
          `mean batch ${meanBatch.toFixed(1)}, worker busy ${(busy * 100).toFixed(0)}%, ` +
          `CPU ms/example loop ${cpu.eventLoop.toFixed(3)} inference ${cpu.inference.toFixed(3)}`,
      );
    } finally {
      await app.close();
      await runtime.close();
    }
  }
  return rows;
}

export async function benchPredict(opts: PredictBenchOptions = {}): Promise<PredictBenchResult> {
  const o = {
    connections: opts.connections ?? 32,
    durationSec: opts.durationSec ?? 8,
    rawSec: opts.rawSec ?? 5,
    log: opts.log ?? (() => undefined),
  };
  const backend = await selectBackend('auto');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-predict-'));
  try {
    const store = new Store(dataDir);
    await store.init();
    const bodies = (await noisePngs(16)).map((img) =>
      JSON.stringify({ instances: [{ b64: img.toString('base64') }], topK: 3 }),
    );
    const rows: PredictBenchRow[] = [];
    for (const spec of MODELS) rows.push(...(await benchModel(spec, store, dataDir, bodies, o)));
    return { name: 'predict', backend: backend.name, cores: os.availableParallelism(), rows };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await benchPredict({ log: (l) => console.log(l) });
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
      'x raw CPU-bound': Number(r.ratioCpuBound.toFixed(2)),
    })),
  );
  console.log(`backend ${result.backend}, ${result.cores} cores`);
}
