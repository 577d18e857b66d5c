import { getKernel, registerKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { depthwiseBackpropFilterConfig } from './depthwise-backprop-filter.js';
import { depthwiseBackpropInputConfig } from './depthwise-backprop-input.js';

const trainingKernels: readonly KernelConfig[] = [
  conv2DBackpropFilterConfig,
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
];

/**
 * Adds the convolution-gradient kernels that `@tensorflow/tfjs-backend-wasm` lacks. Safe to call any
 * number of times, before or after the wasm backend initialises (the kernels need no setup). A kernel
 * that wasm already has, a native one from a later tfjs release or ours from an earlier call, is
 * left alone; only the `wasm` entries of the kernel registry are ever written.
 */
export function registerWasmTrainingKernels(): void {
  for (const config of trainingKernels) {
    if (getKernel(config.kernelName, 'wasm') == null) {
      registerKernel(config);
    }
  }
}
