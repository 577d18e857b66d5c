import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initWasmBackend, registerWasmTrainingKernels } from '../../src/ml/wasm-kernels/index.js';
import { lossFunction } from '../../src/ml/losses.js';
import { MemorySource } from '../../src/ml/memory-source.js';
import { runPhase } from '../../src/ml/train-loop.js';
import { relativeError } from '../helpers/relative-error.js';
import { pick, randomInt, randomValues, seededRandom } from '../helpers/seeded-random.js';

const BASE_SEED = 0xba7c_4e0a;
const TOLERANCE = 1e-5;

interface BnCase {
  seed: number;
  x: number[];
  scale: boolean;
  offset: boolean;
  epsilon: number;
}

function drawCases(first: number, count: number): BnCase[] {
  return Array.from({ length: count }, (_, i) => {
    const seed = BASE_SEED + first + i;
    const random = seededRandom(seed);
    const rank = randomInt(random, 1, 4);
    const x = Array.from({ length: rank }, (_, axis) =>
      axis === rank - 1 ? randomInt(random, 1, 40) : randomInt(random, 1, 7),
    );
    return {
      seed,
      x,
      scale: random() < 0.8,
      offset: random() < 0.8,
      epsilon: pick(random, [1e-3, 1e-5, 0.1]),
    };
  });
}

const describeCase = (c: BnCase) =>
  `seed=${c.seed} x=[${c.x.join(',')}] scale=${c.scale} offset=${c.offset} eps=${c.epsilon}`;

interface CaseData {
  x: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  scale: Float32Array;
  offset: Float32Array;
  dy: Float32Array;
}

function caseData(c: BnCase): CaseData {
  const random = seededRandom(c.seed ^ 0x51ed);
  const channels = c.x[c.x.length - 1] as number;
  return {
    x: randomValues(random, c.x),
    mean: randomValues(random, [channels]),
    variance: randomValues(random, [channels]).map((v) => Math.abs(v) + 0.05),
    scale: randomValues(random, [channels]),
    offset: randomValues(random, [channels]),
    dy: randomValues(random, c.x),
  };
}

/** The forward value and the gradients for all five inputs of sum(batchNorm(...) * dy). */
function batchNormAndGradients(c: BnCase, d: CaseData): () => tf.Tensor[] {
  return () => {
    const channels = c.x[c.x.length - 1] as number;
    const inputs = [
      tf.tensor(d.x, c.x),
      tf.tensor1d(d.mean),
      tf.tensor1d(d.variance),
      tf.tensor1d(d.offset),
      tf.tensor1d(d.scale),
    ];
    const dy = tf.tensor(d.dy, c.x);
    const used = [true, true, true, c.offset, c.scale];
    const f = (...a: tf.Tensor[]) => {
      const all: Array<tf.Tensor | undefined> = [];
      let k = 0;
      for (const u of used) all.push(u ? a[k++] : undefined);
      return tf.batchNorm(all[0]!, all[1]!, all[2]!, all[3], all[4], c.epsilon);
    };
    const xs = inputs.filter((_, i) => used[i]);
    const y = f(...xs);
    // The tape of TF.js 4.x cannot differentiate a batchNorm without offset or scale (an undefined
    // input); only the forward pass is compared then.
    if (!c.offset || !c.scale) return [y];
    const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), dy)))(xs);
    expect(grads[0]!.shape).toEqual(c.x);
    expect(grads[1]!.shape).toEqual([channels]);
    return [y, ...grads];
  };
}

