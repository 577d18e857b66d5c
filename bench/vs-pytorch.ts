/**
 * This project's MobileNetV2 fine-tuning and inference throughput next to PyTorch CPU's on the
 * same shapes, the same cores, in one run. The fine-tune step is the trainer's own (runPhase: the
 * frozen bottom as inference off the tape, the top differentiated, one Adam update per batch);
 * PyTorch runs bench/pytorch/mobilenet_v2.py, the same split under `torch.no_grad()`. The Python
 * side runs only where `python3` can import torch and torchvision (Debian: `apt-get install
 * python3-torch python3-torchvision`); otherwise its columns say so.
 *
 *   npx tsx bench/vs-pytorch.ts             # prints the rows as JSON, and a step's kernel profile
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initWasmBackend } from '../src/ml/wasm-kernels/index.js';
import { lossFunction } from '../src/ml/losses.js';
import { MemorySource } from '../src/ml/memory-source.js';
import { PrefixThread } from '../src/ml/prefix-thread.js';
import { runPhase } from '../src/ml/train-loop.js';
import { originalBatchNormGradient, originalBatchNormKernel } from '../src/ml/wasm-kernels/batch-norm.js';
import {
  FusedBatchNorm,
  getGradient,
  getKernel,
  registerGradient,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { profileKernels, type KernelTime } from './kernel-profile.js';
import { mobileNetV2, mobileNetV2FineTune } from './mobilenet-v2.js';

export interface VsPytorchOptions {
  log?: (line: string) => void;
  /**
   * Timed batches per run, the same on both sides: fine-tune at 96x96 and at 224x224, inference.
   * Each side's first steps touch fresh memory (this project's wasm heap grows to its working set
   * over the first two or three steps, and a first touch of a page is slow under a hypervisor), so a
   * side timed over fewer batches than the other would carry more of that one-off cost.
   */
  fineTuneBatches?: number;
  largeFineTuneBatches?: number;
  inferenceBatches?: number;
  /** Steps of the per-kernel profile. */
  profileBatches?: number;
  /** Runs of each measurement; the report gives the median and the spread. */
  repeats?: number;
}

export interface Measured {
  median: number;
  min: number;
  max: number;
}

export interface VsPytorchRow {
  case: string;
  threads: number;
  project: Measured;
  pytorch: Measured | null;
}

export interface VsPytorchResult {
  rows: VsPytorchRow[];
  /** Why the PyTorch side did not run, when it did not. */
  pytorchMissing?: string;
  torchVersion?: string;
  /** A fine-tune step per kernel, with this project's batch-norm kernel and gradient and without. */
  profile: { before: StepProfile; after: StepProfile };
}

export interface StepProfile {
  kernels: KernelTime[];
  totalMs: number;
  kernelMs: number;
  steps: number;
  samplesPerSec: number;
}

/** Runs `fn` with TF.js's own FusedBatchNorm kernel and gradient: how a step ran before them. */
async function withStockBatchNorm<T>(fn: () => Promise<T>): Promise<T> {
  const kernel = getKernel(FusedBatchNorm, 'wasm');
  const gradient = getGradient(FusedBatchNorm);
  if (kernel == null || gradient == null) return fn();
  unregisterKernel(FusedBatchNorm, 'wasm');
  registerKernel(originalBatchNormKernel(kernel));
  registerGradient(originalBatchNormGradient(gradient));
  try {
    return await fn();
  } finally {
    unregisterKernel(FusedBatchNorm, 'wasm');
    registerKernel(kernel);
    registerGradient(gradient);
  }
}

async function profileStep(batches: number): Promise<StepProfile> {
  let profile: Omit<StepProfile, 'samplesPerSec'> | undefined;
  const samplesPerSec = await fineTuneSamplesPerSec(batches, async (run) => {
    const p = await profileKernels(run);
    profile = { kernels: p.kernels, totalMs: p.totalMs, kernelMs: p.kernelMs, steps: batches };
    return p.result;
  });
  return { ...(profile as Omit<StepProfile, 'samplesPerSec'>), samplesPerSec };
}

