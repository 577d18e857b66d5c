import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/contracts/job-spec.js';
import { UnprocessableError } from '../../src/lib/errors.js';
import { MemorySource } from '../../src/ml/memory-source.js';
import { train } from '../../src/ml/trainer.js';
import { initWasmBackend } from '../../src/ml/wasm-kernels/index.js';
import { seededRandom } from '../helpers/seeded-random.js';

/** y = 3 x0 - 2 x1 + 0.5 x2 + 100 (+ small noise): a linear target with a large offset. */
function linear(n: number, seed: number): MemorySource {
  const rnd = seededRandom(seed);
  const x = new Float32Array(n * 3).map(() => rnd() * 2 - 1);
  const y = Array.from(
    { length: n },
    (_, i) => 3 * x[i * 3]! - 2 * x[i * 3 + 1]! + 0.5 * x[i * 3 + 2]! + 100 + (rnd() - 0.5) * 0.01,
  );
  return new MemorySource(x, y, [3], 'regression');
}

beforeAll(async () => {
  await initWasmBackend();
});

describe('regression jobs', () => {
  it('fit a linear target with a linear output unit and report loss, MAE and RMSE', async () => {
    const before = tf.memory().numTensors;
    const spec = parseJobSpec({
      datasetId: 'ds_0123456789abcdef',
      compile: { optimizer: 'adam', learningRate: 0.05 },
      fit: { epochs: 40, batchSize: 32 },
      callbacks: { reduceLROnPlateau: { monitor: 'val_mae', patience: 3, factor: 0.5 } },
      seed: 4,
    });
    const r = await train({
      spec,
      data: {
        kind: 'tabular',
        task: 'regression',
        classes: [],
        inputShape: [3],
        train: linear(256, 1),
        validation: linear(64, 2),
      },
    });
    const ev = r.evaluation;
    if (ev.task !== 'regression') throw new Error('expected a regression evaluation');
    expect(ev.examples).toBe(64);
    expect(ev.mae).toBeLessThan(0.05);
    expect(ev.rmse).toBeGreaterThanOrEqual(ev.mae);
    expect(ev.loss).toBeCloseTo(ev.rmse ** 2, 4);
    expect(r.history[0]).toHaveProperty('mae');
    expect(r.history[0]).toHaveProperty('valMae');
    // The output bias starts at the target mean, so even the first epoch is not spent on the offset.
    expect(r.history[0]?.mae).toBeLessThan(5);
    expect(r.model.outputs[0]?.shape).toEqual([null, 1]);
    const origin = tf.zeros([1, 3]);
    const pred = r.model.predict(origin) as tf.Tensor;
    expect((await pred.data())[0]).toBeCloseTo(100, 0);
    tf.dispose([origin, pred]);
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fail with a clear error when the loss diverges, and leak nothing', async () => {
    const before = tf.memory().numTensors;
    const spec = parseJobSpec({
      datasetId: 'ds_0123456789abcdef',
      compile: { optimizer: 'sgd', learningRate: 10 },
      fit: { epochs: 20, batchSize: 16 },
      seed: 1,
    });
    const data = {
      kind: 'tabular' as const,
      task: 'regression' as const,
      classes: [],
      inputShape: [3],
      train: new MemorySource(new Float32Array(64 * 3).fill(1000), linear(64, 3).labels, [3], 'regression'),
    };
    const failure = train({ spec, data });
    await expect(failure).rejects.toBeInstanceOf(UnprocessableError);
    await expect(failure).rejects.toThrow(/diverged.*lower the learning rate/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
