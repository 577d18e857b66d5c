import { DepthwiseConv2dNativeBackpropInput, backend_util } from '@tensorflow/tfjs-core';
import type {
  DepthwiseConv2dNativeBackpropInputAttrs,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { axisWindow, cutToWindows, windowPadding, windowsAreEmpty } from './axis-window.js';
import { WasmKernelCalls } from './wasm-kernel-calls.js';

type Shape4D = [number, number, number, number];

/**
 * dx is the transposed depthwise convolution of dy: spread dy out by the stride (zeros between
 * rows and columns), then run a stride-1 depthwise convolution with the spatially flipped filter.
 * Each of the c*M dy channels gets its own filter tap (multiplier 1), and the M channels that
 * came from one input channel are summed afterwards.
 */
const depthwiseBackpropInputWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const dy = inputs['dy'] as TensorInfo;
  const filter = inputs['filter'] as TensorInfo;
  const { strides, dilations, pad, dimRoundingMode, inputShape } =
    attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  const filterShape = filter.shape as Shape4D;
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true,
  );
  const [batch, height, width, channels] = inputShape;
  const [filterHeight, filterWidth, , multiplier] = filterShape;
  const [, outHeight, outWidth, outChannels] = dy.shape as Shape4D;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const reachHeight = (filterHeight - 1) * dilationHeight;
  const reachWidth = (filterWidth - 1) * dilationWidth;

  // Windows over dy once spread by the stride (trailing zeros included).
  const rows = axisWindow(outHeight * strideHeight, info.padInfo.top - reachHeight, height + reachHeight);
  const cols = axisWindow(outWidth * strideWidth, info.padInfo.left - reachWidth, width + reachWidth);

  const calls = new WasmKernelCalls(backend);
  try {
    if (windowsAreEmpty(rows, cols)) {
      // No input position is read by any output, so none receives gradient.
      return calls.keep(calls.zeros(inputShape));
    }
    let spread = dy;
    if (strideHeight > 1 || strideWidth > 1) {
      // Trailing zeros after the last row/column are harmless: the window below either reads
      // them as the padding it needs anyway or cuts them off.
      const split = calls.reshape(dy, [batch, outHeight, 1, outWidth, 1, outChannels]);
      const padded = calls.pad(split, [
        [0, 0],
        [0, 0],
        [0, strideHeight - 1],
        [0, 0],
        [0, strideWidth - 1],
        [0, 0],
      ]);
      spread = calls.reshape(padded, [batch, outHeight * strideHeight, outWidth * strideWidth, outChannels]);
    }
    const spreadCut = cutToWindows(calls, spread, rows, cols);
    const flipped = calls.reshape(calls.reverse(filter, [0, 1]), [filterHeight, filterWidth, outChannels, 1]);
    const perOutChannel = calls.depthwiseConv2d(
      spreadCut,
      flipped,
      [1, 1],
      [dilationHeight, dilationWidth],
      windowPadding(rows, cols),
    );
    if (multiplier === 1) {
      return calls.keep(perOutChannel);
    }
    const split = calls.reshape(perOutChannel, [batch, height, width, channels, multiplier]);
    return calls.keep(calls.sum(split, [4]));
  } finally {
    calls.dispose();
  }
};

export const depthwiseBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropInputWasm,
};
