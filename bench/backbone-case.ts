/**
 * One real-backbone training case in a process of its own (so its peak RSS is its own), run by
 * bench/real-backbone.ts: `tsx bench/backbone-case.ts <case>` prints one JSON line.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeNsfwjsMobileNetV2 } from '../src/base-models/nsfwjs-mobilenet-v2.js';
import { parseJobSpec, type JobSpecInput } from '../src/contracts/job-spec.js';
import { selectBackend } from '../src/ml/backend.js';
import { MemorySource } from '../src/ml/memory-source.js';
import { loadModelFromDir } from '../src/ml/model-io.js';
import type { TrainProgress } from '../src/contracts/progress.js';
import { train, type TrainOptions } from '../src/ml/trainer.js';
import type { TrainingData } from '../src/ml/example-source.js';

export const CASES = ['cached', 'uncached', 'augment-tape', 'augment-inference', 'flagship'] as const;
export type CaseName = (typeof CASES)[number];

export interface CaseResult {
  case: CaseName;
  ok: boolean;
  error?: string;
  /** Mean training examples/s per phase (epochs of that phase). */
  phases: Record<string, number>;
  /** Examples/s of the final evaluation. */
  evaluatingPerSec?: number;
  totalMs: number;
  maxRssBytes: number;
  microBatches: number[];
}

const SIZE = 224;

function images(n: number, seed: number): MemorySource {
  const per = SIZE * SIZE * 3;
  const x = new Float32Array(n * per);
  let s = seed;
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    labels.push(c);
    for (let j = 0; j < per; j++) {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      x[i * per + j] = Math.min(1, Math.max(0, (j % 3 === c ? 0.7 : 0.3) + ((s >> 8) % 100) / 500 - 0.1));
    }
  }
  return new MemorySource(x, labels, [SIZE, SIZE, 3]);
}

const common: Omit<JobSpecInput, 'datasetId'> = {
  base: { baseModelId: 'bm_0123456789abcdef' },
  cutAt: 'flatten_1',
  freeze: 'all',
  head: [
    { type: 'dense', units: 128, activation: 'relu' },
    { type: 'dropout', rate: 0.5 },
  ],
  seed: 7,
};
const augment = { flipHorizontal: true, rotateDegrees: 10 };

function setup(c: CaseName): {
  spec: Omit<JobSpecInput, 'datasetId'>;
  n: number;
  opts: Partial<TrainOptions>;
} {
  switch (c) {
    case 'cached':
      return { spec: { ...common, fit: { epochs: 3, batchSize: 32 } }, n: 64, opts: {} };
    case 'uncached':
      return { spec: { ...common, fit: { epochs: 3, batchSize: 32 } }, n: 64, opts: { cacheBudgetBytes: 0 } };
    // The step as it was before frozen layers left the tape: the whole model differentiated, no
    // memory plan (a budget nothing exceeds).
    case 'augment-tape':
      return {
        spec: { ...common, augment, fit: { epochs: 1, batchSize: 32 } },
        n: 32,
        opts: { frozenPrefix: 'tape', memoryBudgetBytes: 1e15 },
      };
    case 'augment-inference':
      return { spec: { ...common, augment, fit: { epochs: 1, batchSize: 32 } }, n: 32, opts: {} };
    case 'flagship':
      return {
        spec: {
          ...common,
          augment,
          fit: { epochs: 2, batchSize: 32 },
          fineTune: { unfreezeFrom: 'block_16_expand', epochs: 2, learningRate: 0.00001 },
        },
        n: 64,
        opts: {},
      };
  }
}

export async function runCase(c: CaseName): Promise<CaseResult> {
  await selectBackend('auto');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mnv2-'));
  const started = performance.now();
  const { spec, n, opts } = setup(c);
  const data: TrainingData = {
    kind: 'image',
    task: 'classification',
    classes: ['a', 'b'],
    inputShape: [SIZE, SIZE, 3],
    train: images(n, 1),
    validation: images(16, 2),
  };
  let evaluatingPerSec: number | undefined;
  const onProgress = (p: TrainProgress) => {
    if (p.phase === 'evaluating') evaluatingPerSec = p.examplesPerSec;
  };
  try {
    await writeNsfwjsMobileNetV2(dir);
    const base = await loadModelFromDir(dir);
    const r = await train({
      spec: parseJobSpec({ datasetId: 'ds_0123456789abcdef', ...spec }),
      data,
      base,
      onProgress,
      ...opts,
    });
    const phases: Record<string, number[]> = {};
    for (const h of r.history) (phases[h.phase] ??= []).push(h.examplesPerSec as number);
    r.model.dispose();
    return {
      case: c,
      ok: true,
      phases: Object.fromEntries(
        Object.entries(phases).map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / v.length]),
      ),
      ...(evaluatingPerSec !== undefined ? { evaluatingPerSec } : {}),
      totalMs: performance.now() - started,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      microBatches: r.memory.map((m) => m.microBatch),
    };
  } catch (err) {
    return {
      case: c,
      ok: false,
      error: (err instanceof Error ? err.message : String(err)).slice(0, 200),
      phases: {},
      totalMs: performance.now() - started,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      microBatches: [],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('backbone-case.ts')) {
  const c = process.argv[2] as CaseName;
  if (!CASES.includes(c)) throw new Error(`unknown case ${c}; one of ${CASES.join(', ')}`);
  const r = await runCase(c);
  process.stdout.write(JSON.stringify(r) + '\n');
  process.exit(0);
}
