import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type JobSpecInput, parseJobSpec } from '../../src/contracts/job-spec.js';
import {
  type CrossValidationPlan,
  refit,
  refitSpec,
  runFolds,
  sharedFeaturesFor,
} from '../../src/ml/cross-validate.js';
import type { TrainingData } from '../../src/ml/example-source.js';
import { train } from '../../src/ml/trainer.js';
import { featureStats, TabularExampleSource } from '../../src/datasets/tabular/tabular-source.js';
import { initWasmBackend } from '../../src/ml/wasm-kernels/index.js';
import { mnistData } from '../helpers/mnist.js';
import { maxAbsDiff, seededCnn } from '../helpers/ml-models.js';

/**
 * The fold driver trains each fold and the refit from one plan: every run gets its own copy of
 * the base, the frozen prefix's features are computed once for all of them, each fold predicts
 * exactly the examples it held out, and nothing leaks a tensor.
 */

const DS = 'ds_0123456789abcdef';
const BM = 'bm_0123456789abcdef';

/** Digits 5-9, 12 of each, interleaved (example i has class i % 5). */
const digits = (): TrainingData => mnistData([5, 6, 7, 8, 9], { perDigit: 12, offset: 0 });

const spec = (extra: Omit<JobSpecInput, 'datasetId'> = {}) =>
  parseJobSpec({
    datasetId: DS,
    base: { baseModelId: BM },
    cutAt: 'flatten',
    head: [{ type: 'dense', units: 16 }],
    fit: { epochs: 3, batchSize: 16 },
    callbacks: { earlyStopping: { monitor: 'val_loss', patience: 1 } },
    seed: 7,
    ...extra,
  });

/** Four folds; each holds out every fourth example from its own start. */
const heldOut = (n: number) =>
  [0, 1, 2, 3].map((f) => Array.from({ length: n }, (_, i) => i).filter((i) => i % 4 === f));

function plan(extra: Omit<JobSpecInput, 'datasetId'> = {}): CrossValidationPlan {
  const data = digits();
  return { spec: spec(extra), data, base: seededCnn(1), shared: sharedFeaturesFor(data) };
}

beforeAll(async () => {
  await initWasmBackend();
});

