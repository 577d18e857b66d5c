/**
 * Transfer learning against training from scratch on real MNIST digits, through the service's
 * own trainer. A small CNN learns digits 0-4 (the "pretrained" base); new digits 5-9 are then
 * learned from 5, 10 or 50 examples per class either by transfer (base cut after its
 * convolutions, frozen, new dense head) or by the same CNN from scratch on the same examples for
 * the same epochs. Accuracy is measured on 100 held-out examples per class that neither saw.
 * Also: training throughput of one transfer job with and without frozen-prefix feature caching.
 *
 *   npx tsx bench/transfer-mnist.ts            (wasm backend with the project's kernels)
 *   npx tsx bench/transfer-mnist.ts cpu
 */
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { type JobSpecInput, type LayerSpec, parseJobSpec } from '../src/contracts/job-spec.js';
import { evaluate } from '../src/ml/evaluate.js';
import { lossFunction } from '../src/ml/losses.js';
import { cloneModel } from '../src/ml/model-io.js';
import { MemorySource } from '../src/ml/memory-source.js';
import { train } from '../src/ml/trainer.js';
import type { TrainingData } from '../src/ml/example-source.js';
import { createRequire } from 'node:module';

const DS = 'ds_0000000000000000';
const BM = 'bm_0000000000000000';
export const SOURCE_DIGITS = [0, 1, 2, 3, 4];
export const TARGET_DIGITS = [5, 6, 7, 8, 9];
/** Held-out examples start here in every digit's list (digit 5 has 863); training uses 0.. */
const HELD_OUT_OFFSET = 700;

/** The convolutional feature extractor shared by the source model and the from-scratch baseline. */
export const CNN: LayerSpec[] = parseJobSpec({
  datasetId: DS,
  architecture: [
    { type: 'conv2d', filters: 8, kernelSize: 3 },
    { type: 'maxPooling2d', poolSize: 2 },
    { type: 'conv2d', filters: 16, kernelSize: 3 },
    { type: 'maxPooling2d', poolSize: 2 },
    { type: 'flatten' },
  ],
}).architecture as LayerSpec[];
/** The layer the transfer jobs cut at: the source model's flatten after the convolutions. */
export const CUT_AT = 'arch_5_flatten';
const HEAD = [{ type: 'dense', units: 32 }] as const;
/** One learning rate for every job here, source, transfer and baseline alike. */
const LEARNING_RATE = 0.003;
/** Epochs of every target job, transfer and baseline alike. */
export const TARGET_EPOCHS = 30;

interface MnistDigit {
  length: number;
  get(i: number): number[];
}
const mnist = createRequire(import.meta.url)('mnist') as Record<number, MnistDigit>;

export function digitSource(digits: number[], perDigit: number, offset: number): MemorySource {
  const features = new Float32Array(digits.length * perDigit * 784);
  const labels: number[] = [];
  for (let i = 0; i < perDigit; i++) {
    for (const [label, d] of digits.entries()) {
      features.set((mnist[d] as MnistDigit).get(offset + i), labels.length * 784);
      labels.push(label);
    }
  }
  return new MemorySource(features, labels, [28, 28, 1]);
}

function data(digits: number[], train: MemorySource, validation?: MemorySource): TrainingData {
  return {
    kind: 'image',
    task: 'classification',
    classes: digits.map(String),
    inputShape: [28, 28, 1],
    train,
    ...(validation ? { validation } : {}),
  };
}

async function heldOutAccuracy(
  model: tf.LayersModel,
  source: MemorySource,
  classes: number,
): Promise<number> {
  const ev = await evaluate(model, source.batches(100, { shuffle: false, seed: 0, epoch: 0 }), {
    task: 'classification',
    classes: Array.from({ length: classes }, (_, i) => String(i)),
    loss: lossFunction('categoricalCrossentropy', classes),
  });
  return ev.task === 'classification' ? ev.accuracy : NaN;
}

export interface SourceModel {
  model: tf.LayersModel;
  /** Held-out accuracy on digits 0-4. */
  accuracy: number;
  trainMs: number;
  examples: number;
}

