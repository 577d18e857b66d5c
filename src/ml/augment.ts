import * as tf from '@tensorflow/tfjs';
import type { JobSpec } from '../contracts/job-spec.js';
import type { Rng } from './random.js';

export type AugmentSpec = NonNullable<JobSpec['augment']>;

/** Whether the spec asks for any augmentation at all (an all-off block costs nothing). */
export function augmentActive(spec: AugmentSpec | undefined): spec is AugmentSpec {
  return (
    !!spec && (spec.flipHorizontal || spec.flipVertical || spec.rotateDegrees > 0 || spec.brightness > 0)
  );
}

/**
 * Random flips, small rotations and brightness shifts of an image batch [b, h, w, c], each drawn
 * per example from `rng` (seeded by the trainer, so augmented runs replay too). `range` is the
 * value range of the preprocessed pixels (the preprocessing `scale`): brightness shifts are a
 * fraction of it, results are clipped to it, and rotation fills the corners with its minimum
 * (black). Returns a new tensor; the caller still owns `xs`.
 */
export function augmentBatch(xs: tf.Tensor, spec: AugmentSpec, rng: Rng, range: [number, number]): tf.Tensor {
  if (xs.rank !== 4) throw new Error(`augmentation needs image batches [b, h, w, c], got rank ${xs.rank}`);
  const [lo, hi] = range;
  const n = xs.shape[0] as number;
  const flipH = Array.from({ length: n }, () => spec.flipHorizontal && rng() < 0.5);
  const flipV = Array.from({ length: n }, () => spec.flipVertical && rng() < 0.5);
  const angles = Array.from({ length: n }, () => ((rng() * 2 - 1) * spec.rotateDegrees * Math.PI) / 180);
  const shifts = Array.from({ length: n }, () => (rng() * 2 - 1) * spec.brightness * (hi - lo));

  return tf.tidy(() => {
    let out = xs as tf.Tensor4D;
    const mask = (flags: boolean[]) => tf.tensor4d(flags.map(Number), [n, 1, 1, 1]);
    const blend = (a: tf.Tensor4D, b: tf.Tensor4D, m: tf.Tensor4D): tf.Tensor4D =>
      tf.add(tf.mul(a, tf.sub(1, m)), tf.mul(b, m));
    if (flipH.some(Boolean)) out = blend(out, tf.image.flipLeftRight(out), mask(flipH));
    if (flipV.some(Boolean)) out = blend(out, tf.reverse(out, 1), mask(flipV));
    if (spec.rotateDegrees > 0) {
      // rotateWithOffset takes one angle per call, so each example is rotated on its own. It
      // fills with 0 on a copy shifted so that 0 is the range minimum: the wasm kernel reads the
      // fill value as an unsigned integer (-1, black in a [-1, 1] range, becomes 2^32).
      const shifted = lo === 0 ? out : tf.sub(out, lo);
      const parts = tf
        .split(shifted, n, 0)
        .map((img, i) => tf.image.rotateWithOffset(img as tf.Tensor4D, angles[i] as number, 0));
      out = lo === 0 ? tf.concat(parts, 0) : (tf.add(tf.concat(parts, 0), lo) as tf.Tensor4D);
    }
    if (spec.brightness > 0) {
      out = tf.clipByValue(tf.add(out, tf.tensor4d(shifts, [n, 1, 1, 1])), lo, hi) as tf.Tensor4D;
    }
    // Always a new tensor, so callers can dispose input and output independently.
    return out === xs ? out.clone() : out;
  });
}
