import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/contracts/job-spec.js';
import { EarlyStopping, ReduceLROnPlateau } from '../../src/ml/callbacks.js';
import { classWeights } from '../../src/ml/losses.js';
import { MemorySource } from '../../src/ml/memory-source.js';
import { createOptimizer, getLearningRate, setLearningRate } from '../../src/ml/optimizers.js';
import { train } from '../../src/ml/trainer.js';
import type { TrainingData } from '../../src/ml/example-source.js';
import { initWasmBackend } from '../../src/ml/wasm-kernels/index.js';
import { mnistArrays, mnistSource } from '../helpers/mnist.js';

const DS = 'ds_0123456789abcdef';

/** One step on loss = 3 * v from v = 1: how far v moves is the optimizer's effective step. */
function stepSize(optimizer: tf.Optimizer): number {
  const one = tf.scalar(1);
  const v = tf.variable(one);
  one.dispose();
  optimizer.minimize(() => tf.mul(v, 3) as tf.Scalar, false, [v]);
  const moved = Math.abs((v.dataSync()[0] as number) - 1);
  v.dispose();
  return moved;
}

/** MNIST digits flattened to 784 features: a quick dense-only job. */
function digitsData(digits: number[], perDigit: number, validation?: MemorySource): TrainingData {
  return {
    kind: 'image',
    task: 'classification',
    classes: digits.map(String),
    inputShape: [28, 28, 1],
    train: mnistSource(digits, perDigit, 0),
    ...(validation ? { validation } : {}),
  };
}

beforeAll(async () => {
  await initWasmBackend();
});

let baseline = 0;
afterEach(() => {
  expect(tf.memory().numTensors).toBe(baseline);
});

describe('learning rate control', () => {
  it.each(['sgd', 'adam', 'rmsprop', 'adagrad'] as const)(
    'setLearningRate really changes the step of %s',
    (name) => {
      baseline = tf.memory().numTensors;
      const reference = createOptimizer(name, 0.1);
      const lowered = createOptimizer(name, 0.1);
      setLearningRate(lowered, 0.01);
      expect(getLearningRate(lowered)).toBe(0.01);
      const big = stepSize(reference);
      const small = stepSize(lowered);
      expect(big).toBeGreaterThan(1e-3);
      expect(small / big).toBeCloseTo(0.1, 4);
      reference.dispose();
      lowered.dispose();
    },
  );

  it('ReduceLROnPlateau lowers the rate after `patience` flat epochs, honours cooldown and minLr', () => {
    baseline = tf.memory().numTensors;
    const sgd = createOptimizer('sgd', 0.1);
    const cb = new ReduceLROnPlateau(
      { key: 'val_loss', factor: 0.5, patience: 2, minLr: 0.02, minDelta: 0, cooldown: 1 },
      sgd,
    );
    const lrs = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0].map((loss) => {
      cb.onEpochEnd({ val_loss: loss });
      return getLearningRate(sgd);
    });
    // Keras semantics: epoch 1 sets the best, epochs 2-3 are flat -> 0.05; the cooldown epoch
    // after a reduction resets the wait but still counts as flat, so 4-5 -> 0.025, 6-7 -> 0.02
    // (0.0125 floored at minLr); at minLr nothing is lowered any more.
    expect(lrs).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02]);
    expect(cb.onEpochEnd({ val_loss: 1 })).toBeUndefined();
    expect(cb.onEpochEnd({ val_loss: 0.5 })).toBeUndefined(); // an improvement
    expect(stepSize(sgd)).toBeCloseTo(0.02 * 3, 6); // the optimizer really steps at the new rate
    sgd.dispose();
  });

  it('train() lowers the learning rate of its optimizer on a plateau', async () => {
    baseline = tf.memory().numTensors;
    const spec = parseJobSpec({
      datasetId: DS,
      head: [{ type: 'flatten' }, { type: 'dense', units: 16 }],
      compile: { optimizer: 'sgd', learningRate: 0.05 },
      fit: { epochs: 4, batchSize: 25 },
      // No epoch can improve by a million, so every epoch after the first is a plateau.
      callbacks: { reduceLROnPlateau: { monitor: 'loss', factor: 0.2, patience: 1, minDelta: 1e6 } },
      seed: 3,
    });
    const r = await train({ spec, data: digitsData([0, 1], 50) });
    expect(r.history.slice(0, 2).map((e) => e.lr)).toEqual([0.05, 0.05]);
    expect(r.history[2]?.lr).toBeCloseTo(0.01, 10);
    expect(r.history[3]?.lr).toBeCloseTo(0.002, 10);
    r.model.dispose();
  });
});

