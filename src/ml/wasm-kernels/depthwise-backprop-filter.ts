import { DepthwiseConv2dNativeBackpropFilter, backend_util } from '@tensorflow/tfjs-core';
import type {
  DepthwiseConv2dNativeBackpropFilterAttrs,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { cutToWindows, forwardReadWindows, windowPadding, windowsAreEmpty } from './axis-window.js';
import { WasmKernelCalls } from './wasm-kernel-calls.js';

type Shape4D = [number, number, number, number];

/**
 * dW[kh,kw,c,m] = sum over b,oh,ow of x[b, oh*s+kh*d-pad, ow*s+kw*d-pad, c] * dy[b,oh,ow,c*M+m].
 * Treating every (b, c) pair as one channel of a single image turns this into one depthwise
 * convolution of x ([1,H,W,b*c]) with dy as the per-channel filter ([oh,ow,b*c,M]), forward stride
 * and dilation swapped; what is left is a small sum over b. XNNPACK runs such a large depthwise
 * kernel well below its forward speed (about 10x the forward time at 24x24x144, batch 16), yet
 * per-tap slice * dy products reduced by Sum or BatchMatMul measured 3-30x slower still. Also tried
 * at that size (20 ms here): one row of dy per channel (1x24 filters) took 27 ms; cutting dy into
 * 3x3 tiles made the convolution itself 3.4 ms, but gathering the overlapping x tiles takes 5-6D
 * Slice/Transpose calls, which the wasm backend runs in a slow generic path (over 1 s in total).
 */
const depthwiseBackpropFilterWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs['x'] as TensorInfo;
  const dy = inputs['dy'] as TensorInfo;
  const { strides, dilations, pad, dimRoundingMode, filterShape } =
    attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4D,
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true,
  );
  const [batch, , , channels] = x.shape as Shape4D;
  const [filterHeight, filterWidth, , multiplier] = filterShape;
  const [, outHeight, outWidth] = dy.shape as Shape4D;
  const { rows, cols } = forwardReadWindows(info, outHeight, outWidth);

  const calls = new WasmKernelCalls(backend);
  try {
    if (windowsAreEmpty(rows, cols)) {
      // Every product in the gradient reads padding.
      return calls.keep(calls.zeros(filterShape));
    }
    const xCut = cutToWindows(calls, x, rows, cols);
    const [, cutHeight, cutWidth] = xCut.shape as Shape4D;
    const xImage = calls.reshape(calls.transpose(xCut, [1, 2, 0, 3]), [
      1,
      cutHeight,
      cutWidth,
      batch * channels,
    ]);
    const dyFilter = calls.reshape(calls.transpose(dy, [1, 2, 0, 3]), [
      outHeight,
      outWidth,
      batch * channels,
      multiplier,
    ]);
    const perImage = calls.depthwiseConv2d(
      xImage,
      dyFilter,
      [info.dilationHeight, info.dilationWidth],
      [info.strideHeight, info.strideWidth],
      windowPadding(rows, cols),
    );
    const byImage = calls.reshape(perImage, [filterHeight, filterWidth, batch, channels * multiplier]);
    const summed = batch === 1 ? byImage : calls.sum(byImage, [2]);
    return calls.keep(calls.reshape(summed, filterShape));
  } finally {
    calls.dispose();
  }
};

export const depthwiseBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropFilterWasm,
};
