import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

/** Switches this process to the WebAssembly backend (the .wasm binaries resolve from the package). */
export async function initWasmBackend(): Promise<void> {
  if (!(await tf.setBackend('wasm'))) throw new Error('backend "wasm" failed to initialise');
  await tf.ready();
}
