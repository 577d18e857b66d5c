import * as tf from '@tensorflow/tfjs';

/**
 * The one reading of TF.js's memory counters: this process's live tensors and the bytes they
 * hold (resident models, plus any leak, which shows as a count that only grows). Serving reports
 * it, jobs count around themselves with liveTensors, the memory plan subtracts the bytes.
 */
export function tensorMemory(): { numTensors: number; numBytes: number } {
  const { numTensors, numBytes } = tf.memory();
  return { numTensors, numBytes };
}

/** Tensors alive in this process's backend: counted around every job to catch leaks. */
export function liveTensors(): number {
  return tensorMemory().numTensors;
}
