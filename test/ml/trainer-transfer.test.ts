import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type JobSpecInput, parseJobSpec } from '../../src/contracts/job-spec.js';
import { validateSpecAgainst } from '../../src/jobs/spec-check.js';
import { CancelledError } from '../../src/lib/cancellation.js';
import { describeData, describeModel } from '../../src/ml/describe-model.js';
import { describeLayers } from '../../src/ml/layers.js';
import { cloneModel } from '../../src/ml/model-io.js';
import type { TrainProgress } from '../../src/contracts/progress.js';
import { type TrainResult, train } from '../../src/ml/trainer.js';
import type { TrainingData } from '../../src/ml/example-source.js';
import { initWasmBackend } from '../../src/ml/wasm-kernels/index.js';
import { mnistData } from '../helpers/mnist.js';
import { maxAbsDiff, seededCnn, weightsByLayer } from '../helpers/ml-models.js';

const DS = 'ds_0123456789abcdef';
const BM = 'bm_0123456789abcdef';

/** 5-9 digits: 20 per class to train on, 10 per class held out. */
const digits = (): TrainingData =>
  mnistData([5, 6, 7, 8, 9], { perDigit: 20, offset: 0 }, { perDigit: 10, offset: 800 });

const transferSpec = (extra: Omit<JobSpecInput, 'datasetId'> = {}) =>
  parseJobSpec({
    datasetId: DS,
    base: { baseModelId: BM },
    cutAt: 'flatten',
    head: [
      { type: 'dense', units: 16 },
      { type: 'dropout', rate: 0.3 },
    ],
    fit: { epochs: 3, batchSize: 16 },
    seed: 11,
    ...extra,
  });

async function run(extra: Omit<JobSpecInput, 'datasetId'>, opts: { cacheBudgetBytes?: number } = {}) {
  return train({ spec: transferSpec(extra), data: digits(), base: seededCnn(1), ...opts });
}

function layerWeights(r: TrainResult, name: string): Float32Array[] {
  return weightsByLayer(r.model).get(name) ?? [];
}

/** The base's weights before any training. */
function initialWeights(): Map<string, Float32Array[]> {
  const model = seededCnn(1);
  const w = weightsByLayer(model);
  model.dispose();
  return w;
}

beforeAll(async () => {
  await initWasmBackend();
});

