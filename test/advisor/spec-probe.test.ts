import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { candidateSpec } from '../../src/advisor/candidate.js';
import { crossValidateSpec, featureJob } from '../../src/advisor/spec-probe.js';
import { mulberry32 } from '../../src/lib/seeded-split.js';
import { initWasmBackend } from '../../src/ml/wasm-kernels/index.js';

/**
 * The spec probe trains the candidate's own head (batch normalisation and softmax, the spec's
 * optimiser and callbacks) on each fold's features: it must learn what is there, find nothing
 * where the labels do not follow the features, give the same answer for the same seed, and
 * leave no tensor behind.
 */

const classes = ['a', 'b', 'c'];
const perClass = 16;
const dim = 12;
const labels = Array.from({ length: classes.length * perClass }, (_, i) => i % classes.length);
const cut = { name: 'cut', index: 3, rank: 4 };
const spec = candidateSpec({ baseModelId: 'bm_000000000000000a' }, cut, 5, 'every-example');

/** Features whose first three dimensions hold the class (plus noise), the rest pure noise. */
function features(separated: boolean, seed: number): Float32Array {
  const rng = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng());
  const out = new Float32Array(labels.length * dim);
  labels.forEach((l, i) => {
    for (let j = 0; j < dim; j++) out[i * dim + j] = gauss() + (separated && j === l ? 4 : 0);
  });
  return out;
}

/** 4 stratified folds: each holds every class equally. */
const k = 4;
const folds = labels.map((_, i) => Math.floor(i / classes.length) % k);

const accuracy = (correct: Uint8Array) => correct.reduce((a, b) => a + b, 0) / correct.length;

describe('spec probe', () => {
  beforeAll(async () => {
    await initWasmBackend();
  });

  it('keeps only the layers after the pooling the features went through', () => {
    expect(featureJob(spec).head.map((l) => l.type)).toEqual(['batchNormalization']);
    expect(featureJob(spec).base).toBeUndefined();
  });

  it('learns separable classes, and stays near chance when the labels ignore the features', async () => {
    const before = tf.memory().numTensors;
    const good = await crossValidateSpec({ spec, values: features(true, 1), dim, labels, classes, folds, k });
    // Shuffled labels: the same features, labels drawn independently of them.
    const rng = mulberry32(9);
    const noise = labels.map(() => Math.floor(rng() * classes.length));
    const bad = await crossValidateSpec({
      spec,
      values: features(true, 1),
      dim,
      labels: noise,
      classes,
      folds,
      k,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(accuracy(good.correct)).toBeGreaterThan(0.9);
    // 48 examples, chance 1/3: above 0.6 would be a 4-sigma accident.
    expect(accuracy(bad.correct)).toBeLessThan(0.6);
  });

  it('gives the same out-of-fold answers for the same seed', async () => {
    const run = () => crossValidateSpec({ spec, values: features(false, 2), dim, labels, classes, folds, k });
    const [a, b] = [await run(), await run()];
    expect([...a.correct]).toEqual([...b.correct]);
  });
});
