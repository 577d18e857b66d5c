import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type JobSpecInput, parseJobSpec } from '../../src/contracts/job-spec.js';
import { type TrainResult, train } from '../../src/ml/trainer.js';
import { initWasmBackend } from '../../src/ml/wasm-kernels/index.js';
import { mnistData } from '../helpers/mnist.js';
import { maxAbsDiff, seededCnn, weightsByLayer } from '../helpers/ml-models.js';

/**
 * The frozen prefix runs as inference outside the gradient tape, uncached too (augmentation,
 * fine-tuning): the same losses and weights as differentiating the whole model, which is what
 * training did before, within float tolerance.
 */

const spec = (extra: Omit<JobSpecInput, 'datasetId'>) =>
  parseJobSpec({
    datasetId: 'ds_0123456789abcdef',
    base: { baseModelId: 'bm_0123456789abcdef' },
    cutAt: 'flatten',
    head: [{ type: 'dense', units: 12 }],
    fit: { epochs: 2, batchSize: 16 },
    seed: 3,
    ...extra,
  });

const run = (extra: Omit<JobSpecInput, 'datasetId'>, frozenPrefix: 'inference' | 'tape') =>
  train({
    spec: spec(extra),
    data: mnistData([0, 1, 2], { perDigit: 16, offset: 0 }, { perDigit: 8, offset: 800 }),
    base: seededCnn(2, 3),
    cacheBudgetBytes: 0,
    frozenPrefix,
  });

function expectSame(a: TrainResult, b: TrainResult): void {
  expect(a.history.length).toBe(b.history.length);
  for (const [i, h] of a.history.entries()) {
    const o = b.history[i]!;
    expect(h.phase).toBe(o.phase);
    expect(h.loss).toBeCloseTo(o.loss, 4);
    expect(h.valLoss).toBeCloseTo(o.valLoss as number, 4);
  }
  const wa = weightsByLayer(a.model);
  const wb = weightsByLayer(b.model);
  for (const [name, ws] of wa) {
    for (const [i, w] of ws.entries()) expect(maxAbsDiff(w, wb.get(name)![i]!), name).toBeLessThan(1e-4);
  }
  expect(a.evaluation.loss).toBeCloseTo(b.evaluation.loss, 4);
}

beforeAll(async () => {
  await initWasmBackend();
});

describe('frozen prefix off the gradient tape', () => {
  it('trains the same model with augmentation and with a fine-tune phase', async () => {
    const before = tf.memory().numTensors;
    for (const extra of [
      { augment: { flipHorizontal: true, rotateDegrees: 10, brightness: 0.1 } },
      { fineTune: { unfreezeFrom: 'conv2', epochs: 2, learningRate: 0.0005 } },
    ] satisfies Array<Omit<JobSpecInput, 'datasetId'>>) {
      const offTape = await run(extra, 'inference');
      const onTape = await run(extra, 'tape');
      expect(offTape.cache[0]).toMatchObject({ used: false, inferencePrefix: 'flatten' });
      expect(onTape.cache[0]?.inferencePrefix).toBeUndefined();
      if (extra.fineTune) expect(offTape.cache[1]).toMatchObject({ inferencePrefix: 'pool1' });
      expectSame(offTape, onTape);
      offTape.model.dispose();
      onTape.model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);
});
