import { UnsortedSegmentSum } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo, UnsortedSegmentSumAttrs } from '@tensorflow/tfjs-core';

/** The part of BackendWasm a JS kernel needs (the class is not exported with these members typed). */
interface WasmHeapBackend {
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array;
}

/**
 * UnsortedSegmentSum, which the wasm backend lacks: it is the gradient of Gather, so an
 * Embedding layer (from-scratch text models) cannot train without it. out[s, ...] = sum of the
 * rows of x whose segment id is s; ids outside [0, numSegments) are dropped, as in TensorFlow.
 * A plain loop over the heap: one pass, as many additions as x has elements.
 */
const unsortedSegmentSumWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs['x'] as TensorInfo;
  const ids = inputs['segmentIds'] as TensorInfo;
  const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
  const b = backend as unknown as WasmHeapBackend;
  const n = ids.shape.reduce((a, d) => a * d, 1);
  const inner = n === 0 ? 0 : x.shape.reduce((a, d) => a * d, 1) / n;
  const outShape = [numSegments, ...x.shape.slice(ids.shape.length)];
  const out = b.makeOutput(outShape, x.dtype);
  const o = b.typedArrayFromHeap(out);
  o.fill(0);
  const xv = b.readSync(x.dataId);
  const iv = b.readSync(ids.dataId);
  for (let i = 0; i < n; i++) {
    const s = iv[i] as number;
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let k = 0; k < inner; k++) o[dst + k] = (o[dst + k] as number) + (xv[src + k] as number);
  }
  return out;
};

export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSumWasm,
};