const CLASSES = 5;
const FINE_TUNE = { size: Number(process.env.FT_SIZE ?? 96), batch: 16 };
const INFERENCE = { size: 224, batch: 32 };
const PYTHONS = ['/usr/bin/python3', 'python3'];

function measured(values: number[]): Measured {
  const s = [...values].sort((a, b) => a - b);
  return {
    median: s[Math.floor(s.length / 2)] as number,
    min: s[0] as number,
    max: s[s.length - 1] as number,
  };
}

function randomImages(n: number, size: number, seed: number): MemorySource {
  const x = new Float32Array(n * size * size * 3);
  let s = seed;
  for (let i = 0; i < x.length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    x[i] = (s >> 8) / 0x7fffff;
  }
  return new MemorySource(
    x,
    Array.from({ length: n }, (_, i) => i % CLASSES),
    [size, size, 3],
  );
}

/** A fine-tune of the top blocks through the trainer's phase loop; samples/s of the timed epoch. */
export async function fineTuneSamplesPerSec(
  batches: number,
  profile?: (run: () => Promise<number>) => Promise<number>,
  /** Run the frozen bottom on a prefix thread with this many XNNPACK threads (0: no prefix thread). */
  prefixThreads = 0,
): Promise<number> {
  const { bottom, top } = mobileNetV2FineTune(FINE_TUNE.size, CLASSES);
  const optimizer = tf.train.adam(1e-4);
  const thread = prefixThreads > 0 ? await PrefixThread.start(bottom, { threads: prefixThreads }) : undefined;
  const phase = async (train: MemorySource): Promise<number> => {
    const r = await runPhase({
      phase: 'fineTune',
      model: top,
      feed: { prefix: bottom, forward: top, train, validation: undefined },
      optimizer,
      epochs: 1,
      epochOffset: 0,
      batchSize: FINE_TUNE.batch,
      shuffle: false,
      seed: 1,
      task: 'classification',
      classes: Array.from({ length: CLASSES }, (_, i) => `c${i}`),
      loss: lossFunction('categoricalCrossentropy', CLASSES),
      prefixThread: thread,
    });
    return r.history[0]?.examplesPerSec ?? NaN;
  };
  try {
    // The first step pays for weight and optimizer-slot allocation; it is not what is measured.
    await phase(randomImages(FINE_TUNE.batch, FINE_TUNE.size, 3));
    const timed = randomImages(FINE_TUNE.batch * batches, FINE_TUNE.size, 5);
    return profile ? await profile(() => phase(timed)) : await phase(timed);
  } finally {
    await thread?.close();
    optimizer.dispose();
    bottom.dispose();
    top.dispose();
  }
}

/**
 * Batched forward passes. With two threads the batch is split in halves, one on a worker thread
 * with its own wasm instance and one here, as two inference workers of the serving pool would
 * share the requests.
 */
export async function inferenceSamplesPerSec(batches: number, splitThreads = 0): Promise<number> {
  const model = mobileNetV2(INFERENCE.size);
  const x = tf.randomUniform([INFERENCE.batch, INFERENCE.size, INFERENCE.size, 3], 0, 1, 'float32', 9);
  const thread = splitThreads > 0 ? await PrefixThread.start(model, { threads: splitThreads }) : undefined;
  const half = INFERENCE.batch / 2;
  const [away, here] = thread ? [x.slice(0, half), x.slice(half)] : [undefined, x];
  try {
    const once = async () => {
      const remote = thread && away ? thread.run(away) : undefined;
      const y = model.predict(here) as tf.Tensor;
      await y.data();
      y.dispose();
      if (remote) (await remote).dispose();
    };
    await once();
    const start = performance.now();
    for (let i = 0; i < batches; i++) await once();
    return (batches * INFERENCE.batch * 1000) / (performance.now() - start);
  } finally {
    await thread?.close();
    if (here !== x) tf.dispose([here, away as tf.Tensor]);
    x.dispose();
    model.dispose();
  }
}

