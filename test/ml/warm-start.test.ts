import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type JobSpecInput, parseJobSpec } from '../../src/contracts/job-spec.js';
import { train } from '../../src/ml/trainer.js';
import { initWasmBackend } from '../../src/ml/wasm-kernels/index.js';
import { mnistData } from '../helpers/mnist.js';
import { maxAbsDiff, seededCnn, weightsByLayer } from '../helpers/ml-models.js';

const spec = (extra: Omit<JobSpecInput, 'datasetId'> = {}) =>
  parseJobSpec({
    datasetId: 'ds_0123456789abcdef',
    base: { baseModelId: 'bm_0123456789abcdef' },
    cutAt: 'flatten',
    head: [{ type: 'dense', units: 16, activation: 'relu' }],
    fit: { epochs: 3, batchSize: 16 },
    seed: 5,
    ...extra,
  });

const digits = (d: number[]) => mnistData(d, { perDigit: 12, offset: 0 });

/** Largest difference between two models' weights of one layer. */
function diff(a: tf.LayersModel, b: tf.LayersModel, layer: string): number {
  const wa = weightsByLayer(a).get(layer) ?? [];
  const wb = weightsByLayer(b).get(layer) ?? [];
  expect(wa.length).toBeGreaterThan(0);
  return Math.max(...wa.map((w, i) => maxAbsDiff(w, wb[i] as Float32Array)));
}

beforeAll(async () => {
  await initWasmBackend();
});

describe('warm start', () => {
  it("starts the trained layers from the previous model's weights and leaves the frozen base as it was", async () => {
    const before = tf.memory().numTensors;
    const previous = await train({ spec: spec(), data: digits([5, 6, 7, 8, 9]), base: seededCnn(1) });
    // A step too small to move anything: what the model holds is where it started.
    const still = spec({ compile: { learningRate: 1e-9 }, fit: { epochs: 1, batchSize: 16 }, seed: 99 });
    const warm = await train({
      spec: still,
      data: digits([5, 6, 7, 8, 9]),
      base: seededCnn(1),
      warmStart: previous.model,
    });
    const cold = await train({ spec: still, data: digits([5, 6, 7, 8, 9]), base: seededCnn(1) });
    try {
      expect(warm.warmStart).toEqual({ copied: ['head_1_dense', 'output'], skipped: [] });
      expect(diff(warm.model, previous.model, 'head_1_dense')).toBeLessThan(1e-5);
      expect(diff(warm.model, previous.model, 'output')).toBeLessThan(1e-5);
      expect(diff(cold.model, previous.model, 'head_1_dense')).toBeGreaterThan(0.01);
      // The frozen base is the base's in all three.
      const base = seededCnn(1);
      expect(diff(warm.model, base, 'conv1')).toBe(0);
      base.dispose();
    } finally {
      for (const r of [previous, warm, cold]) r.model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('keeps a fresh output layer when the classes changed, and says why', async () => {
    const previous = await train({ spec: spec(), data: digits([5, 6, 7, 8, 9]), base: seededCnn(1) });
    const fewer = await train({
      spec: spec({ fit: { epochs: 1, batchSize: 16 } }),
      data: digits([5, 6, 7]),
      base: seededCnn(1),
      warmStart: previous.model,
    });
    try {
      expect(fewer.warmStart?.copied).toEqual(['head_1_dense']);
      expect(fewer.warmStart?.skipped).toEqual([
        { layer: 'output', reason: 'its weights are shaped [16x3,3] here and [16x5,5] there' },
      ]);
    } finally {
      previous.model.dispose();
      fewer.model.dispose();
    }
  }, 120_000);
});
