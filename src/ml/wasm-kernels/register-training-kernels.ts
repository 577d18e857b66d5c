import { Conv2DBackpropInput, getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputOverride, isConv2DBackpropInputOverride } from './conv2d-backprop-input.js';
import { depthwiseBackpropFilterConfig } from './depthwise-backprop-filter.js';
import { depthwiseBackpropInputConfig } from './depthwise-backprop-input.js';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.js';

const trainingKernels: readonly KernelConfig[] = [
  conv2DBackpropFilterConfig,
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
  unsortedSegmentSumConfig,
];

/**
 * Swaps the wasm backend's scalar-loop Conv2DBackpropInput for one that runs on its Conv2D, keeping
 * the original inside as the fallback. Before `@tensorflow/tfjs-backend-wasm` is imported there is
 * no original to wrap, and the package's own registration would replace ours anyway, so nothing
 * happens until a call made after the import.
 */
function overrideConv2DBackpropInput(): void {
  const current = getKernel(Conv2DBackpropInput, 'wasm');
  if (current == null || isConv2DBackpropInputOverride(current)) {
    return;
  }
  unregisterKernel(Conv2DBackpropInput, 'wasm');
  registerKernel(conv2DBackpropInputOverride(current));
}

/**
 * Adds the convolution-gradient kernels that `@tensorflow/tfjs-backend-wasm` lacks, and speeds up
 * the one it has (Conv2DBackpropInput). Safe to call any number of times, before or after the wasm
 * backend initialises (the kernels need no setup of their own). A missing kernel that wasm already
 * has, a native one from a later tfjs release or ours from an earlier call, is left alone; only the
 * `wasm` entries of the kernel registry are ever written.
 */
export function registerWasmTrainingKernels(): void {
  for (const config of trainingKernels) {
    if (getKernel(config.kernelName, 'wasm') == null) {
      registerKernel(config);
    }
  }
  overrideConv2DBackpropInput();
}
