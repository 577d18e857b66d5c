import {
  Conv2DBackpropInput,
  FusedBatchNorm,
  getKernel,
  registerGradient,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import {
  broadcastBatchNormGradient,
  currentBatchNormGradient,
  fusedBatchNormOverride,
  isFusedBatchNormOverride,
} from './batch-norm.js';
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
  override(Conv2DBackpropInput, isConv2DBackpropInputOverride, conv2DBackpropInputOverride);
}

function override(
  kernelName: string,
  isOurs: (config: KernelConfig) => boolean,
  wrap: (original: KernelConfig) => KernelConfig,
): void {
  const current = getKernel(kernelName, 'wasm');
  if (current == null || isOurs(current)) {
    return;
  }
  unregisterKernel(kernelName, 'wasm');
  registerKernel(wrap(current));
}

/**
 * FusedBatchNorm (frozen BatchNormalization runs it on every forward pass) as a vectorised 1x1
 * depthwise convolution, and its input gradient without a full-size Tile. The gradient registry
 * has no backend key, so the gradient applies to every backend; it computes the same products in
 * the same order, so results elsewhere are unchanged.
 */
function overrideBatchNorm(): void {
  override(FusedBatchNorm, isFusedBatchNormOverride, fusedBatchNormOverride);
  const gradient = currentBatchNormGradient();
  if (gradient != null) {
    const next = broadcastBatchNormGradient(gradient);
    if (next !== gradient) registerGradient(next);
  }
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
  overrideBatchNorm();
}
