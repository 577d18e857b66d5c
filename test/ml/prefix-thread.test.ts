import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initWasmBackend } from '../../src/ml/wasm-kernels/index.js';
import { lossFunction } from '../../src/ml/losses.js';
import { MemorySource } from '../../src/ml/memory-source.js';
import { PrefixThread } from '../../src/ml/prefix-thread.js';
import { runPhase } from '../../src/ml/train-loop.js';
import { randomInt, randomValues, seededRandom } from '../helpers/seeded-random.js';

const SEED = 0x9a11e1;
const INPUT = [12, 12, 3];

function prefixModel(): tf.LayersModel {
  const input = tf.input({ shape: INPUT });
  let h = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false })
    .apply(input);
  h = tf.layers.batchNormalization({ movingVarianceInitializer: 'ones' }).apply(h);
  h = tf.layers.reLU({ maxValue: 6 }).apply(h);
  h = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' }).apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: h });
  model.trainable = false;
  return model;
}

function topModel(): tf.LayersModel {
  const input = tf.input({ shape: [6, 6, 8] });
  let h = tf.layers.conv2d({ filters: 6, kernelSize: 1, activation: 'relu' }).apply(input);
  h = tf.layers.globalAveragePooling2d({}).apply(h);
  const out = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

const random = seededRandom(SEED);
const N = 40;
const images = randomValues(random, [N, ...INPUT]);
const labels = Array.from({ length: N }, () => randomInt(random, 0, 2));

type Weights = Array<{ values: Float32Array; shape: number[] }>;
const snapshot = (m: tf.LayersModel): Weights =>
  m.getWeights().map((w) => ({ values: w.dataSync().slice() as Float32Array, shape: w.shape }));
function restore(m: tf.LayersModel, w: Weights): void {
  const t = w.map((x) => tf.tensor(x.values, x.shape));
  m.setWeights(t);
  tf.dispose(t);
}

let prefixWeights: Weights;
let topWeights: Weights;

beforeAll(async () => {
  await initWasmBackend();
  const [p, t] = [prefixModel(), topModel()];
  // Moving statistics away from 0/1, so the frozen normalisation does something.
  const moved = p
    .getWeights()
    .map((w, i) => tf.tidy(() => tf.add(w, tf.randomUniform(w.shape, 0, 0.5, 'float32', i))));
  p.setWeights(moved);
  tf.dispose(moved);
  prefixWeights = snapshot(p);
  topWeights = snapshot(t);
  p.dispose();
  t.dispose();
});

async function train(withThread: boolean, augment: boolean, microBatch?: number) {
  const prefix = prefixModel();
  const top = topModel();
  restore(prefix, prefixWeights);
  restore(top, topWeights);
  const thread = withThread ? await PrefixThread.start(prefix) : undefined;
  const optimizer = tf.train.adam(1e-2);
  const tensorsBefore = tf.memory().numTensors;
  try {
    const r = await runPhase({
      phase: 'train',
      model: top,
      feed: { prefix, forward: top, train: new MemorySource(images, labels, INPUT), validation: undefined },
      optimizer,
      epochs: 2,
      epochOffset: 0,
      batchSize: 8,
      shuffle: true,
      seed: 5,
      task: 'classification',
      classes: ['a', 'b', 'c'],
      loss: lossFunction('categoricalCrossentropy', 3),
      augment: augment
        ? {
            spec: { flipHorizontal: true, flipVertical: false, rotateDegrees: 10, brightness: 0 },
            range: [0, 1],
          }
        : undefined,
      microBatch,
      prefixThread: thread,
    });
    return { losses: r.history.map((h) => h.loss), weights: snapshot(top), tensorsBefore };
  } finally {
    optimizer.dispose();
    await thread?.close();
    prefix.dispose();
    top.dispose();
  }
}

describe('the frozen prefix on its own thread', () => {
  it('trains to the same weights as running the prefix in the step', async () => {
    const inProcess = await train(false, false);
    const threaded = await train(true, false);
    expect(threaded.losses).toEqual(inProcess.losses);
    threaded.weights.forEach((w, i) =>
      expect(Array.from(w.values), `weight ${i}`).toEqual(Array.from(inProcess.weights[i]!.values)),
    );
  });

  it('keeps augmentation draws in batch order, with micro-batches', async () => {
    const inProcess = await train(false, true, 3);
    const threaded = await train(true, true, 3);
    expect(threaded.losses).toEqual(inProcess.losses);
    threaded.weights.forEach((w, i) =>
      expect(Array.from(w.values), `weight ${i}`).toEqual(Array.from(inProcess.weights[i]!.values)),
    );
  });

  it('leaves no tensors behind, and none after a cancelled phase', async () => {
    const before = tf.memory().numTensors;
    await train(true, true);
    expect(tf.memory().numTensors).toBe(before);

    const prefix = prefixModel();
    const top = topModel();
    const thread = await PrefixThread.start(prefix);
    const optimizer = tf.train.adam(1e-2);
    const controller = new AbortController();
    const baseline = tf.memory().numTensors;
    let batches = 0;
    await expect(
      runPhase({
        phase: 'train',
        model: top,
        feed: { prefix, forward: top, train: new MemorySource(images, labels, INPUT), validation: undefined },
        optimizer,
        epochs: 1,
        epochOffset: 0,
        batchSize: 4,
        shuffle: false,
        seed: 1,
        task: 'classification',
        classes: ['a', 'b', 'c'],
        loss: lossFunction('categoricalCrossentropy', 3),
        signal: controller.signal,
        onProgress: () => {
          if (++batches === 2) controller.abort();
        },
        prefixThread: thread,
      }),
    ).rejects.toThrow();
    // The batch in flight when the phase stopped is disposed before runPhase settles.
    optimizer.dispose();
    const leftover = tf.memory().numTensors - baseline;
    await thread.close();
    expect(leftover).toBeLessThanOrEqual(0);
    prefix.dispose();
    top.dispose();
  });
});

afterAll(() => {});
