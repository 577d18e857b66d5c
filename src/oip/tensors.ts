import type { ModelMeta } from '../contracts/model-meta.js';
import { modelRules } from '../serving/format.js';

/**
 * A stored model seen through the Open Inference Protocol (KServe v2): its input and output
 * tensors, and how tensor data (nested or flat, row-major, spec "Tensor Data") is read.
 */

/** The protocol's tensor data types (spec "Tensor Data Types"). */
export const DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
] as const;
export type Datatype = (typeof DATATYPES)[number];

/** `$metadata_tensor`: a variable dimension is -1 (the batch, here). */
export interface TensorMetadata {
  name: string;
  datatype: Datatype;
  shape: number[];
}

/** What an input tensor carries into the v1 instance it becomes. */
export type InputKind = 'tensor' | 'image' | 'text';

export interface ModelInput extends TensorMetadata {
  kind: InputKind;
}

/**
 * A model's inputs; a request sends exactly one of them. Image models take the preprocessed
 * tensor (FP32, [-1, h, w, c], used as given) or encoded images (BYTES, base64, preprocessed as
 * in training); text models take UTF-8 texts; tabular models take rows of raw feature values
 * (FP32, standardised as in training, like v1's number arrays).
 */
export function modelInputs(meta: ModelMeta): ModelInput[] {
  const pre = meta.preprocessing;
  if (pre.kind === 'text') return [{ name: 'text', datatype: 'BYTES', shape: [-1], kind: 'text' }];
  const tensor: ModelInput = {
    name: 'input',
    datatype: 'FP32',
    shape: [-1, ...meta.inputShape],
    kind: 'tensor',
  };
  if (pre.kind === 'tabular') return [tensor];
  return [tensor, { name: 'image', datatype: 'BYTES', shape: [-1], kind: 'image' }];
}

/** Output names a classifier answers with. */
export const OUTPUTS = {
  probabilities: 'probabilities',
  label: 'label',
  novelty: 'novelty',
  unknown: 'unknown',
  value: 'value',
} as const;

/**
 * A classifier: calibrated probabilities in label order, the best label, and where the model
 * has a novelty rule the novelty score and the "unknown" answer. A regressor: its value.
 */
export function modelOutputs(meta: ModelMeta): TensorMetadata[] {
  if (meta.task === 'regression') return [{ name: OUTPUTS.value, datatype: 'FP32', shape: [-1] }];
  const outputs: TensorMetadata[] = [
    { name: OUTPUTS.probabilities, datatype: 'FP32', shape: [-1, meta.labels.length] },
    { name: OUTPUTS.label, datatype: 'BYTES', shape: [-1] },
  ];
  if (modelRules(meta).novelty) {
    outputs.push({ name: OUTPUTS.novelty, datatype: 'FP32', shape: [-1] });
    outputs.push({ name: OUTPUTS.unknown, datatype: 'BOOL', shape: [-1] });
  }
  return outputs;
}

const MAX_NESTING = 8;

/**
 * The elements of tensor data in row-major order, whether nested or flat. Stops with a message
 * past `limit` elements, or at nesting deeper than any model's input.
 */
export function flattenData(data: unknown[], limit: number): { values: unknown[] } | { error: string } {
  const values: unknown[] = [];
  const stack: Array<{ arr: unknown[]; i: number }> = [{ arr: data, i: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.i >= top.arr.length) {
      stack.pop();
      continue;
    }
    const v = top.arr[top.i++];
    if (Array.isArray(v)) {
      if (stack.length >= MAX_NESTING) return { error: `is nested deeper than ${MAX_NESTING} levels` };
      stack.push({ arr: v, i: 0 });
      continue;
    }
    if (values.length >= limit) return { error: `holds more than the ${limit} elements its shape gives` };
    values.push(v);
  }
  return { values };
}

/** Product of a shape's dimensions (the element count of a tensor of that shape). */
export function elementCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** `[-1, 8, 8, 3]` as people write it. */
export function shapeText(shape: number[]): string {
  return `[${shape.join(', ')}]`;
}
