import { backend_util } from '@tensorflow/tfjs-core';
import type { Conv2DBackpropInputAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { axisWindow, cutToWindows, windowPadding, windowsAreEmpty } from './axis-window.js';
import { WasmKernelCalls } from './wasm-kernel-calls.js';

type Shape4D = [number, number, number, number];

/** Kernel functions made by `conv2DBackpropInputOverride`, so registration can recognise its own. */
const overrides = new WeakSet<KernelFunc>();

export function isConv2DBackpropInputOverride(config: KernelConfig): boolean {
  return overrides.has(config.kernelFunc);
}

/**
 * The formulation below only holds for the shapes a forward NHWC convolution produces. tfjs has no
 * dilated conv2d input gradient, so any `dilations` attribute comes from a hand-made call that every
 * backend ignores; it goes to the original kernel to keep ignoring it the same way.
 * `conv2dTranspose` passes whatever dy the caller has, and the reference kernels read dy by the
 * shape they compute rather than the one it has, so a mismatch also goes to the original.
 */
function coveredHere(
  dy: TensorInfo,
  filter: TensorInfo,
  attrs: Conv2DBackpropInputAttrs & { dilations?: unknown },
): backend_util.Conv2DInfo | null {
  if (attrs.dataFormat === 'NCHW' || dy.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  if (attrs.dilations != null) {
    const d = attrs.dilations;
    const allOne = Array.isArray(d) ? d.every((v) => v === 1) : d === 1;
    if (!allOne) return null;
  }
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as Shape4D,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const sameShape = info.outShape.every((size, axis) => size === dy.shape[axis]);
  return sameShape ? info : null;
}

/**
 * The filter for `transposedConvolution`: W[kh,kw,ci,co] with each tap kh = m*s + r (r the phase
 * of the input rows it feeds) moved to tap m, flipped so the convolution reads dy forward, and to
 * output channel (r, ci). Taps past the filter's edge become zeros, so every phase has as many.
 */
function phaseFilter(
  calls: WasmKernelCalls,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
  blocksHeight: number,
  blocksWidth: number,
): TensorInfo {
  const { filterHeight, filterWidth, strideHeight, strideWidth, inChannels, outChannels } = info;
  let w = filter;
  if (blocksHeight * strideHeight > filterHeight || blocksWidth * strideWidth > filterWidth) {
    w = calls.pad(w, [
      [0, blocksHeight * strideHeight - filterHeight],
      [0, blocksWidth * strideWidth - filterWidth],
      [0, 0],
      [0, 0],
    ]);
  }
  w = calls.reshape(w, [blocksHeight, strideHeight, blocksWidth, strideWidth * inChannels, outChannels]);
  if (blocksHeight > 1 || blocksWidth > 1) {
    w = calls.reverse(w, [0, 2]);
  }
  w = calls.transpose(w, [0, 2, 4, 1, 3]);
  return calls.reshape(w, [blocksHeight, blocksWidth, outChannels, strideHeight * strideWidth * inChannels]);
}

/**
 * dx is the transposed convolution of dy. Input row y = q*s + r - padTop only receives gradient
 * from filter taps kh = r, r+s, r+2s, ..., each paired with dy row q - (kh - r)/s: for each phase
 * r that is a stride-1 convolution of dy with a sub-filter of ceil(k/s) taps. All s*s phases run
 * as one stride-1 Conv2D with the phases in the output channels, then a depth-to-space transpose
 * puts their rows and columns back in place.
 *
 * The kernel tfjs-backend-wasm 4.x ships is a scalar loop. Measured (best of 7, busy machine): the
 * MNIST CNN's second layer (batch 32, 13x13x32 -> 11x11x64) 35 -> 5 ms; 3x3 stride 2, 48x48x32 ->
 * 24x24x64, batch 16: 89 -> 15 ms, where convolving dy spread out with zeros (up to s*s times the
 * arithmetic) took 31 ms; 1x1 320 -> 1280 at 3x3, batch 16: 47 -> 5 ms. Only calls of a few
 * thousand multiply-adds are slower, by some 10-30 us of kernel-call overhead.
 */
function transposedConvolution(
  backend: object,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const [batch, outHeight, outWidth] = dy.shape as Shape4D;
  const { inHeight, inWidth, inChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const blocksHeight = Math.ceil(filterHeight / strideHeight);
  const blocksWidth = Math.ceil(filterWidth / strideWidth);
  // Output blocks q in [firstRow, firstRow + blockRows) cover padded rows padTop .. padTop + inHeight.
  const firstRow = Math.floor(info.padInfo.top / strideHeight);
  const blockRows = Math.ceil((info.padInfo.top + inHeight) / strideHeight) - firstRow;
  const firstCol = Math.floor(info.padInfo.left / strideWidth);
  const blockCols = Math.ceil((info.padInfo.left + inWidth) / strideWidth) - firstCol;
  const rows = axisWindow(outHeight, firstRow - (blocksHeight - 1), blockRows + blocksHeight - 1);
  const cols = axisWindow(outWidth, firstCol - (blocksWidth - 1), blockCols + blocksWidth - 1);

  const calls = new WasmKernelCalls(backend);
  try {
    if (windowsAreEmpty(rows, cols)) {
      // No input position is read by any output, so none receives gradient.
      return calls.keep(calls.zeros(info.inShape));
    }
    const weights = phaseFilter(calls, filter, info, blocksHeight, blocksWidth);
    const dyCut = cutToWindows(calls, dy, rows, cols);
    const byPhase = calls.conv2d(dyCut, weights, [1, 1], [1, 1], windowPadding(rows, cols));
    if (strideHeight === 1 && strideWidth === 1) {
      return calls.keep(byPhase);
    }
    const split = calls.reshape(byPhase, [
      batch * blockRows,
      blockCols,
      strideHeight,
      strideWidth * inChannels,
    ]);
    const interleaved = calls.reshape(calls.transpose(split, [0, 2, 1, 3]), [
      batch,
      blockRows * strideHeight,
      blockCols * strideWidth,
      inChannels,
    ]);
    const top = info.padInfo.top - firstRow * strideHeight;
    const left = info.padInfo.left - firstCol * strideWidth;
    if (
      top === 0 &&
      left === 0 &&
      blockRows * strideHeight === inHeight &&
      blockCols * strideWidth === inWidth
    ) {
      return calls.keep(interleaved);
    }
    return calls.keep(calls.slice(interleaved, [0, top, left, 0], info.inShape));
  } finally {
    calls.dispose();
  }
}

/**
 * Wraps the wasm backend's own Conv2DBackpropInput: same setup and name, but NHWC float32 calls
 * whose dy has the forward convolution's shape run as a Conv2D; everything else (NCHW, odd
 * attributes) still reaches `original`, so behaviour outside the fast path is unchanged.
 */
export function conv2DBackpropInputOverride(original: KernelConfig): KernelConfig {
  const fallback = original.kernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const dy = args.inputs['dy'] as TensorInfo;
    const filter = args.inputs['filter'] as TensorInfo;
    const info = coveredHere(dy, filter, args.attrs as unknown as Conv2DBackpropInputAttrs);
    return info == null ? fallback(args) : transposedConvolution(args.backend, dy, filter, info);
  };
  overrides.add(kernelFunc);
  return { ...original, kernelFunc };
}
