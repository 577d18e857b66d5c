import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type JobSpecInput, parseJobSpec } from '../../src/contracts/job-spec.js';
import { TrainingMemoryError } from '../../src/ml/memory-plan.js';
import { MemorySource } from '../../src/ml/memory-source.js';
import { type TrainResult, train } from '../../src/ml/trainer.js';
import type { TrainingData } from '../../src/ml/example-source.js';
import { initWasmBackend } from '../../src/ml/wasm-kernels/index.js';
import { mnistData } from '../helpers/mnist.js';
import { maxAbsDiff, seededCnn, weightsByLayer } from '../helpers/ml-models.js';

const DS = 'ds_0123456789abcdef';

function expectSameModel(a: TrainResult, b: TrainResult): void {
  for (const [i, h] of a.history.entries()) expect(h.loss).toBeCloseTo(b.history[i]!.loss, 4);
  const wb = weightsByLayer(b.model);
  for (const [name, ws] of weightsByLayer(a.model)) {
    for (const [i, w] of ws.entries()) expect(maxAbsDiff(w, wb.get(name)![i]!), name).toBeLessThan(1e-4);
  }
}

beforeAll(async () => {
  await initWasmBackend();
});

describe('memory-bounded batches', () => {
  it('gives the full batch update when a batch runs as micro-batches', async () => {
    const before = tf.memory().numTensors;
    const data = () => mnistData([0, 1, 2], { perDigit: 12, offset: 0 }, { perDigit: 4, offset: 800 });
    for (const extra of [
      // From scratch: every layer differentiated, class weights on.
      {
        architecture: [{ type: 'conv2d', filters: 4, kernelSize: 3 }, { type: 'flatten' }],
        input: { size: [28, 28], channels: 1 },
        classWeight: 'balanced',
      },
      // Transfer with augmentation: the frozen prefix runs per micro-batch.
      {
        base: { baseModelId: 'bm_0123456789abcdef' },
        cutAt: 'flatten',
        head: [{ type: 'dense', units: 8 }],
        augment: { flipHorizontal: true, rotateDegrees: 5 },
        fineTune: { unfreezeFrom: 'conv2', epochs: 1, learningRate: 0.001 },
      },
    ] as Array<Omit<JobSpecInput, 'datasetId'>>) {
      const spec = parseJobSpec({ datasetId: DS, fit: { epochs: 2, batchSize: 12 }, seed: 4, ...extra });
      const base = () => (spec.base ? { base: seededCnn(3, 3) } : {});
      const full = await train({ spec, data: data(), ...base(), cacheBudgetBytes: 0 });
      const micro = await train({ spec, data: data(), ...base(), cacheBudgetBytes: 0, microBatchSize: 5 });
      expect(full.memory.every((m) => m.microBatch === 12)).toBe(true);
      expect(micro.memory.every((m) => m.microBatch === 5)).toBe(true);
      expectSameModel(micro, full);
      full.model.dispose();
      micro.model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('splits a batch that does not fit the budget', async () => {
    const spec = parseJobSpec({
      datasetId: DS,
      architecture: [{ type: 'conv2d', filters: 8, kernelSize: 3 }, { type: 'flatten' }],
      input: { size: [28, 28], channels: 1 },
      fit: { epochs: 1, batchSize: 16 },
      seed: 1,
    });
    const data = mnistData([0, 1], { perDigit: 8, offset: 0 }, { perDigit: 2, offset: 800 });
    // About 4 examples' worth of activations beside the weights.
    const r = await train({ spec, data, memoryBudgetBytes: 2_000_000 + tf.memory().numBytes });
    expect(r.memory[0]!.microBatch).toBeGreaterThan(1);
    expect(r.memory[0]!.microBatch).toBeLessThan(16);
    expect(r.warnings.join(' ')).toMatch(/micro-batches/);
    r.model.dispose();
  });

  it('refuses at once, naming the layer, input and batch size, when one example cannot fit', async () => {
    const before = tf.memory().numTensors;
    const size = 1024;
    const data: TrainingData = {
      kind: 'image',
      task: 'classification',
      classes: ['a', 'b'],
      inputShape: [size, size, 3],
      train: new MemorySource(new Float32Array(2 * size * size * 3), [0, 1], [size, size, 3]),
    };
    const spec = parseJobSpec({
      datasetId: DS,
      architecture: [
        { type: 'conv2d', filters: 4096, kernelSize: 3, padding: 'same', name: 'wide' },
        { type: 'globalAveragePooling2d' },
      ],
      input: { size: [size, size], channels: 3 },
      fit: { epochs: 1, batchSize: 32 },
    });
    const started = Date.now();
    const err = await train({ spec, data }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(err).toBeInstanceOf(TrainingMemoryError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/single example does not fit/);
    expect(msg).toMatch(/'wide'/);
    expect(msg).toMatch(/input \[1024x1024x3\], batch size 32/);
    expect(msg).toMatch(/input\.size/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses trainable weights that cannot fit with their gradients and optimizer state', async () => {
    const before = tf.memory().numTensors;
    const spec = parseJobSpec({
      datasetId: DS,
      architecture: [
        { type: 'dense', units: 9900 },
        { type: 'dense', units: 9900, name: 'huge' },
      ],
      fit: { epochs: 1, batchSize: 8 },
    });
    const data: TrainingData = {
      kind: 'tabular',
      task: 'classification',
      classes: ['a', 'b'],
      inputShape: [4],
      train: new MemorySource(new Float32Array(8), [0, 1], [4]),
    };
    const err = await train({ spec, data, memoryBudgetBytes: 1024 ** 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingMemoryError);
    expect((err as Error).message).toMatch(
      /trainable weights need about .* 'huge', has 98019900 trainable parameters/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