/** The "pretrained" base: the CNN trained from scratch on digits 0-4. Caller disposes `model`. */
export async function trainSourceModel(
  opts: { perDigit?: number; epochs?: number; seed?: number } = {},
): Promise<SourceModel> {
  const perDigit = opts.perDigit ?? 800;
  const spec = parseJobSpec({
    datasetId: DS,
    architecture: CNN,
    head: [...HEAD],
    fit: { epochs: opts.epochs ?? 5, batchSize: 32 },
    compile: { learningRate: LEARNING_RATE },
    seed: opts.seed ?? 1,
  });
  const r = await train({ spec, data: data(SOURCE_DIGITS, digitSource(SOURCE_DIGITS, perDigit, 0)) });
  const accuracy = await heldOutAccuracy(r.model, digitSource(SOURCE_DIGITS, 100, HELD_OUT_OFFSET), 5);
  return { model: r.model, accuracy, trainMs: r.durationMs, examples: perDigit * SOURCE_DIGITS.length };
}

export interface TransferRow {
  examplesPerClass: number;
  method: 'transfer' | 'scratch';
  /** Accuracy on 100 held-out examples of each of digits 5-9, mean over the draws. */
  heldOutAccuracy: number;
  /** Per draw, in draw order. */
  accuracies: number[];
  /** Mean wall-clock time of train(), including the caching pass and the final evaluation. */
  trainMs: number;
  epochs: number;
  cached: boolean;
}

/**
 * Transfer jobs and their from-scratch baselines on the same examples, for the same epochs, with
 * the same optimizer and learning rate, on `draws` different draws of the training examples
 * (draw d takes the examples from index 50 * d of each digit).
 */