describe('frozen-prefix feature cache', () => {
  it('trains the same model as the uncached path, and is used only when eligible', async () => {
    const before = tf.memory().numTensors;
    const cached = await run({});
    const uncached = await run({}, { cacheBudgetBytes: 0 });
    expect(cached.cached).toBe(true);
    expect(cached.cache).toEqual([
      { phase: 'train', used: true, boundary: 'flatten', bytes: (100 + 50) * 288 * 4 },
    ]);
    expect(uncached.cached).toBe(false);
    expect(uncached.cache[0]?.reason).toMatch(/disabled/);

    for (const [a, b] of cached.history.map((h, i) => [h, uncached.history[i]] as const)) {
      expect(a.loss).toBeCloseTo(b?.loss as number, 4);
      expect(a.valLoss).toBeCloseTo(b?.valLoss as number, 4);
    }
    for (const name of ['head_1_dense', 'output']) {
      const [wa, wb] = [layerWeights(cached, name), layerWeights(uncached, name)];
      expect(wa.length).toBe(2);
      for (const [i, w] of wa.entries()) expect(maxAbsDiff(w, wb[i] as Float32Array)).toBeLessThan(1e-4);
    }
    expect(cached.evaluation.loss).toBeCloseTo(uncached.evaluation.loss, 4);

    // Frozen BatchNormalization ran in inference mode on both paths: its statistics are untouched.
    const fresh = initialWeights();
    for (const r of [cached, uncached]) {
      for (const name of ['conv1', 'bn1', 'conv2']) {
        const got = layerWeights(r, name);
        for (const [i, w] of (fresh.get(name) ?? []).entries())
          expect(Array.from(got[i] ?? [])).toEqual(Array.from(w));
      }
      expect(r.model.layers.map((l) => l.name)).not.toContain('fc');
      expect(r.model.outputs[0]?.shape).toEqual([null, 5]);
    }

    // The suffix model's extra use of the head layers is undone: the returned model is a plain
    // single-use graph, and a serialised round trip predicts the same.
    expect(describeLayers(cached.model).find((l) => l.name === 'head_1_dense')?.inbound).toEqual(['flatten']);
    expect(cached.model.getLayer('head_1_dense').inboundNodes).toHaveLength(1);
    const copy = await cloneModel(cached.model);
    expect(copy.layers.map((l) => l.name)).toEqual(cached.model.layers.map((l) => l.name));
    expect(describeLayers(copy).find((l) => l.name === 'head_1_dense')?.inbound).toEqual(['flatten']);
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 5);
    const [p1, p2] = [cached.model.predict(x) as tf.Tensor, copy.predict(x) as tf.Tensor];
    expect(maxAbsDiff(await p1.data(), await p2.data())).toBeLessThan(1e-6);
    tf.dispose([x, p1, p2]);
    copy.dispose();

    cached.model.dispose();
    uncached.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is not used with augmentation or over its budget, and says why', async () => {
    const before = tf.memory().numTensors;
    const augmented = await run({
      augment: { flipHorizontal: true, rotateDegrees: 10, brightness: 0.1 },
      fit: { epochs: 1 },
    });
    expect(augmented.cache[0]).toMatchObject({ used: false, reason: expect.stringMatching(/augmentation/) });
    const small = await run({ fit: { epochs: 1 } }, { cacheBudgetBytes: 1000 });
    expect(small.cache[0]).toMatchObject({
      used: false,
      reason: expect.stringMatching(/over the cache budget of 1000/),
    });
    augmented.model.dispose();
    small.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('TF.js alone trains a frozen BatchNormalization with batch statistics (why frozen layers are forced into inference mode)', async () => {
    const model = seededCnn(2);
    model.getLayer('bn1').trainable = false;
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const x = tf.randomUniform([8, 28, 28, 1], 0, 1, 'float32', 1);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 0, 1, 2], 'int32'), 5);
    const meanBefore = Array.from(model.getLayer('bn1').getWeights()[2]?.dataSync() ?? []);
    await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    const meanAfter = Array.from(model.getLayer('bn1').getWeights()[2]?.dataSync() ?? []);
    expect(maxAbsDiff(meanBefore, meanAfter)).toBeGreaterThan(1e-4);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('fine-tuning', () => {
  it('unfreezes from the named layer, at its own learning rate, and caches at the new boundary', async () => {
    const before = tf.memory().numTensors;
    const r = await run({
      compile: { optimizer: 'adam', learningRate: 0.01 },
      fit: { epochs: 2, batchSize: 16 },
      fineTune: { unfreezeFrom: 'conv2', epochs: 2, learningRate: 0.0005 },
    });
    expect(r.history.map((h) => [h.phase, h.epoch, h.lr])).toEqual([
      ['train', 1, 0.01],
      ['train', 2, 0.01],
      ['fineTune', 1, 0.0005],
      ['fineTune', 2, 0.0005],
    ]);
    expect(r.cache.map((c) => [c.phase, c.used, c.boundary])).toEqual([
      ['train', true, 'flatten'],
      ['fineTune', true, 'pool1'],
    ]);
    const trainable = Object.fromEntries(r.model.layers.map((l) => [l.name, l.trainable]));
    expect(trainable).toMatchObject({ conv1: false, bn1: false, pool1: false, conv2: true, output: true });
    const fresh = initialWeights();
    const moved = (name: string) => maxAbsDiff(layerWeights(r, name)[0] ?? [], fresh.get(name)?.[0] ?? []);
    expect(moved('conv1')).toBe(0);
    expect(moved('conv2')).toBeGreaterThan(0);
    // 3*3*4*8 + 8 (conv2) + 288*16 + 16 (dense) + 16*5 + 5 (output)
    expect(r.params.trainable).toBe(296 + 4624 + 85);
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('progress and cancellation', () => {
  it('reports every batch with phase, epoch, loss, rate, speed and ETA', async () => {
    const seen: TrainProgress[] = [];
    const r2 = await train({
      spec: transferSpec({ fit: { epochs: 2, batchSize: 25 } }),
      data: digits(),
      base: seededCnn(1),
      onProgress: (p) => seen.push(p),
    });
    r2.model.dispose();
    const phases = seen.map((p) => p.phase);
    expect(phases.filter((p) => p === 'caching')).toHaveLength(4 + 2);
    expect(phases.filter((p) => p === 'train')).toHaveLength(2 * (4 + 1));
    expect(phases.at(-1)).toBe('evaluating');
    const batch = seen.find((p) => p.phase === 'train' && p.epoch === 2 && p.batch === 2);
    expect(batch).toMatchObject({ epochs: 2, batches: 4, learningRate: 0.001 });
    expect(batch?.loss).toBeGreaterThan(0);
    expect(batch?.metrics.acc).toBeGreaterThanOrEqual(0);
    expect(batch?.examplesPerSec).toBeGreaterThan(0);
    expect(batch?.etaMs).toBeGreaterThan(0);
    const ends = seen.filter((p) => p.epochEnd);
    expect(ends.map((p) => p.epochEnd?.epoch)).toEqual([1, 2]);
    expect(ends[1]?.metrics).toHaveProperty('val_acc');
    expect(ends[1]?.epochEnd).toEqual(r2.history[1]);
  });

  it('stops at the next batch when aborted and leaks no tensors, base included', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    let after = 0;
    const pending = train({
      spec: transferSpec({ fit: { epochs: 5, batchSize: 10 } }),
      data: digits(),
      base: seededCnn(1),
      cacheBudgetBytes: 0,
      signal: controller.signal,
      onProgress: (p) => {
        if (controller.signal.aborted) after++;
        if (p.phase === 'train' && p.epoch === 2 && p.batch === 3) controller.abort();
      },
    });
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    expect(after).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is cancelled by an abort from a timer while training (the loop yields to the event loop)', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    let batches = 0;
    const pending = train({
      spec: transferSpec({ fit: { epochs: 1000, batchSize: 10 }, fineTune: { unfreezeFrom: 'conv2' } }),
      data: digits(),
      base: seededCnn(1),
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'train' && batches++ === 0) setTimeout(() => controller.abort(), 20);
      },
    });
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    expect(batches).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('refused jobs', () => {
  it('a spec that does not fit the base is refused with field paths before training, and the base stays whole', () => {
    const before = tf.memory().numTensors;
    const base = seededCnn(1);
    try {
      const check = (input: Partial<JobSpecInput>) =>
        validateSpecAgainst(transferSpec(input), describeModel(base), describeData(digits()));
      expect(check({ cutAt: 'nope', fineTune: { unfreezeFrom: 'fc' } })).not.toEqual([]);
      expect(check({ fineTune: { unfreezeFrom: 'fc' } })).toMatchObject([{ path: 'fineTune.unfreezeFrom' }]);
    } finally {
      base.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
