/**
 * Training support for the `@tensorflow/tfjs-backend-wasm` backend.
 *
 * tfjs-backend-wasm 4.x has no Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter or
 * DepthwiseConv2dNativeBackpropInput kernels, so `model.fit` fails there for any model with a trainable
 * convolution. This folder supplies them, composed from kernels the wasm backend does have
 * (Conv2D, DepthwiseConv2dNative, Transpose, Reshape, PadV2, Slice, Reverse, Sum), so all the
 * arithmetic still runs in XNNPACK. It also replaces wasm's own Conv2DBackpropInput, a scalar loop
 * that was the largest cost of a conv training step, with one built on Conv2D (the original stays
 * inside it for NCHW and other calls outside its formulation).
 *
 * API:
 *
 *   initWasmBackend({ threads }?): Promise<WasmBackendInfo>
 *     Points the wasm backend at its .wasm binaries in node_modules, registers the training kernels,
 *     runs `tf.setBackend('wasm')` and `tf.ready()`. Throws if the backend cannot start. Resolves to
 *     `{ simd, multithread, threads }` for logs and /readyz. `threads` (0 or absent: every core, at
 *     most 8) sizes XNNPACK's pool; above 1 it runs the threaded build, which needs the package
 *     patch in `patches/`. Use it from the backend-selection module:
 *
 *       const { initWasmBackend } = await import('./wasm-kernels/index.js');
 *       const info = await initWasmBackend();
 *
 *   wasmThreads(threads?): number — what a `threads` option resolves to on this machine.
 *   wasmBackendThreads(): number — XNNPACK threads of this thread's backend (0 before init).
 *
 *   registerWasmTrainingKernels(): void
 *     Only the kernel registration, for code that sets the backend itself. Idempotent, writes only
 *     `wasm` registry entries, and skips any missing kernel a newer tfjs-backend-wasm already
 *     provides. The Conv2DBackpropInput override needs `@tensorflow/tfjs-backend-wasm` imported
 *     first (it wraps that package's kernel); a call before the import adds only the others.
 *
 * Importing this module has no side effects: it does not load or register the wasm backend.
 */
export { initWasmBackend, wasmBackendThreads, wasmThreads } from './init-wasm-backend.js';
export type { WasmBackendInfo, WasmBackendOptions } from './init-wasm-backend.js';
export { registerWasmTrainingKernels } from './register-training-kernels.js';
