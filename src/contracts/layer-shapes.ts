import { TEXT_MAX_VOCABULARY, type LayerSpec } from './job-spec.js';
import type { Dims } from './model-topology.js';

/**
 * Output shapes and parameter counts of spec layers, computed without TF.js, so a job whose
 * layers cannot fit together is refused with a field path before it is queued rather than
 * failing inside a worker with a TF.js shape error. Shapes exclude the batch dimension; `null`
 * is an unknown size (e.g. a base with a free spatial input) and is carried along unchecked.
 */

export type ShapeResult = { shape: Dims; params: number } | { error: string };

const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);

function show(shape: Dims): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

function windowed(size: number | null, k: number, s: number, pad: 'valid' | 'same'): number | null {
  if (size === null) return null;
  return pad === 'same' ? Math.ceil(size / s) : Math.floor((size - k) / s) + 1;
}

function spatial(
  what: string,
  input: Dims,
  kernel: [number, number],
  strides: [number, number],
  pad: 'valid' | 'same',
): { h: number | null; w: number | null; c: number | null } | { error: string } {
  if (input.length !== 3) {
    return { error: `${what} needs a 3-D input [height, width, channels] but gets ${show(input)}` };
  }
  const [h0, w0, c] = input as [number | null, number | null, number | null];
  const h = windowed(h0, kernel[0], strides[0], pad);
  const w = windowed(w0, kernel[1], strides[1], pad);
  if ((h !== null && h < 1) || (w !== null && w < 1)) {
    return {
      error: `${what} with window ${kernel.join('x')} and padding '${pad}' does not fit input ${show(input)}`,
    };
  }
  return { h, w, c };
}

function elements(shape: Dims): number | null {
  let n = 1;
  for (const d of shape) {
    if (d === null) return null;
    n *= d;
  }
  return n;
}

/** The spec of one layer type. */
type Layer<T extends LayerSpec['type']> = Extract<LayerSpec, { type: T }>;

export function inferLayer(layer: LayerSpec, input: Dims): ShapeResult {
  switch (layer.type) {
    case 'dense':
      return denseShape(layer, input);
    case 'dropout':
    case 'activation':
      return { shape: input, params: 0 };
    case 'batchNormalization':
      return batchNormalizationShape(input);
    case 'flatten':
      return flattenShape(input);
    case 'embedding':
      return embeddingShape(layer, input);
    case 'globalAveragePooling1d':
    case 'globalMaxPooling1d':
      return globalPooling1dShape(layer.type, input);
    case 'globalAveragePooling2d':
    case 'globalMaxPooling2d':
      return globalPooling2dShape(layer.type, input);
    case 'conv2d':
      return conv2dShape(layer, input);
    case 'depthwiseConv2d':
      return depthwiseConv2dShape(layer, input);
    case 'maxPooling2d':
    case 'averagePooling2d':
      return pooling2dShape(layer, input);
    case 'reshape':
      return reshapeShape(layer, input);
  }
}

function denseShape(layer: Layer<'dense'>, input: Dims): ShapeResult {
  const last = input[input.length - 1];
  if (input.length === 0) return { error: 'dense needs an input of rank >= 1' };
  if (last === null || last === undefined) {
    return { error: `dense needs a known last dimension, gets ${show(input)}` };
  }
  return {
    shape: [...input.slice(0, -1), layer.units],
    params: last * layer.units + (layer.useBias ? layer.units : 0),
  };
}

function batchNormalizationShape(input: Dims): ShapeResult {
  const c = input[input.length - 1];
  if (c === null || c === undefined) return { error: `batchNormalization needs a known last dimension` };
  return { shape: input, params: 4 * c };
}

function flattenShape(input: Dims): ShapeResult {
  if (input.length < 1) return { error: 'flatten needs an input of rank >= 1' };
  const n = elements(input);
  if (n === null) return { error: `flatten needs a fully known input shape, gets ${show(input)}` };
  return { shape: [n], params: 0 };
}

function embeddingShape(layer: Layer<'embedding'>, input: Dims): ShapeResult {
  if (input.length !== 1) {
    return { error: `embedding needs a 1-D input of word ids [length] but gets ${show(input)}` };
  }
  const inputDim = layer.inputDim ?? TEXT_MAX_VOCABULARY + 2;
  return { shape: [input[0] ?? null, layer.outputDim], params: inputDim * layer.outputDim };
}

/** Global pooling over a sequence's steps keeps its features. */
function globalPooling1dShape(type: LayerSpec['type'], input: Dims): ShapeResult {
  if (input.length !== 2) {
    return { error: `${type} needs a 2-D input [steps, features] but gets ${show(input)}` };
  }
  return { shape: [input[1] ?? null], params: 0 };
}

/** Global pooling over a map's height and width keeps its channels. */
function globalPooling2dShape(type: LayerSpec['type'], input: Dims): ShapeResult {
  if (input.length !== 3) {
    return { error: `${type} needs a 3-D input [height, width, channels] but gets ${show(input)}` };
  }
  return { shape: [input[2] ?? null], params: 0 };
}

function conv2dShape(layer: Layer<'conv2d'>, input: Dims): ShapeResult {
  const k = pair(layer.kernelSize);
  const r = spatial('conv2d', input, k, pair(layer.strides), layer.padding);
  if ('error' in r) return r;
  if (r.c === null) return { error: 'conv2d needs a known channel count' };
  return {
    shape: [r.h, r.w, layer.filters],
    params: k[0] * k[1] * r.c * layer.filters + (layer.useBias ? layer.filters : 0),
  };
}

function depthwiseConv2dShape(layer: Layer<'depthwiseConv2d'>, input: Dims): ShapeResult {
  const k = pair(layer.kernelSize);
  const r = spatial('depthwiseConv2d', input, k, pair(layer.strides), layer.padding);
  if ('error' in r) return r;
  if (r.c === null) return { error: 'depthwiseConv2d needs a known channel count' };
  const out = r.c * layer.depthMultiplier;
  return { shape: [r.h, r.w, out], params: k[0] * k[1] * out + (layer.useBias ? out : 0) };
}

function pooling2dShape(layer: Layer<'maxPooling2d' | 'averagePooling2d'>, input: Dims): ShapeResult {
  const p = pair(layer.poolSize);
  const r = spatial(layer.type, input, p, pair(layer.strides ?? layer.poolSize), layer.padding);
  if ('error' in r) return r;
  return { shape: [r.h, r.w, r.c], params: 0 };
}

function reshapeShape(layer: Layer<'reshape'>, input: Dims): ShapeResult {
  const from = elements(input);
  const to = elements(layer.targetShape);
  if (from !== null && from !== to) {
    return {
      error: `reshape to ${show(layer.targetShape)} (${to} values) does not fit input ${show(input)} (${from} values)`,
    };
  }
  return { shape: layer.targetShape, params: 0 };
}

export { show as showShape, elements as shapeElements };
