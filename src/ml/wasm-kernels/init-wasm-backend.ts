import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from './register-training-kernels.js';

export interface WasmBackendInfo {
  /** Whether the SIMD build of the binary is in use (several times faster than the plain one). */
  simd: boolean;
  /** Whether the threaded build is in use (XNNPACK spreads each kernel over `threads`). */
  multithread: boolean;
  /** Threads XNNPACK runs each kernel on, this one included. */
  threads: number;
  /** Why fewer threads run than were asked for, when they do. */
  note?: string;
}

export interface WasmBackendOptions {
  /**
   * Threads for XNNPACK's pool: 0 or undefined follows the machine (`os.availableParallelism()`),
   * capped at {@link MAX_WASM_THREADS}. 1 runs the single-threaded build.
   */
  threads?: number;
}

/** XNNPACK's pool is started with at most 8 workers by the threaded build. */
export const MAX_WASM_THREADS = 8;

let runningThreads = 0;

/** XNNPACK threads of this thread's wasm backend; 0 before {@link initWasmBackend} has run. */
export function wasmBackendThreads(): number {
  return runningThreads;
}

/** The thread count `threads` resolves to on this machine (0 = every core, at most 8). */
export function wasmThreads(threads = 0): number {
  const cores = os.availableParallelism();
  const want = threads > 0 ? threads : cores;
  return Math.max(1, Math.min(MAX_WASM_THREADS, want));
}

/**
 * Resolved through Node's resolver rather than a path relative to this file, so it keeps working
 * from `src/` under tsx, from `dist/` after a build, and with hoisted or linked node_modules.
 */
function wasmPackageFolder(): string {
  const require = createRequire(import.meta.url);
  const binary = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm');
  return path.dirname(path.dirname(binary));
}

/**
 * The threaded build needs the Node pthread bootstrap that `patches/` adds to the package at
 * install (tensorflow/tfjs#3830: upstream starts its pthreads from blob URLs, which Node refuses).
 * Without it (an install that skipped the patch) the single-threaded build runs, and says why.
 */
function threadedBuildPatched(): boolean {
  return existsSync(
    path.join(wasmPackageFolder(), 'wasm-out', 'tfjs-backend-wasm-threaded-simd.node-worker.js'),
  );
}

/**
 * Switches this process (or worker thread) to the wasm backend with the project's training
 * kernels, on as many XNNPACK threads as asked. The backend package is imported here, not at
 * module load, because importing it registers `wasm` with a higher priority than `cpu` and would
 * silently become the default for anyone who only wants `registerWasmTrainingKernels`. The thread
 * count is fixed for the life of the backend: the first call in a thread decides it.
 */
export async function initWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackendInfo> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  let threads = wasmThreads(options.threads);
  let note: string | undefined;
  if (threads > 1 && !threadedBuildPatched()) {
    note = `the wasm backend runs on 1 thread instead of ${threads}: the package patch in patches/ is not applied (run npm ci)`;
    threads = 1;
  }
  if (!('wasm' in tf.engine().registry)) {
    // Read once, when the backend is first created; later calls in this thread keep its count.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
    wasm.setThreadsCount(threads);
  }
  // setWasmPaths refuses to run after a failed initialisation; a second call after a good one is harmless.
  wasm.setWasmPaths(wasmPackageFolder() + path.sep + 'dist' + path.sep);
  registerWasmTrainingKernels();
  if (!(await tf.setBackend('wasm'))) {
    throw new Error('backend "wasm" failed to initialise');
  }
  await tf.ready();
  const running = wasm.getThreadsCount();
  runningThreads = running;
  return {
    simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
    multithread: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
    threads: running,
    ...(note ? { note } : {}),
  };
}
