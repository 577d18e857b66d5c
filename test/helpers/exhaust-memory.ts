import * as tf from '@tensorflow/tfjs';

/**
 * Exhausts the engine's memory the way a job whose tensors outgrow the heap does. On the wasm
 * backend it first reserves the heap up to its 4 GiB limit with the module's own malloc (pages
 * never touched, so the machine's memory is not used), then allocates tensors: the next
 * allocation aborts the module (`Aborted()`), after which every later kernel call in this
 * process aborts too. On other backends it allocates until an allocation fails.
 */

interface WasmModule {
  _malloc(bytes: number): number;
}

export function exhaustMemory(): never {
  if (tf.getBackend() === 'wasm') {
    const wasm = (tf.backend() as unknown as { wasm: WasmModule }).wasm;
    for (let i = 0; i < 64 && wasm._malloc(256 * 1024 * 1024) !== 0; i++);
  }
  const kept: tf.Tensor[] = [];
  try {
    for (;;) kept.push(tf.fill([16 * 1024 * 1024], 1));
  } finally {
    tf.dispose(kept);
  }
}
