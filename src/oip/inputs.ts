import type { ModelMeta } from '../contracts/model-meta.js';
import { isAppError, ValidationError, type AppError } from '../lib/errors.js';
import type { UnknownOverride } from '../serving/format.js';
import type { InferenceRequest } from './schemas.js';
import { elementCount, flattenData, modelInputs, shapeText, type ModelInput } from './tensors.js';

/**
 * An inference request's input tensor -> the v1 instances the prediction service takes, so a
 * v2 request runs through exactly the checks, preprocessing, batching and workers of
 * /v1/models/{id}/predict. Every refusal names the input and what its shape or data should be.
 */

type RequestInput = InferenceRequest['inputs'][number];

function invalid(message: string, path = 'inputs'): ValidationError {
  return new ValidationError(message, { errors: [{ path, message }] });
}

function described(inputs: ModelInput[]): string {
  return inputs.map((i) => `'${i.name}' (${i.datatype} ${shapeText(i.shape)})`).join(' or ');
}

/** The one input of the request and the model input it feeds. */
export function pickInput(meta: ModelMeta, req: InferenceRequest): { input: RequestInput; spec: ModelInput } {
  const inputs = modelInputs(meta);
  if (req.inputs.length !== 1) {
    throw invalid(
      `this model takes one input tensor, ${described(inputs)}; the request has ${req.inputs.length}`,
    );
  }
  const input = req.inputs[0]!;
  const spec = inputs.find((i) => i.name === input.name);
  if (!spec)
    throw invalid(`no input named '${input.name}': this model takes ${described(inputs)}`, 'inputs[0].name');
  if (input.datatype !== spec.datatype) {
    throw invalid(
      `input '${spec.name}' is ${spec.datatype}, not ${input.datatype}` +
        (inputs.length > 1 ? `; this model takes ${described(inputs)}` : ''),
      'inputs[0].datatype',
    );
  }
  return { input, spec };
}

/** The instances of `input` (rows of numbers, base64 images or texts), its shape checked. */
export function toInstances(spec: ModelInput, input: RequestInput): unknown[] {
  const expected = spec.shape;
  const s = input.shape;
  const wrongShape = () =>
    invalid(
      `input '${spec.name}' has shape ${shapeText(s)}; this model takes ${shapeText(expected)} ` +
        '(-1: any batch size from 1)',
      'inputs[0].shape',
    );
  if (s.length !== expected.length || expected.some((d, i) => d !== -1 && d !== s[i])) throw wrongShape();
  const rows = s[0]!;
  if (rows < 1)
    throw invalid(`input '${spec.name}' holds no instances (its batch dimension is 0)`, 'inputs[0].shape');
  const count = elementCount(s);
  const flat = flattenData(input.data, count);
  if ('error' in flat) throw invalid(`input '${spec.name}': data ${flat.error}`, 'inputs[0].data');
  if (flat.values.length !== count) {
    throw invalid(
      `input '${spec.name}': data holds ${flat.values.length} elements; shape ${shapeText(s)} needs ${count}`,
      'inputs[0].data',
    );
  }
  if (spec.datatype === 'BYTES') {
    const bad = flat.values.findIndex((v) => typeof v !== 'string');
    if (bad >= 0) {
      const what = spec.kind === 'image' ? 'a base64-encoded image' : 'a UTF-8 string';
      throw invalid(
        `input '${spec.name}': element ${bad} is not a string; BYTES elements are ${what}`,
        'inputs[0].data',
      );
    }
    return flat.values.map((v) => (spec.kind === 'image' ? { b64: v } : v));
  }
  const bad = flat.values.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
  if (bad >= 0)
    throw invalid(`input '${spec.name}': element ${bad} is not a finite number`, 'inputs[0].data');
  const size = count / rows;
  return Array.from({ length: rows }, (_, i) => flat.values.slice(i * size, (i + 1) * size));
}

/** The request's own "unknown" rule, from its parameters (as v1's body fields of the same names). */
export function unknownOverride(parameters: InferenceRequest['parameters']): UnknownOverride | undefined {
  if (!parameters) return undefined;
  const out: UnknownOverride = {};
  const threshold = parameters['unknownThreshold'];
  const acceptRate = parameters['acceptRate'];
  if (threshold !== undefined) {
    if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 2))
      throw invalid('parameter unknownThreshold must be a number from 0 to 2', 'parameters.unknownThreshold');
    out.threshold = threshold;
  }
  if (acceptRate !== undefined) {
    if (typeof acceptRate !== 'number' || !(acceptRate > 0 && acceptRate <= 1))
      throw invalid('parameter acceptRate must be a number in (0, 1]', 'parameters.acceptRate');
    out.acceptRate = acceptRate;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The prediction service's errors speak of v1's `instances[i]`; a v2 caller sent an input
 * tensor, so the same error names its elements instead.
 */
export function inInputTerms(err: unknown, inputName: string): unknown {
  if (!isAppError(err)) return err;
  const rename = (s: string) =>
    s
      .replace(/\binstances\[(\d+)\]/g, `${inputName}[$1]`)
      .replace(/\binstances\b/g, `'${inputName}' instances`);
  const Ctor = err.constructor as new (
    detail: string,
    opts: ConstructorParameters<typeof ValidationError>[1],
  ) => AppError;
  return new Ctor(rename(err.message), {
    ...(err.errors ? { errors: err.errors.map((e) => ({ path: rename(e.path), message: e.message })) } : {}),
    ...(err.extra ? { extra: err.extra } : {}),
    cause: err,
  });
}
