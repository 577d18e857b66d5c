import * as tf from '@tensorflow/tfjs';
import type { LayersModel } from './model-io.js';

/** Forward passes for serving (src/serving/inference-worker.ts): plain arrays in and out. */

/** Bytes and tensors held by this process's backend (models resident, plus any leak). */
export function backendMemory(): { numTensors: number; numBytes: number } {
  const mem = tf.memory();
  return { numTensors: mem.numTensors, numBytes: mem.numBytes };
}

/** One dummy batch: the first real request must not pay for kernel setup and weight upload. */
export function warmUp(model: LayersModel, shape: readonly number[]): void {
  tf.tidy(() => {
    const y = model.predict(tf.zeros([1, ...shape]));
    (Array.isArray(y) ? y[0]! : y).dataSync();
  });
}

/** The first output of `rows` examples of `shape`, row-major. */
export function forward(
  model: LayersModel,
  input: Float32Array,
  rows: number,
  shape: readonly number[],
): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor(input, [rows, ...shape], 'float32');
    const y = model.predict(x);
    // A copy: some backends hand out their own backing store, which must not be transferred.
    return Float32Array.from((Array.isArray(y) ? y[0]! : y).dataSync());
  });
}