function findPython(): { python: string; version: string } | { missing: string } {
  for (const python of PYTHONS) {
    try {
      const version = execFileSync(python, ['-c', 'import torch, torchvision; print(torch.__version__)'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
      return { python, version };
    } catch {
      // next candidate
    }
  }
  return {
    missing:
      'no python3 that imports torch and torchvision (apt-get install python3-torch python3-torchvision)',
  };
}

/**
 * glibc's malloc settings for the PyTorch side: keep freed memory in the heap instead of returning
 * it to the system (large blocks are otherwise mapped and unmapped on every operation), as this
 * project's wasm heap does by construction and as PyTorch's CPU tuning advice gets from jemalloc or
 * tcmalloc. Without them, every large activation is fresh pages, and where a first touch is costly
 * (under a hypervisor: about 40 ms per 14 MB on the machine of 2026-12-07) PyTorch measured about
 * 3x to 13x slower than with them.
 */
const PYTORCH_MALLOC_ENV = {
  MALLOC_MMAP_THRESHOLD_: '2147483647',
  MALLOC_TRIM_THRESHOLD_: '4294967295',
  MALLOC_TOP_PAD_: '536870912',
};

function pytorchSamplesPerSec(python: string, args: string[]): number {
  const out = execFileSync(python, ['bench/pytorch/mobilenet_v2.py', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...PYTORCH_MALLOC_ENV },
  });
  return (JSON.parse(out.trim().split('\n').pop() as string) as { samplesPerSec: number }).samplesPerSec;
}

/** What bench/threads-child.ts prints: one measurement of this project in a process of its own. */
export interface ThreadsChildResult {
  samplesPerSec: number;
  threads: number;
  rssPeakBytes: number;
}

const execFileAsync = promisify(execFile);

/** Runs bench/threads-child.ts with `args` (and `env` on top of this process's) and reads its line. */
export async function runThreadsChild(
  args: string[],
  env: Record<string, string> = {},
): Promise<ThreadsChildResult> {
  const { stdout } = await execFileAsync(
    process.execPath,
    ['--import', 'tsx', 'bench/threads-child.ts', ...args],
    { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').pop() as string) as ThreadsChildResult;
}

/**
 * This project's side of one measurement, in a process of its own (bench/threads-child.ts): the
 * wasm backend fixes its XNNPACK thread pool when it starts.
 */
export async function projectSamplesPerSec(
  kind: 'finetune' | 'inference' | 'text',
  threads: number,
  opts: { prefixThreads?: number; batches: number; size?: number },
): Promise<number> {
  const r = await runThreadsChild(
    [kind, `${threads}`, `${opts.prefixThreads ?? 0}`, `${opts.batches}`],
    opts.size ? { FT_SIZE: `${opts.size}` } : {},
  );
  if (r.threads !== threads)
    throw new Error(`asked for ${threads} wasm threads, the backend ran ${r.threads}`);
  return r.samplesPerSec;
}

export async function benchVsPytorch(options: VsPytorchOptions = {}): Promise<VsPytorchResult> {
  const log = options.log ?? (() => {});
  const ftBatches = options.fineTuneBatches ?? 24;
  const bigBatches = options.largeFineTuneBatches ?? 6;
  const infBatches = options.inferenceBatches ?? 4;
  const profileBatches = options.profileBatches ?? 12;
  const repeats = options.repeats ?? 3;
  const info = await initWasmBackend({ threads: 1 });
  log(`wasm: simd=${info.simd}; each measurement below runs in its own process`);
  const py = findPython();
  if ('missing' in py) log(`PyTorch side skipped: ${py.missing}`);

  const ftArgs = [
    '--case',
    'finetune',
    '--size',
    `${FINE_TUNE.size}`,
    '--batch',
    `${FINE_TUNE.batch}`,
    '--batches',
    `${ftBatches}`,
  ];
  const infArgs = [
    '--case',
    'inference',
    '--size',
    `${INFERENCE.size}`,
    '--batch',
    `${INFERENCE.batch}`,
    '--batches',
    `${infBatches}`,
  ];
  const big = [...ftArgs.slice(0, 2), '--size', '224', ...ftArgs.slice(4, 6), '--batches', `${bigBatches}`];
  const ftName = (size: number) =>
    `fine-tune, MobileNetV2 ${size}x${size}x3, last 2 blocks + final conv + head, batch ${FINE_TUNE.batch}`;
  // The trainer's default on wasm: XNNPACK's pool on every core, no prefix thread (train-setup.ts);
  // the `+ prefix thread` rows are the alternative it measured against (1 XNNPACK thread here,
  // the frozen bottom on a second wasm instance a batch ahead).
  const cases = [
    {
      name: ftName(FINE_TUNE.size),
      project: (t: number) => projectSamplesPerSec('finetune', t, { batches: ftBatches }),
      args: ftArgs,
    },
    {
      name: `${ftName(FINE_TUNE.size)}, 1 XNNPACK thread + prefix thread`,
      threads: [2],
      project: () => projectSamplesPerSec('finetune', 1, { batches: ftBatches, prefixThreads: 1 }),
      args: ftArgs,
    },
    {
      name: ftName(224),
      project: (t: number) => projectSamplesPerSec('finetune', t, { batches: bigBatches, size: 224 }),
      args: big,
    },
    {
      name: `${ftName(224)}, 1 XNNPACK thread + prefix thread`,
      threads: [2],
      project: () =>
        projectSamplesPerSec('finetune', 1, { batches: bigBatches, size: 224, prefixThreads: 1 }),
      args: big,
    },
    {
      name: `inference, MobileNetV2 ${INFERENCE.size}x${INFERENCE.size}x3, batch ${INFERENCE.batch}`,
      project: (t: number) => projectSamplesPerSec('inference', t, { batches: infBatches }),
      args: infArgs,
    },
  ];
  const rows: VsPytorchRow[] = [];
  for (const c of cases) {
    for (const threads of c.threads ?? [1, 2]) {
      // Interleaved, so a change in the machine's load hits both sides alike.
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let r = 0; r < repeats; r++) {
        ours.push(await c.project(threads));
        if (!('missing' in py))
          theirs.push(pytorchSamplesPerSec(py.python, [...c.args, '--threads', `${threads}`]));
      }
      const row: VsPytorchRow = {
        case: c.name,
        threads,
        project: measured(ours),
        pytorch: theirs.length ? measured(theirs) : null,
      };
      log(
        `${c.name}, ${threads} thread(s): project ${row.project.median.toFixed(1)}, pytorch ${row.pytorch?.median.toFixed(1) ?? '-'}`,
      );
      rows.push(row);
    }
  }

  const before = await withStockBatchNorm(() => profileStep(profileBatches));
  const after = await profileStep(profileBatches);
  log(
    `fine-tune step: ${(before.totalMs / before.steps).toFixed(0)} ms before, ${(after.totalMs / after.steps).toFixed(0)} ms after`,
  );
  const result: VsPytorchResult = { rows, profile: { before, after } };
  if ('missing' in py) result.pytorchMissing = py.missing;
  else result.torchVersion = py.version;
  return result;
}

if (process.argv[1] != null && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await benchVsPytorch({
    log: (l) => console.error(l),
    repeats: Number(process.env['REPEATS'] ?? 1),
  });
  console.log(JSON.stringify(r.rows, null, 1));
  for (const [name, p] of Object.entries(r.profile)) {
    const perStep = (ms: number) => (ms / p.steps).toFixed(1);
    console.log(`${name}: step ${perStep(p.totalMs)} ms, in kernels ${perStep(p.kernelMs)} ms`);
    for (const k of p.kernels.slice(0, 40)) {
      console.log(
        `${k.kernel.padEnd(50)} ${String(k.calls / p.steps).padStart(6)} ${perStep(k.ms).padStart(8)}`,
      );
    }
  }
}
