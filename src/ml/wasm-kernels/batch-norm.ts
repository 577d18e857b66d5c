import {
  FusedBatchNorm,
  add,
  backend_util,
  getGradient,
  mul,
  reshape,
  rsqrt,
  scalar,
  sub,
  sum,
} from '@tensorflow/tfjs-core';
import type {
  FusedBatchNormAttrs,
  GradConfig,
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  Tensor,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { WasmKernelCalls } from './wasm-kernel-calls.js';

/** Kernel functions made by `fusedBatchNormOverride`, and the configs they wrap. */
const overrides = new WeakMap<KernelFunc, KernelConfig>();

export function isFusedBatchNormOverride(config: KernelConfig): boolean {
  return overrides.has(config.kernelFunc);
}

/** The kernel an override wraps (for benchmarks that measure before and after); else `config`. */
export function originalBatchNormKernel(config: KernelConfig): KernelConfig {
  return overrides.get(config.kernelFunc) ?? config;
}

const size = (t: TensorInfo) => t.shape.reduce((a, b) => a * b, 1);

/**
 * y = (x - mean) * scale / sqrt(variance + eps) + offset with per-channel (last axis) parameters
 * is y = x * k + b with k = scale / sqrt(variance + eps) and b = offset - mean * k: a 1x1 depthwise
 * convolution with a bias, which XNNPACK runs in one vectorised pass. The wasm backend's own
 * FusedBatchNorm is a scalar loop with a square root and a division per element; measured on
 * 16x24x24x144 (busy machine, best of 9): 6.0 ms against 0.5 ms, and in a MobileNetV2 fine-tune
 * step at 96x96 it was a third of the time. The result differs from the loop's by float rounding
 * (a few 1e-7 relative). Anything else (per-element parameters, other dtypes) goes to `original`.
 */
export function fusedBatchNormOverride(original: KernelConfig): KernelConfig {
  const fallback = original.kernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const { x, mean, variance, offset, scale } = args.inputs as Record<string, TensorInfo | undefined>;
    const { varianceEpsilon } = args.attrs as unknown as FusedBatchNormAttrs;
    if (x == null || mean == null || variance == null) return fallback(args);
    const channels = x.shape[x.shape.length - 1] as number;
    const perChannel = (t: TensorInfo | undefined) =>
      t == null || (t.shape.length === 1 && t.shape[0] === channels && t.dtype === 'float32');
    if (
      x.dtype !== 'float32' ||
      x.shape.length === 0 ||
      size(x) === 0 ||
      ![mean, variance, offset, scale].every(perChannel)
    ) {
      return fallback(args);
    }
    const calls = new WasmKernelCalls(args.backend);
    try {
      let k = calls.rsqrt(calls.add(variance, calls.fill([], varianceEpsilon)));
      if (scale != null) k = calls.mul(k, scale);
      const shift = calls.mul(mean, k);
      const b = offset != null ? calls.sub(offset, shift) : calls.sub(calls.zeros([channels]), shift);
      const image = calls.reshape(x, [1, 1, size(x) / channels, channels]);
      const y = calls.depthwiseConv2dWithBias(image, calls.reshape(k, [1, 1, channels, 1]), b);
      return calls.keep(calls.reshape(y, x.shape));
    } finally {
      calls.dispose();
    }
  };
  overrides.set(kernelFunc, original);
  return { ...original, kernelFunc };
}

const originals = new WeakMap<GradConfig, GradConfig>();

/** The gradient `broadcastBatchNormGradient` replaced (for before/after benchmarks); else `config`. */
export function originalBatchNormGradient(config: GradConfig): GradConfig {
  return originals.get(config) ?? config;
}

/**
 * The gradient TF.js registers for FusedBatchNorm builds dx from `tile(1 / sqrt(variance + eps))`
 * to x's full shape, and the wasm backend's Tile is a generic slow loop (58 ms for 16x24x24x144,
 * against 0.6 ms for the multiply it feeds): in a fine-tune of MobileNetV2's top blocks, a sixth of
 * the step. The same products with the per-channel factor broadcast give dx bit for bit. The
 * original also computes x - mean and dy * scale up front, full-size, for the parameter gradients
 * a frozen layer never asks for; here each derivative computes what it needs when asked (inside
 * the tape's tidy for that input, so nothing is shared between them), with the original's
 * operations in the original's order. Parameters that are not per-channel go to the original.
 */
export function broadcastBatchNormGradient(original: GradConfig): GradConfig {
  if (originals.has(original)) return original;
  const config: GradConfig = {
    ...original,
    gradFunc: (dyArg: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
      const [x, mean, variance, scale] = saved as [Tensor, Tensor, Tensor, Tensor | undefined];
      if (mean.rank !== 1) return original.gradFunc(dyArg, saved, attrs);
      const dy = dyArg as Tensor;
      const { varianceEpsilon } = attrs as unknown as FusedBatchNormAttrs;
      const scaleValue = () => scale ?? scalar(1);
      const axes = backend_util.getReductionAxes(mean.shape, x.shape);
      const r = () => rsqrt(add(variance, scalar(varianceEpsilon)));
      const dyTimesScale = () => mul(dy, scaleValue());
      const perChannel = (t: Tensor) => reshape(sum(t, axes), mean.shape);
      return {
        x: () => reshape(mul(mul(dy, r()), scaleValue()), x.shape),
        mean: () => perChannel(mul(mul(r(), scalar(-1)), dyTimesScale())),
        variance: () => {
          const ri = r();
          const minusHalfRCube = mul(mul(mul(ri, ri), ri), scalar(-0.5));
          return perChannel(mul(mul(minusHalfRCube, sub(x, mean)), dyTimesScale()));
        },
        scale: () => perChannel(mul(dy, mul(sub(x, mean), r()))),
        offset: () => perChannel(dy),
      };
    },
  };
  originals.set(config, original);
  return config;
}

export function currentBatchNormGradient(): GradConfig | undefined {
  return getGradient(FusedBatchNorm);
}