async function onBackend(backend: 'cpu' | 'wasm', compute: () => tf.Tensor[]): Promise<Float32Array[]> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} unavailable`);
  const results = tf.tidy(compute);
  const values = await Promise.all(results.map((t) => t.data<'float32'>()));
  tf.dispose(results);
  return values;
}

beforeAll(async () => {
  await initWasmBackend();
});

describe('the wasm FusedBatchNorm and its gradient match the cpu backend', () => {
  it.each(drawCases(0, 40).map((c) => [describeCase(c), c] as const))('%s', async (name, c) => {
    const d = caseData(c);
    const cpu = await onBackend('cpu', batchNormAndGradients(c, d));
    const wasm = await onBackend('wasm', batchNormAndGradients(c, d));
    const what =
      c.offset && c.scale ? ['forward', 'dx', 'dmean', 'dvariance', 'doffset', 'dscale'] : ['forward'];
    expect(wasm).toHaveLength(what.length);
    what.forEach((w, i) => {
      expect(relativeError(wasm[i]!, cpu[i]!), `${w}, ${name}`).toBeLessThan(TOLERANCE);
    });
  });

  it('gives dx bit for bit as the tiled formula TF.js registers', async () => {
    await tf.setBackend('cpu');
    const c = drawCases(100, 1)[0]!;
    const shape = [2, 3, 4, 5];
    const d = caseData({ ...c, x: shape });
    const [ours, tiled] = tf.tidy(() => {
      const [x, mean, variance, scale] = [
        tf.tensor(d.x, shape),
        tf.tensor1d(d.mean.slice(0, 5)),
        tf.tensor1d(d.variance.slice(0, 5)),
        tf.tensor1d(d.scale.slice(0, 5)),
      ] as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const dy = tf.tensor(d.dy, shape);
      const dx = tf.grad((v: tf.Tensor) =>
        tf.sum(tf.mul(tf.batchNorm(v, mean, variance, tf.onesLike(mean), scale, 1e-3), dy)),
      )(x);
      const r = tf.rsqrt(tf.add(variance, tf.scalar(1e-3)));
      const reference = tf.mul(tf.mul(dy, tf.tile(tf.reshape(r, [1, 1, 1, 5]), [2, 3, 4, 1])), scale);
      return [dx, reference];
    });
    expect(Array.from(await ours.data())).toEqual(Array.from(await tiled.data()));
    tf.dispose([ours, tiled]);
  });

  it('releases its intermediates', async () => {
    await tf.setBackend('wasm');
    const c = drawCases(200, 1)[0]!;
    const d = caseData(c);
    tf.dispose(tf.tidy(batchNormAndGradients(c, d)));
    const tensorsBefore = tf.memory().numTensors;
    // Kernel-internal buffers bypass the engine's count; only the backend sees them.
    const buffersBefore = tf.backend().numDataIds();
    tf.dispose(tf.tidy(batchNormAndGradients(c, d)));
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.backend().numDataIds()).toBe(buffersBefore);
  });

  it('is registered once and keeps the original kernel for what it does not cover', async () => {
    await tf.setBackend('wasm');
    const kernel = tf.getKernel('FusedBatchNorm', 'wasm');
    registerWasmTrainingKernels();
    expect(tf.getKernel('FusedBatchNorm', 'wasm')).toBe(kernel);
    // A per-element mean (rank 4) is outside the per-channel formulation.
    const [a, b] = tf.tidy(() => {
      const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
      const mean = tf.tensor4d([1, 1, 2, 2, 3, 3, 4, 4], [1, 2, 2, 2]);
      return [
        tf.batchNorm(x, mean, tf.onesLike(mean)),
        tf.div(tf.sub(x, mean), tf.sqrt(tf.scalar(1 + 0.001))),
      ];
    });
    expect(relativeError(await a.data(), await b.data())).toBeLessThan(1e-6);
    tf.dispose([a, b]);
  });
});

/** conv -> frozen BatchNormalization -> relu6 -> pooled dense, as a fine-tune of a MobileNet block runs. */
function frozenBnModel(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3] });
  let h = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', useBias: false }).apply(input);
  h = tf.layers.batchNormalization({ trainable: false, movingVarianceInitializer: 'ones' }).apply(h);
  h = tf.layers.reLU({ maxValue: 6 }).apply(h);
  h = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', useBias: false }).apply(h);
  h = tf.layers.batchNormalization({ trainable: false }).apply(h);
  h = tf.layers.globalAveragePooling2d({}).apply(h);
  const out = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

describe('training through frozen BatchNormalization on wasm', () => {
  it('follows the cpu backend step for step through the trainer loop', async () => {
    const random = seededRandom(BASE_SEED ^ 0xf00d);
    const n = 24;
    const x = randomValues(random, [n, 8, 8, 3]);
    const labels = Array.from({ length: n }, () => randomInt(random, 0, 2));
    let weights: Array<{ values: Float32Array; shape: number[] }> | undefined;
    const run = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      const model = frozenBnModel();
      if (weights) {
        const w = weights.map((t) => tf.tensor(t.values, t.shape));
        model.setWeights(w);
        tf.dispose(w);
      } else {
        // Moving statistics away from 0/1, so the frozen normalisation does something.
        model.setWeights(
          model
            .getWeights()
            .map((w, i) =>
              tf.tidy(() =>
                i === 0 ? w.clone() : tf.add(w, tf.mul(tf.randomUniform(w.shape, 0, 0.5, 'float32', i), 1)),
              ),
            ),
        );
        weights = model.getWeights().map((w) => ({ values: w.dataSync() as Float32Array, shape: w.shape }));
      }
      const optimizer = tf.train.adam(1e-2);
      const tensorsBefore = tf.memory().numTensors;
      const r = await runPhase({
        phase: 'train',
        model,
        feed: { forward: model, train: new MemorySource(x, labels, [8, 8, 3]), validation: undefined },
        optimizer,
        epochs: 3,
        epochOffset: 0,
        batchSize: 8,
        shuffle: true,
        seed: 3,
        task: 'classification',
        classes: ['a', 'b', 'c'],
        loss: lossFunction('categoricalCrossentropy', 3),
      });
      const after = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
      optimizer.dispose();
      expect(tf.memory().numTensors - tensorsBefore).toBeLessThanOrEqual(0);
      model.dispose();
      return { losses: r.history.map((h) => h.loss), after };
    };
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    wasm.losses.forEach((l, i) => expect(Math.abs(l - cpu.losses[i]!), `epoch ${i + 1}`).toBeLessThan(1e-4));
    wasm.after.forEach((w, i) => expect(relativeError(w, cpu.after[i]!), `weight ${i}`).toBeLessThan(1e-3));
  });
});