describe('EarlyStopping', () => {
  it('stops after `patience` epochs without improvement and restores the best weights', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1, name: 'd' })] });
    baseline = tf.memory().numTensors;
    const layer = model.getLayer('d');
    const setKernel = (v: number) => {
      const k = tf.fill([2, 1], v);
      const b = tf.zeros([1]);
      layer.setWeights([k, b]);
      tf.dispose([k, b]);
    };
    const es = new EarlyStopping(
      { key: 'val_loss', patience: 2, minDelta: 0, restoreBestWeights: true },
      model,
    );
    setKernel(1);
    expect(es.onEpochEnd(1, { val_loss: 0.5 })).toBe(false);
    setKernel(2);
    expect(es.onEpochEnd(2, { val_loss: 0.4 })).toBe(false); // best
    setKernel(3);
    expect(es.onEpochEnd(3, { val_loss: 0.45 })).toBe(false);
    setKernel(4);
    expect(es.onEpochEnd(4, { val_loss: 0.41 })).toBe(true);
    expect(es.finish(4)).toEqual({ stoppedEpoch: 4, bestEpoch: 2, best: 0.4, restoredEpoch: 2 });
    expect(Array.from(layer.getWeights()[0]?.dataSync() ?? [])).toEqual([2, 2]);
    expect(tf.memory().numTensors).toBe(baseline);
    model.dispose();
    baseline = tf.memory().numTensors;
  });

  it('train() ends with the weights of the best validation epoch', async () => {
    baseline = tf.memory().numTensors;
    // Validation images are training images with every label moved to the other class: the
    // better the model fits the training labels, the worse its validation loss gets.
    const same = mnistArrays([0, 1], 60, 0);
    const validation = new MemorySource(
      same.features,
      same.labels.map((y) => 1 - y),
      [28, 28, 1],
    );
    const spec = parseJobSpec({
      datasetId: DS,
      head: [{ type: 'flatten' }, { type: 'dense', units: 16 }],
      fit: { epochs: 10, batchSize: 20 },
      callbacks: { earlyStopping: { monitor: 'val_loss', patience: 2 } },
      seed: 5,
    });
    const r = await train({ spec, data: { ...digitsData([0, 1], 60), validation } });
    const outcome = r.earlyStopping.train;
    expect(outcome?.bestEpoch).toBe(1);
    expect(outcome?.stoppedEpoch).toBe(3);
    expect(outcome?.restoredEpoch).toBe(1);
    expect(r.history).toHaveLength(3);
    // The final evaluation runs on the restored weights: it reproduces epoch 1's validation loss.
    expect(r.evaluation.loss).toBeCloseTo(r.history[0]?.valLoss as number, 4);
    expect(r.evaluation.loss).toBeLessThan(r.history[2]?.valLoss as number);
    r.model.dispose();
  });

  it('warns when callbacks watch a validation split of a few examples per class, and only then', async () => {
    baseline = tf.memory().numTensors;
    const run = async (perDigit: number, callbacks: object) => {
      const held = mnistArrays([0, 1], perDigit, 500);
      const validation = new MemorySource(held.features, held.labels, [28, 28, 1]);
      const spec = parseJobSpec({
        datasetId: DS,
        head: [{ type: 'flatten' }],
        fit: { epochs: 1, batchSize: 20 },
        callbacks,
        seed: 5,
      });
      const r = await train({ spec, data: { ...digitsData([0, 1], 20), validation } });
      r.model.dispose();
      return r.warnings.filter((w) => w.startsWith('the validation split holds fewer than 5'));
    };
    const watching = { earlyStopping: { monitor: 'val_loss', patience: 2 } };
    expect(await run(2, watching)).toHaveLength(1);
    expect(await run(2, { reduceLROnPlateau: { monitor: 'loss', patience: 2 } })).toHaveLength(0);
    expect(await run(6, watching)).toHaveLength(0);
  });
});

describe('class weights', () => {
  it('balanced weights follow n / (classes * n_class)', () => {
    expect(classWeights('balanced', ['a', 'b', 'c'], [0, 0, 0, 1, 2, 2])).toEqual([6 / 9, 6 / 3, 6 / 6]);
    expect(classWeights({ b: 3 }, ['a', 'b'], [0, 1])).toEqual([1, 3]);
    expect(classWeights(undefined, ['a', 'b'], [0, 1])).toBeUndefined();
  });

  it("scale each example's loss, and a zero weight removes a class from training", async () => {
    baseline = tf.memory().numTensors;
    const base = {
      datasetId: DS,
      head: [{ type: 'flatten' as const }],
      fit: { epochs: 1, batchSize: 20 },
      seed: 9,
    };
    const run = async (extra: object) => {
      const r = await train({ spec: parseJobSpec({ ...base, ...extra }), data: digitsData([3, 5], 40) });
      r.model.dispose();
      return r;
    };
    // With a negligible learning rate the model barely moves, so the first epoch's loss is the
    // initial model's: doubling every class weight exactly doubles it.
    const tiny = { compile: { optimizer: 'sgd', learningRate: 1e-9 } };
    const plain = await run(tiny);
    const doubled = await run({ ...tiny, classWeight: { '3': 2, '5': 2 } });
    expect(doubled.history[0]?.loss).toBeCloseTo(2 * (plain.history[0]?.loss as number), 5);

    const onlyFives = await run({ fit: { epochs: 5, batchSize: 20 }, classWeight: { '3': 0 } });
    const ev = onlyFives.evaluation;
    if (ev.task !== 'classification') throw new Error('expected a classification evaluation');
    expect(ev.perClass[0]?.recall).toBe(0);
    expect(ev.perClass[1]?.recall).toBe(1);
  });
});