describe('cross-validation folds and refit', () => {
  it('computes the frozen features once for every fold and the refit, and leaks no tensor', async () => {
    const before = tf.memory().numTensors;
    const p = plan();
    const folds = heldOut(p.data.train.size);
    const outcomes = await runFolds(p, { heldOut: folds, stage: 'fold' });
    expect(outcomes).toHaveLength(4);
    for (const [k, o] of outcomes.entries()) {
      expect(o.cached).toBe(true);
      expect(o.heldOut).toEqual(folds[k]);
      // Every held-out example predicted once, in order, with its own label and a distribution.
      expect(o.outputs.labels).toEqual(folds[k]?.map((i) => p.data.train.labels[i]));
      expect(o.outputs.width).toBe(5);
      for (let j = 0; j < o.outputs.labels.length; j++) {
        const row = Array.from(o.outputs.values.subarray(j * 5, j * 5 + 5));
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      }
      expect(o.bestEpochs.train).toBeGreaterThanOrEqual(1);
      expect(o.bestEpochs.train).toBeLessThanOrEqual(3);
    }
    const r = await refit(p, { train: 2 });
    try {
      // One pass of the base over the 60 examples served all five runs.
      expect(p.shared.passes).toBe(1);
      expect(p.base).toBeUndefined();
      // The refit trained on every example, for the epochs it was given, without validation.
      expect(r.evaluation.examples).toBe(60);
      expect(r.evaluatedOn).toBe('train');
      expect(r.history.map((h) => h.epoch)).toEqual([1, 2]);
      expect(r.history.every((h) => h.valLoss === undefined)).toBe(true);
    } finally {
      r.model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('gives a fold the same predictions as training it alone, uncached', async () => {
    const p = plan();
    const folds = heldOut(p.data.train.size);
    const [shared] = await runFolds(p, { heldOut: [folds[0] as number[]], stage: 'fold' });
    p.base?.dispose();
    const all = p.data.train;
    const held = folds[0] as number[];
    const trainRows = Array.from({ length: all.size }, (_, i) => i).filter((i) => !held.includes(i));
    const alone = await train({
      spec: spec(),
      data: { ...p.data, train: all.subset?.(trainRows) ?? all, validation: all.subset?.(held) ?? all },
      base: seededCnn(1),
      cacheBudgetBytes: 0,
      collectOutputs: true,
    });
    alone.model.dispose();
    expect(alone.cached).toBe(false);
    expect(maxAbsDiff(shared?.outputs.values ?? [], alone.outputs?.values ?? [])).toBeLessThan(1e-4);
  }, 120_000);

  it('runs the fine-tune phase in every fold, sharing the features of each frozen boundary', async () => {
    const before = tf.memory().numTensors;
    const p = plan({ fineTune: { unfreezeFrom: 'conv2', epochs: 1, learningRate: 1e-4 } });
    const outcomes = await runFolds(p, { heldOut: heldOut(p.data.train.size).slice(0, 2), stage: 'fold' });
    expect(outcomes.map((o) => o.history.filter((h) => h.phase === 'fineTune').length)).toEqual([1, 1]);
    expect(outcomes.every((o) => o.bestEpochs.fineTune === 1)).toBe(true);
    const r = await refit(p, { train: 1, fineTune: 1 });
    r.model.dispose();
    // The flatten features (first phase) and the pool1 features (fine-tune) once each.
    expect(p.shared.passes).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it("trains and scores each fold on inputs preprocessed with its own training rows' statistics", async () => {
    // 40 rows of 2 features, the class in the sign of the first; the held-out fold's second
    // feature is in the thousands, so statistics over every row would be the fold's, not the rest's.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cv-tabular-'));
    try {
      const n = 40;
      const x = new Float32Array(n * 2);
      const targets = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        targets[i] = i % 2;
        x[2 * i] = (i % 2 ? 1 : -1) + ((i * 7) % 10) / 20;
        x[2 * i + 1] = i >= 30 ? 1000 + i : ((i * 3) % 10) / 10;
      }
      const file = path.join(dir, 'features.f32');
      await writeFile(file, new Uint8Array(x.buffer));
      const rows = Array.from({ length: n }, (_, i) => i);
      const stats = await featureStats(file, rows, 2);
      const all = new TabularExampleSource(file, rows, targets, 2, stats.mean, stats.std, 'classification');
      const data: TrainingData = {
        kind: 'tabular',
        task: 'classification',
        classes: ['a', 'b'],
        inputShape: [2],
        train: all,
      };
      const tabular = parseJobSpec({
        datasetId: DS,
        head: [{ type: 'dense', units: 4 }],
        compile: { learningRate: 0.05 },
        fit: { epochs: 3, batchSize: 8 },
        seed: 3,
      });
      const held = rows.slice(30);
      const trainRows = rows.slice(0, 30);
      const [fold] = await runFolds(
        { spec: tabular, data, shared: sharedFeaturesFor(data) },
        { heldOut: [held], stage: 'fold' },
      );
      const alone = async (source: TabularExampleSource) => {
        const r = await train({
          spec: tabular,
          data: { ...data, train: source.subset(trainRows), validation: source.subset(held) },
          collectOutputs: true,
        });
        r.model.dispose();
        return r.outputs?.values ?? new Float32Array();
      };
      const own = await alone(await all.fitPreprocessing(trainRows));
      const leaky = await alone(all);
      expect(maxAbsDiff(fold?.outputs.values ?? [], own)).toBeLessThan(1e-5);
      // The same fold with the whole table's statistics predicts otherwise: the check can fail.
      expect(maxAbsDiff(fold?.outputs.values ?? [], leaky)).toBeGreaterThan(1e-2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('refits without early stopping, for the given epochs of each phase', () => {
    const s = refitSpec(spec({ fineTune: { unfreezeFrom: 'conv2', epochs: 9 } }), { train: 4, fineTune: 2 });
    expect(s.callbacks.earlyStopping).toBeUndefined();
    expect(s.fit.epochs).toBe(4);
    expect(s.fineTune?.epochs).toBe(2);
  });
});
