import * as tf from '@tensorflow/tfjs';

/**
 * Test-only fault injection (TRAINER_FAULT): breaks the trainer's process the way a real job
 * can, so tests prove that the next job still runs in a sound one.
 *
 * `wasm-abort` keeps allocating 256 MiB tensors until the engine gives up: on the wasm backend
 * its heap reaches 4 GiB and the module aborts (`Aborted()`), after which every later kernel
 * call in this process aborts too. On other backends it ends in an allocation failure.
 */
export function exhaustMemory(): never {
  const kept: tf.Tensor[] = [];
  try {
    for (;;) kept.push(tf.fill([64 * 1024 * 1024], 1));
  } finally {
    tf.dispose(kept);
  }
}
