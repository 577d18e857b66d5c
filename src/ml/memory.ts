import * as tf from '@tensorflow/tfjs';

/** This process's live TF.js tensors and their bytes (a leak shows as a count that only grows). */
export function tensorMemory(): { numTensors: number; numBytes: number } {
  const { numTensors, numBytes } = tf.memory();
  return { numTensors, numBytes };
}
