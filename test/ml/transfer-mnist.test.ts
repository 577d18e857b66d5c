import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CUT_AT,
  type SourceModel,
  TARGET_EPOCHS,
  trainSourceModel,
  transferVsScratch,
} from '../../bench/transfer-mnist.js';
import { initWasmBackend } from '../../src/ml/wasm-kernels/index.js';

/**
 * The transfer-learning claim on real data: a CNN trained from scratch (an `architecture` job)
 * on digits 0-4 becomes the base of transfer jobs on digits 5-9 with 10 examples per class.
 * The trainer and the benchmark share this code (bench/transfer-mnist.ts), so the numbers in
 * BENCHMARKS.md are the ones asserted here.
 */

let source: SourceModel;
let baseline = 0;

beforeAll(async () => {
  await initWasmBackend();
  baseline = tf.memory().numTensors;
  source = await trainSourceModel();
}, 120_000);

afterAll(() => {
  source.model.dispose();
  expect(tf.memory().numTensors).toBe(baseline);
});

describe('transfer learning on MNIST', () => {
  it('trains the source CNN from scratch to a useful base', () => {
    expect(source.accuracy).toBeGreaterThan(0.95);
    expect(source.model.layers.map((l) => l.name)).toContain(CUT_AT);
    console.log(
      `source CNN (digits 0-4): ${(source.accuracy * 100).toFixed(1)}% held-out, ${source.trainMs.toFixed(0)} ms`,
    );
  });

  it('with 10 examples per class, transfer is at least as accurate as from scratch, in less time', async () => {
    const before = tf.memory().numTensors;
    const { transfer, scratch } = await transferVsScratch(source.model, 10);
    console.log(
      `10/class, ${TARGET_EPOCHS} epochs: transfer ${(transfer.heldOutAccuracy * 100).toFixed(1)}% ` +
        `(${transfer.accuracies.map((a) => (a * 100).toFixed(1)).join(', ')}) in ${transfer.trainMs.toFixed(0)} ms; ` +
        `from scratch ${(scratch.heldOutAccuracy * 100).toFixed(1)}% ` +
        `(${scratch.accuracies.map((a) => (a * 100).toFixed(1)).join(', ')}) in ${scratch.trainMs.toFixed(0)} ms`,
    );
    expect(transfer.cached).toBe(true);
    expect(transfer.heldOutAccuracy).toBeGreaterThanOrEqual(scratch.heldOutAccuracy);
    // Far above chance (20%): the frozen features carry over to digits the base never saw.
    expect(transfer.heldOutAccuracy).toBeGreaterThan(0.7);
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);
});