export async function transferVsScratch(
  source: tf.LayersModel,
  examplesPerClass: number,
  opts: { epochs?: number; draws?: number; heldOut?: MemorySource } = {},
): Promise<{ transfer: TransferRow; scratch: TransferRow }> {
  const epochs = opts.epochs ?? TARGET_EPOCHS;
  const heldOut = opts.heldOut ?? digitSource(TARGET_DIGITS, 100, HELD_OUT_OFFSET);
  const fit = { epochs, batchSize: Math.min(32, Math.max(8, examplesPerClass)) };
  const compile = { learningRate: LEARNING_RATE };
  const rows = {
    transfer: { accuracies: [] as number[], ms: [] as number[], cached: true },
    scratch: { accuracies: [] as number[], ms: [] as number[], cached: false },
  };
  for (let draw = 0; draw < (opts.draws ?? 3); draw++) {
    const shots = digitSource(TARGET_DIGITS, examplesPerClass, 50 * draw);
    const seed = 7 + draw;
    const job = async (method: 'transfer' | 'scratch', spec: JobSpecInput, base?: tf.LayersModel) => {
      const r = await train({
        spec: parseJobSpec(spec),
        data: data(TARGET_DIGITS, shots),
        ...(base ? { base } : {}),
      });
      const row = rows[method];
      row.accuracies.push(await heldOutAccuracy(r.model, heldOut, 5));
      row.ms.push(r.durationMs);
      row.cached &&= r.cached;
      r.model.dispose();
    };
    const common = { datasetId: DS, head: [...HEAD], fit, compile, seed };
    // train() consumes its base, so every transfer job gets its own copy of the source model.
    await job(
      'transfer',
      { ...common, base: { baseModelId: BM }, cutAt: CUT_AT, freeze: 'all' },
      await cloneModel(source),
    );
    await job('scratch', { ...common, architecture: CNN });
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const row = (method: 'transfer' | 'scratch'): TransferRow => ({
    examplesPerClass,
    method,
    heldOutAccuracy: mean(rows[method].accuracies),
    accuracies: rows[method].accuracies,
    trainMs: mean(rows[method].ms),
    epochs,
    cached: rows[method].cached,
  });
  return { transfer: row('transfer'), scratch: row('scratch') };
}

export interface CacheRow {
  job: string;
  cachedExamplesPerSec: number;
  uncachedExamplesPerSec: number;
  /** cached / uncached training examples per second (epochs only; the one-off caching pass is in totals). */
  ratio: number;
  cachedTotalMs: number;
  uncachedTotalMs: number;
}

/** The same transfer job with and without the frozen-prefix feature cache. */
export async function cacheSpeedup(
  source: tf.LayersModel,
  examplesPerClass = 50,
  epochs = 10,
): Promise<CacheRow> {
  const shots = digitSource(TARGET_DIGITS, examplesPerClass, 0);
  const spec = parseJobSpec({
    datasetId: DS,
    base: { baseModelId: BM },
    cutAt: CUT_AT,
    head: [...HEAD],
    fit: { epochs, batchSize: 32 },
    compile: { learningRate: LEARNING_RATE },
    seed: 3,
  });
  const runOnce = async (cacheBudgetBytes?: number) => {
    const r = await train({
      spec,
      data: data(TARGET_DIGITS, shots),
      base: await cloneModel(source),
      ...(cacheBudgetBytes === undefined ? {} : { cacheBudgetBytes }),
    });
    r.model.dispose();
    const rates = r.history.map((h) => h.examplesPerSec as number);
    return { rate: rates.reduce((a, b) => a + b, 0) / rates.length, ms: r.durationMs, cached: r.cached };
  };
  const cached = await runOnce();
  const uncached = await runOnce(0);
  if (!cached.cached || uncached.cached) throw new Error('cache use was not as configured');
  return {
    job: `transfer, ${examplesPerClass}/class, ${epochs} epochs, frozen convolutions`,
    cachedExamplesPerSec: cached.rate,
    uncachedExamplesPerSec: uncached.rate,
    ratio: cached.rate / uncached.rate,
    cachedTotalMs: cached.ms,
    uncachedTotalMs: uncached.ms,
  };
}

export interface TransferMnistBench {
  name: string;
  backend: string;
  source: Omit<SourceModel, 'model'>;
  rows: TransferRow[];
  cache: CacheRow;
}

export async function benchTransferMnist(
  opts: { shots?: number[]; epochs?: number; log?: (line: string) => void } = {},
): Promise<TransferMnistBench> {
  const log = opts.log ?? (() => undefined);
  const source = await trainSourceModel();
  log(`source CNN on digits 0-4: held-out accuracy ${pct(source.accuracy)} in ${ms(source.trainMs)}`);
  try {
    const rows: TransferRow[] = [];
    for (const n of opts.shots ?? [5, 10, 50]) {
      const { transfer, scratch } = await transferVsScratch(source.model, n, {
        epochs: opts.epochs ?? TARGET_EPOCHS,
      });
      rows.push(transfer, scratch);
      log(
        `${n}/class: transfer ${pct(transfer.heldOutAccuracy)} in ${ms(transfer.trainMs)}, scratch ${pct(scratch.heldOutAccuracy)} in ${ms(scratch.trainMs)}`,
      );
    }
    const cache = await cacheSpeedup(source.model);
    log(`feature cache: ${cache.ratio.toFixed(1)}x training examples/s`);
    const { model: _m, ...sourceInfo } = source;
    return {
      name: 'Transfer vs from scratch, MNIST 0-4 -> 5-9',
      backend: tf.getBackend(),
      source: sourceInfo,
      rows,
      cache,
    };
  } finally {
    source.model.dispose();
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const ms = (x: number) => `${Math.round(x)} ms`;

/** Markdown for BENCHMARKS.md. */
export function formatTransferMnist(b: TransferMnistBench): string {
  const lines = [
    `### ${b.name} (backend: ${b.backend})`,
    '',
    `Source CNN (conv 8, conv 16, dense 32) trained on ${b.source.examples} digits 0-4: ${pct(b.source.accuracy)} held-out accuracy, ${ms(b.source.trainMs)}.`,
    '',
    `Each row: mean of ${b.rows[0]?.accuracies.length ?? 0} draws of the training examples; adam, learning rate ${LEARNING_RATE}, same epochs for both methods.`,
    '',
    '| examples/class | method | held-out accuracy (500 digits 5-9) | per draw | training time | epochs |',
    '|---:|---|---:|---|---:|---:|',
    ...b.rows.map(
      (r) =>
        `| ${r.examplesPerClass} | ${r.method === 'transfer' ? `transfer${r.cached ? ' (cached features)' : ''}` : 'from scratch'} | ${pct(r.heldOutAccuracy)} | ${r.accuracies.map(pct).join(', ')} | ${ms(r.trainMs)} | ${r.epochs} |`,
    ),
    '',
    `Frozen-prefix feature cache, ${b.cache.job}: ${b.cache.cachedExamplesPerSec.toFixed(0)} vs ${b.cache.uncachedExamplesPerSec.toFixed(0)} training examples/s (${b.cache.ratio.toFixed(1)}x); whole job ${ms(b.cache.cachedTotalMs)} vs ${ms(b.cache.uncachedTotalMs)} including the caching pass.`,
  ];
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === 'cpu') {
    await tf.setBackend('cpu');
  } else {
    const { initWasmBackend } = await import('../src/ml/wasm-kernels/index.js');
    await initWasmBackend();
  }
  const result = await benchTransferMnist({ log: (l) => console.log(l) });
  console.log('\n' + formatTransferMnist(result));
}
