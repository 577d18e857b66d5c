import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from './register-training-kernels.js';

export interface WasmBackendInfo {
  /** Whether the SIMD build of the binary is in use (several times faster than the plain one). */
  simd: boolean;
  /** Whether the threaded build is in use; tfjs-backend-wasm never enables it under Node. */
  multithread: boolean;
}

/**
 * Resolved through Node's resolver rather than a path relative to this file, so it keeps working
 * from `src/` under tsx, from `dist/` after a build, and with hoisted or linked node_modules.
 */
function wasmBinaryFolder(): string {
  const require = createRequire(import.meta.url);
  const binary = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm');
  return path.dirname(binary) + path.sep;
}

/**
 * Switches this process to the wasm backend with the project's training kernels. The backend
 * package is imported here, not at module load, because importing it registers `wasm` with a
 * higher priority than `cpu` and would silently become the default for anyone who only wants
 * `registerWasmTrainingKernels`.
 */
export async function initWasmBackend(): Promise<WasmBackendInfo> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // setWasmPaths refuses to run after a failed initialisation; a second call after a good one is harmless.
  wasm.setWasmPaths(wasmBinaryFolder());
  registerWasmTrainingKernels();
  if (!(await tf.setBackend('wasm'))) {
    throw new Error('backend "wasm" failed to initialise');
  }
  await tf.ready();
  return {
    simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
    multithread: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
  };
}
