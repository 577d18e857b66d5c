/**
 * Batch prediction end to end: a zip of small PNGs posted to /v1/batch-predictions on the real
 * service (API, Redis, worker, trainer process, inference worker) and scored to its results
 * files, against the raw batched forward pass (`forward` of src/ml/inference.ts, the function
 * the inference worker runs) on the same model, same batch size, in this process, in the same
 * run. Target: at least 0.9x of raw. The peak RSS of the process that scored the batch is
 * measured at two sizes, to show memory does not grow with the number of inputs.
 *
 *   npx tsx bench/batch.ts [--sizes 2500,10000] [--filters 32] [--json]
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import yazl from 'yazl';
import { selectBackend } from '../src/ml/backend.js';
import { forward } from '../src/ml/inference.js';
import { loadModelFromDir } from '../src/ml/model-io.js';
import { saveTrainedModel } from '../src/models/registry.js';
import { startWorker } from '../src/queue/worker.js';
import { serve } from './predict.js';

const SIZE = 32;
const LABELS = Array.from({ length: 10 }, (_, i) => `class_${i}`);

export interface BatchBenchRow {
  inputs: number;
  /** The raw batched forward pass, measured right before this run. */
  rawPerSec: number;
  zipBytes: number;
  /** POST (upload included) to completed, as a client sees it. */
  endToEndPerSec: number;
  /** The job's own scoring: first input read to last line written. */
  scoringPerSec: number;
  peakRssBytes: number;
  resultLines: number;
}

export interface BatchBench {
  backend: string;
  model: string;
  batch: number;
  rows: BatchBenchRow[];
}

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

/** `n` distinct noise PNGs, streamed into a zip on disk (never all in memory). */
async function writeZip(file: string, n: number): Promise<number> {
  const zip = new yazl.ZipFile();
  const done = pipeline(zip.outputStream, createWriteStream(file));
  for (let k = 0; k < n; k++) {
    const raw = Buffer.alloc(SIZE * SIZE * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 31 + k * 97 + ((i * k) % 13)) & 255;
    const png = await sharp(raw, { raw: { width: SIZE, height: SIZE, channels: 3 } })
      .png()
      .toBuffer();
    zip.addBuffer(png, `images/${String(k).padStart(6, '0')}.png`, { compress: false });
  }
  zip.end();
  await done;
  return (await stat(file)).size;
}

/** Batches of `batch` preprocessed rows through `forward`, `n` examples in all. */
async function rawForward(dir: string, batch: number, n: number): Promise<number> {
  const model = await loadModelFromDir(dir);
  const input = Float32Array.from({ length: batch * SIZE * SIZE * 3 }, (_, i) => ((i * 7919) % 255) / 255);
  for (let i = 0; i < 5; i++) forward(model, input, batch, [SIZE, SIZE, 3]);
  const t0 = performance.now();
  for (let done = 0; done < n; done += batch) forward(model, input, batch, [SIZE, SIZE, 3]);
  const perSec = n / ((performance.now() - t0) / 1000);
  model.dispose();
  return perSec;
}

export async function benchBatch(
  opts: { sizes?: number[]; filters?: number; log?: (l: string) => void } = {},
): Promise<BatchBench> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const sizes = opts.sizes ?? [2_500, 10_000];
  const filters = opts.filters ?? 32;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-batch-'));
  const { app, runtime, url, config, logger } = await serve(
    {
      QUEUE_PREFIX: `bench-batch-${process.pid}`,
      JOB_ATTEMPTS: '1',
      ...(process.env['REDIS_URL'] ? { REDIS_URL: process.env['REDIS_URL'] } : {}),
    },
    dataDir,
    'warn',
  );
  const backend = await selectBackend(config.TFJS_BACKEND, { wasmThreads: config.WASM_THREADS });
  const worker = startWorker(config, logger, config.QUEUE_PREFIX, process.env);
  try {
    const model = cnn(filters);
    const meta = await saveTrainedModel(runtime.store, {
      model,
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
    const label = `CNN ${filters}-${filters * 2}-${filters * 4} filters, 32x32x3 (${meta.params.total} params)`;
    const batch = config.PREDICT_MAX_BATCH;
    const rows: BatchBenchRow[] = [];
    for (const n of sizes) {
      const zipFile = path.join(dataDir, `inputs-${n}.zip`);
      const zipBytes = await writeZip(zipFile, n);
      // The baseline right before each run, so both see the same machine load.
      const rawPerSec = await rawForward(await runtime.store.collection('models').local(meta.id), batch, n);
      log(
        `${n} images: raw forward ${rawPerSec.toFixed(0)}/s; posting a ${(zipBytes / 2 ** 20).toFixed(1)} MiB zip ...`,
      );
      const form = new FormData();
      form.append('modelId', meta.id);
      form.append('file', new Blob([await readFile(zipFile)]), 'inputs.zip');
      const t0 = performance.now();
      const res = await fetch(`${url}/v1/batch-predictions`, { method: 'POST', body: form });
      const created = (await res.json()) as { id: string; detail?: string };
      if (res.status !== 202) throw new Error(`POST answered ${res.status}: ${created.detail}`);
      let view: {
        state: string;
        error?: string;
        counts?: { total: number };
        run?: { inputsPerSec: number; peakRssBytes: number };
      };
      for (;;) {
        view = (await (await fetch(`${url}/v1/batch-predictions/${created.id}`)).json()) as typeof view;
        if (['completed', 'failed', 'cancelled'].includes(view.state)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const seconds = (performance.now() - t0) / 1000;
      if (view.state !== 'completed') throw new Error(`the batch ended ${view.state}: ${view.error}`);
      const results = await fetch(`${url}/v1/batch-predictions/${created.id}/results?format=csv`);
      const lines = (await results.text()).trim().split('\n').length - 1;
      const row: BatchBenchRow = {
        inputs: n,
        rawPerSec,
        zipBytes,
        endToEndPerSec: n / seconds,
        scoringPerSec: view.run!.inputsPerSec,
        peakRssBytes: view.run!.peakRssBytes,
        resultLines: lines,
      };
      log(
        `  end to end ${row.endToEndPerSec.toFixed(0)}/s, scoring ${row.scoringPerSec.toFixed(0)}/s, ` +
          `peak RSS ${(row.peakRssBytes / 2 ** 20).toFixed(0)} MiB, ${lines} result lines`,
      );
      rows.push(row);
      await rm(zipFile);
    }
    return { backend: backend.name, model: label, batch, rows };
  } finally {
    await worker.close(5_000);
    await app.close();
    await runtime.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { sizes: { type: 'string' }, filters: { type: 'string' }, json: { type: 'boolean' } },
  });
  const r = await benchBatch({
    ...(values.sizes ? { sizes: values.sizes.split(',').map(Number) } : {}),
    ...(values.filters ? { filters: Number(values.filters) } : {}),
  });
  if (values.json) console.log(JSON.stringify(r, null, 2));
  process.exit(0);
}
