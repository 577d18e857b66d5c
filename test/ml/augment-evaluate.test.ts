import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { augmentActive, augmentBatch } from '../../src/ml/augment.js';
import { classificationReport } from '../../src/ml/evaluate.js';
import { mulberry32 } from '../../src/lib/seeded-split.js';
import { initWasmBackend } from '../../src/ml/wasm-kernels/index.js';

const off = { flipHorizontal: false, flipVertical: false, rotateDegrees: 0, brightness: 0 };

beforeAll(async () => {
  await initWasmBackend();
});

describe('augmentBatch', () => {
  // A 1x3 gradient image, one channel: flips and shifts are easy to read.
  const image = () => tf.tensor4d([0, 0.5, 1], [1, 1, 3, 1]);

  it('flips the examples its seeded draws pick, and replays with the same seed', () => {
    const before = tf.memory().numTensors;
    const xs = tf.tidy(() => tf.concat(Array.from({ length: 8 }, image)));
    const spec = { ...off, flipHorizontal: true };
    const a = augmentBatch(xs, spec, mulberry32(1), [0, 1]);
    const b = augmentBatch(xs, spec, mulberry32(1), [0, 1]);
    const rows = (t: tf.Tensor) => (t.arraySync() as number[][][][]).map((e) => e[0]?.map((p) => p[0]));
    expect(rows(a)).toEqual(rows(b));
    const kinds = new Set(rows(a).map((r) => JSON.stringify(r)));
    expect(kinds).toEqual(new Set([JSON.stringify([0, 0.5, 1]), JSON.stringify([1, 0.5, 0])]));
    tf.dispose([xs, a, b]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('shifts brightness within the value range and clips to it', () => {
    const xs = image();
    const out = augmentBatch(xs, { ...off, brightness: 0.5 }, () => 1, [-1, 1]);
    // rng() = 1 gives the largest shift: +0.5 of the range (2) = +1, clipped at 1.
    expect(Array.from(out.dataSync())).toEqual([1, 1, 1]);
    tf.dispose([xs, out]);
  });

  it('rotates each example and fills the corners with the range minimum', () => {
    const xs = tf.ones([2, 5, 5, 1]);
    const out = augmentBatch(xs, { ...off, rotateDegrees: 45 }, () => 1, [-1, 1]);
    const v = out.dataSync();
    expect(v[0]).toBe(-1); // a corner rotated out of the 45-degree turned square
    expect(v[12]).toBe(1); // the centre stays
    tf.dispose([xs, out]);
  });

  it('counts an all-off block as no augmentation', () => {
    expect(augmentActive(off)).toBe(false);
    expect(augmentActive({ ...off, rotateDegrees: 5 })).toBe(true);
    expect(augmentActive(undefined)).toBe(false);
  });
});

describe('classificationReport', () => {
  it('derives accuracy and per-class precision, recall and F1 from the confusion matrix', () => {
    // rows: actual, columns: predicted
    const r = classificationReport(
      [
        [3, 1],
        [2, 4],
      ],
      ['cat', 'dog'],
      0.5,
      10,
    );
    expect(r.accuracy).toBeCloseTo(0.7, 10);
    expect(r.perClass[0]).toEqual({
      label: 'cat',
      precision: 3 / 5,
      recall: 3 / 4,
      f1: (2 * 0.6 * 0.75) / 1.35,
      support: 4,
    });
    expect(r.perClass[1]?.precision).toBeCloseTo(4 / 5, 10);
    expect(r.perClass[1]?.recall).toBeCloseTo(4 / 6, 10);
  });

  it('scores a class that is never predicted with zeros, not NaN', () => {
    const r = classificationReport(
      [
        [2, 0],
        [1, 0],
      ],
      ['a', 'b'],
      1,
      3,
    );
    expect(r.perClass[1]).toEqual({ label: 'b', precision: 0, recall: 0, f1: 0, support: 1 });
  });
});
