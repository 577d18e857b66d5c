import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initWasmBackend } from '../../src/ml/wasm-kernels/index.js';
import { relativeError } from '../helpers/relative-error.js';
import { randomInt, randomValues, seededRandom } from '../helpers/seeded-random.js';

const SEED = 0x7e57_f17;
const SAMPLES = 48;
const CLASSES = 4;
const INPUT: [number, number, number] = [12, 12, 3];
const EPOCHS = 4;

type Backend = 'cpu' | 'wasm';

/** Every trainable convolution kind whose gradient wasm lacked, plus the layers around them in a real CNN. */
function smallCnn(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: INPUT, filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.batchNormalization(),
      tf.layers.depthwiseConv2d({
        kernelSize: 3,
        depthMultiplier: 2,
        strides: 2,
        padding: 'same',
        activation: 'relu',
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 8, kernelSize: 2, strides: 1, padding: 'valid', activation: 'relu' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: CLASSES, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
  return model;
}

interface Dataset {
  x: Float32Array;
  labels: Int32Array;
}

function dataset(): Dataset {
  const random = seededRandom(SEED);
  const x = randomValues(random, [SAMPLES, ...INPUT]);
  const labels = Int32Array.from({ length: SAMPLES }, () => randomInt(random, 0, CLASSES - 1));
  return { x, labels };
}

function tensors(data: Dataset): [tf.Tensor, tf.Tensor] {
  return tf.tidy(() => [
    tf.tensor4d(data.x, [SAMPLES, ...INPUT]),
    tf.oneHot(tf.tensor1d(data.labels, 'int32'), CLASSES),
  ]);
}

/** Weights live on the backend that created them, so each backend builds its own copy. */
async function modelOn(backend: Backend, weights?: Array<{ values: Float32Array; shape: number[] }>) {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} unavailable`);
  const model = smallCnn();
  if (weights) {
    const restored = weights.map((w) => tf.tensor(w.values, w.shape));
    model.setWeights(restored);
    tf.dispose(restored);
  }
  return model;
}

function snapshot(model: tf.LayersModel): Array<{ values: Float32Array; shape: number[] }> {
  return model.getWeights().map((w) => ({ values: w.dataSync() as Float32Array, shape: w.shape }));
}

beforeAll(async () => {
  await initWasmBackend();
});

describe('training a small CNN on wasm', () => {
  it('follows the cpu loss curve from the same initial weights', async () => {
    const data = dataset();
    const fitArgs = { epochs: EPOCHS, batchSize: 16, shuffle: false, verbose: 0 } as const;

    const cpuModel = await modelOn('cpu');
    const initial = snapshot(cpuModel);
    const [cpuX, cpuY] = tensors(data);
    const cpuHistory = await cpuModel.fit(cpuX, cpuY, fitArgs);
    const cpuFinal = snapshot(cpuModel);
    tf.dispose([cpuX, cpuY]);
    cpuModel.dispose();

    const wasmModel = await modelOn('wasm', initial);
    const [wasmX, wasmY] = tensors(data);
    const wasmHistory = await wasmModel.fit(wasmX, wasmY, fitArgs);
    const wasm = tf.findBackend('wasm');
    expect(wasmModel.getWeights().every((w) => wasm?.refCount(w.dataId) === 1)).toBe(true);
    const wasmFinal = snapshot(wasmModel);
    tf.dispose([wasmX, wasmY]);
    wasmModel.dispose();

    const cpuLoss = cpuHistory.history['loss'] as number[];
    const wasmLoss = wasmHistory.history['loss'] as number[];
    expect(cpuLoss).toHaveLength(EPOCHS);
    // A curve that does not move would match trivially.
    expect(cpuLoss[EPOCHS - 1]).toBeLessThan(cpuLoss[0]! * 0.95);
    cpuLoss.forEach((loss, epoch) => {
      const wasmEpochLoss = wasmLoss[epoch]!;
      expect(
        Math.abs(wasmEpochLoss - loss) / Math.abs(loss),
        `epoch ${epoch}: wasm ${wasmEpochLoss} cpu ${loss}`,
      ).toBeLessThan(1e-3);
    });
    cpuFinal.forEach((w, i) => {
      expect(
        relativeError(wasmFinal[i]!.values, w.values),
        `weight ${i} [${w.shape.join(',')}]`,
      ).toBeLessThan(1e-3);
    });
  });

  it('keeps the tensor count stable across a training step', async () => {
    const model = await modelOn('wasm');
    const [x, y] = tensors(dataset());
    // The first step creates the optimizer's state, which is meant to outlive it.
    await model.trainOnBatch(x, y);
    const tensorsBefore = tf.memory().numTensors;
    const buffersBefore = tf.backend().numDataIds();
    await model.trainOnBatch(x, y);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.backend().numDataIds()).toBe(buffersBefore);
    tf.dispose([x, y]);
    model.dispose();
  });
});
