import { getKernel } from '@tensorflow/tfjs-core';
import type {
  KernelBackend,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
  backend_util,
} from '@tensorflow/tfjs-core';

type ExplicitPadding = backend_util.ExplicitPadding;

/**
 * Runs existing wasm kernels directly against the backend, the way tfjs backends compose kernels
 * internally: no engine bookkeeping, no tape, and every intermediate is released by `dispose()`.
 * Only `keep()` hands a result out, so a throw half-way through still frees everything.
 */
export class WasmKernelCalls {
  private readonly temporaries: TensorInfo[] = [];

  private readonly backend: KernelBackend;

  /** tfjs types a kernel's backend as `{}`; under the `wasm` registry key it is always BackendWasm. */
  constructor(backend: object) {
    this.backend = backend as KernelBackend;
  }

  private run(kernelName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = getKernel(kernelName, 'wasm');
    if (kernel == null) {
      throw new Error(`wasm backend has no ${kernelName} kernel to build a training kernel from`);
    }
    const out = kernel.kernelFunc({ inputs, backend: this.backend, attrs });
    if (Array.isArray(out)) {
      throw new Error(`wasm ${kernelName} kernel returned several tensors, expected one`);
    }
    this.temporaries.push(out);
    return out;
  }

  zeros(shape: number[]): TensorInfo {
    return this.fill(shape, 0);
  }

  fill(shape: number[], value: number): TensorInfo {
    return this.run('Fill', {}, { shape, value, dtype: 'float32' });
  }

  add(a: TensorInfo, b: TensorInfo): TensorInfo {
    return this.run('Add', { a, b });
  }

  sub(a: TensorInfo, b: TensorInfo): TensorInfo {
    return this.run('Sub', { a, b });
  }

  mul(a: TensorInfo, b: TensorInfo): TensorInfo {
    return this.run('Multiply', { a, b });
  }

  rsqrt(x: TensorInfo): TensorInfo {
    return this.run('Rsqrt', { x });
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }

  pad(x: TensorInfo, paddings: Array<[number, number]>): TensorInfo {
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  reverse(x: TensorInfo, dims: number[]): TensorInfo {
    return this.run('Reverse', { x }, { dims });
  }

  sum(x: TensorInfo, axis: number[]): TensorInfo {
    return this.run('Sum', { x }, { axis, keepDims: false });
  }

  conv2d(
    x: TensorInfo,
    filter: TensorInfo,
    strides: [number, number],
    dilations: [number, number],
    pad: ExplicitPadding,
  ): TensorInfo {
    return this.run('Conv2D', { x, filter }, { strides, dilations, pad, dataFormat: 'NHWC' });
  }

  depthwiseConv2d(
    x: TensorInfo,
    filter: TensorInfo,
    strides: [number, number],
    dilations: [number, number],
    pad: ExplicitPadding,
  ): TensorInfo {
    return this.run('DepthwiseConv2dNative', { x, filter }, { strides, dilations, pad, dataFormat: 'NHWC' });
  }

  /** A depthwise convolution with a per-channel bias added in the same pass. */
  depthwiseConv2dWithBias(x: TensorInfo, filter: TensorInfo, bias: TensorInfo): TensorInfo {
    return this.run(
      'FusedDepthwiseConv2D',
      { x, filter, bias },
      { strides: [1, 1], dilations: [1, 1], pad: 'valid', dataFormat: 'NHWC', activation: 'linear' },
    );
  }

  /** Exempts `result` from `dispose()`; the caller (the engine) now owns it. */
  keep(result: TensorInfo): TensorInfo {
    const index = this.temporaries.indexOf(result);
    if (index < 0) {
      throw new Error('keep() expects a tensor produced by this WasmKernelCalls');
    }
    this.temporaries.splice(index, 1);
    return result;
  }

  dispose(): void {
    for (const t of this.temporaries.splice(0)) {
      this.backend.disposeData(t.dataId);
    }
  }
}
