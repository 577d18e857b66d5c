import type { TensorInfo, backend_util } from '@tensorflow/tfjs-core';
import type { WasmKernelCalls } from './wasm-kernel-calls.js';

/**
 * The gradient kernels re-express a backward pass as a forward convolution that must read exactly
 * `[start, start + length)` of an axis. Forward convolutions only accept non-negative padding, so a
 * window reaching outside the data becomes zero padding and one cut short becomes a slice.
 */
export interface AxisWindow {
  begin: number;
  size: number;
  padBefore: number;
  padAfter: number;
}

export function axisWindow(extent: number, start: number, length: number): AxisWindow {
  const begin = Math.min(extent, Math.max(0, start));
  const stop = Math.max(begin, Math.min(extent, start + length));
  const size = stop - begin;
  const padBefore = Math.min(length, Math.max(0, -start));
  return { begin, size, padBefore, padAfter: length - padBefore - size };
}

/**
 * The rows and columns of x a forward convolution with `info` read to produce an
 * `outHeight` x `outWidth` output, padding included: what a filter gradient sums over.
 */
export function forwardReadWindows(
  info: backend_util.Conv2DInfo,
  outHeight: number,
  outWidth: number,
): { rows: AxisWindow; cols: AxisWindow } {
  return {
    rows: axisWindow(
      info.inHeight,
      -info.padInfo.top,
      (outHeight - 1) * info.strideHeight + (info.filterHeight - 1) * info.dilationHeight + 1,
    ),
    cols: axisWindow(
      info.inWidth,
      -info.padInfo.left,
      (outWidth - 1) * info.strideWidth + (info.filterWidth - 1) * info.dilationWidth + 1,
    ),
  };
}

/** Large explicit padding with a large stride can leave a window with no data at all in it. */
export function windowsAreEmpty(rows: AxisWindow, cols: AxisWindow): boolean {
  return rows.size === 0 || cols.size === 0;
}

/** Slices the two spatial axes of an NHWC tensor down to the windows, when they cut anything. */
export function cutToWindows(
  calls: WasmKernelCalls,
  x: TensorInfo,
  rows: AxisWindow,
  cols: AxisWindow,
): TensorInfo {
  const [batch, height, width, channels] = x.shape as [number, number, number, number];
  if (rows.begin === 0 && rows.size === height && cols.begin === 0 && cols.size === width) {
    return x;
  }
  return calls.slice(x, [0, rows.begin, cols.begin, 0], [batch, rows.size, cols.size, channels]);
}

export function windowPadding(rows: AxisWindow, cols: AxisWindow): backend_util.ExplicitPadding {
  return [
    [0, 0],
    [rows.padBefore, rows.padAfter],
    [cols.padBefore, cols.padAfter],
    [0, 0],
  ];
}
