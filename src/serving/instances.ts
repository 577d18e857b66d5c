import { preprocessImage } from '../datasets/image/image-preprocess.js';
import type { ImagePreprocessing, TabularPreprocessing } from '../contracts/preprocessing.js';
import type { AppError } from '../lib/errors.js';
import {
  PayloadTooLargeError,
  UnprocessableError,
  UnsupportedMediaTypeError,
  ValidationError,
  type FieldError,
} from '../lib/errors.js';
import type { ModelMeta } from '../contracts/model-meta.js';

/**
 * Request instances -> model input rows, with exactly the preprocessing the model was trained
 * with (meta.preprocessing). Every instance is checked and every failure is reported with its
 * index, so one request learns all that is wrong with it at once; a bad instance fails only its
 * own request, before anything reaches a batch shared with other callers.
 */

export type PredictInput =
  | { kind: 'json'; instances: unknown[] }
  | { kind: 'images'; images: Array<{ path: string; filename?: string; data: Buffer }> };

export interface InstanceLimits {
  maxInstances: number;
  maxImageBytes: number;
}

type Failure = FieldError & { kind: 'invalid' | 'too-large' | 'undecodable' };

class InstanceFailure extends Error {
  constructor(
    readonly kind: Failure['kind'],
    message: string,
  ) {
    super(message);
  }
}

export function rowSize(meta: ModelMeta): number {
  return meta.inputShape.reduce((a, b) => a * b, 1);
}

export async function toRows(
  meta: ModelMeta,
  input: PredictInput,
  limits: InstanceLimits,
): Promise<Float32Array[]> {
  const count = input.kind === 'json' ? input.instances.length : input.images.length;
  const field = input.kind === 'json' ? 'instances' : 'files';
  if (count === 0) {
    throw new ValidationError(`no ${input.kind === 'json' ? 'instances' : 'image files'} to predict`, {
      errors: [{ path: field, message: 'at least one is required' }],
    });
  }
  if (count > limits.maxInstances) {
    throw new PayloadTooLargeError(
      `${count} instances in one request; at most ${limits.maxInstances} are accepted (PREDICT_MAX_INSTANCES)`,
      { errors: [{ path: field, message: `at most ${limits.maxInstances}` }] },
    );
  }

  const pre = meta.preprocessing;
  if (input.kind === 'images' && pre.kind !== 'image') {
    throw new UnsupportedMediaTypeError(
      'this model takes numeric features, not images: send JSON { "instances": [[...numbers...]] }',
    );
  }
  const size = rowSize(meta);
  if (pre.kind === 'image') {
    const [h, w] = pre.image.size;
    if (h * w * pre.image.channels !== size) {
      throw new Error(`model ${meta.id}: preprocessing size does not match inputShape`);
    }
  }

  const jobs =
    input.kind === 'images'
      ? input.images.map((img) => ({
          path: img.path,
          run: () =>
            decodeImage(img.data, pre.kind === 'image' ? pre.image : undefined, limits, img.filename),
        }))
      : input.instances.map((inst, i) => ({
          path: `instances[${i}]`,
          run: () =>
            pre.kind === 'image'
              ? imageInstance(inst, pre.image, size, limits)
              : Promise.resolve(tabularInstance(inst, pre.tabular)),
        }));

  const failures: Failure[] = [];
  const rows = await Promise.all(
    jobs.map(async (job) => {
      try {
        return await job.run();
      } catch (err) {
        if (err instanceof InstanceFailure)
          failures.push({ path: job.path, message: err.message, kind: err.kind });
        else if (err instanceof UnprocessableError)
          failures.push({ path: job.path, message: err.message, kind: 'undecodable' });
        else throw err;
        return undefined;
      }
    }),
  );
  if (failures.length > 0) throw failureError(failures);
  return rows as Float32Array[];
}

function failureError(failures: Failure[]): AppError {
  failures.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
  const errors = failures.map(({ path, message }) => ({ path, message }));
  const detail =
    `${failures.length} instance${failures.length === 1 ? '' : 's'} rejected: ` +
    errors
      .slice(0, 5)
      .map((e) => `${e.path}: ${e.message}`)
      .join('; ') +
    (errors.length > 5 ? '; ...' : '');
  if (failures.some((f) => f.kind === 'invalid')) return new ValidationError(detail, { errors });
  if (failures.some((f) => f.kind === 'too-large')) return new PayloadTooLargeError(detail, { errors });
  return new UnprocessableError(detail, { errors });
}

async function imageInstance(
  inst: unknown,
  spec: ImagePreprocessing,
  size: number,
  limits: InstanceLimits,
): Promise<Float32Array> {
  if (Array.isArray(inst)) return tensorInstance(inst, size, spec);
  if (typeof inst === 'object' && inst !== null && 'b64' in inst) {
    const b64 = (inst as { b64: unknown }).b64;
    if (typeof b64 !== 'string') throw new InstanceFailure('invalid', '"b64" must be a base64 string');
    return decodeImage(decodeBase64(b64, limits.maxImageBytes), spec, limits);
  }
  throw new InstanceFailure(
    'invalid',
    'expected { "b64": "<base64 image>" } or a numeric array of the preprocessed input ' +
      `(${spec.size[0]}x${spec.size[1]}x${spec.channels})`,
  );
}

async function decodeImage(
  data: Buffer,
  spec: ImagePreprocessing | undefined,
  limits: InstanceLimits,
  filename?: string,
): Promise<Float32Array> {
  const label = filename ? `'${filename}' ` : '';
  if (!spec) throw new InstanceFailure('invalid', 'this model does not take images');
  if (data.length === 0) throw new InstanceFailure('invalid', `${label}is empty`);
  if (data.length > limits.maxImageBytes) {
    throw new InstanceFailure(
      'too-large',
      `${label}is ${data.length} bytes; images may be at most ${limits.maxImageBytes} bytes (PREDICT_MAX_IMAGE_BYTES)`,
    );
  }
  try {
    return await preprocessImage(data, spec);
  } catch (err) {
    if (err instanceof UnprocessableError) {
      throw new InstanceFailure('undecodable', `${label}${err.message}`);
    }
    throw err;
  }
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function decodeBase64(s: string, maxBytes: number): Buffer {
  const body = s.replace(/^data:[^,]*;base64,/, '').replace(/\s+/g, '');
  if (body.length === 0) throw new InstanceFailure('invalid', '"b64" is empty');
  if (!BASE64.test(body) || body.length % 4 === 1)
    throw new InstanceFailure('invalid', '"b64" is not valid base64');
  // Checked before decoding, so an oversized string costs no allocation.
  if (Math.floor((body.length * 3) / 4) - 2 > maxBytes) {
    throw new InstanceFailure(
      'too-large',
      `the image is larger than ${maxBytes} bytes (PREDICT_MAX_IMAGE_BYTES)`,
    );
  }
  return Buffer.from(body, 'base64');
}

/** An already-preprocessed example (flat, or nested like [h][w][c]); values are used as given. */
function tensorInstance(inst: unknown[], size: number, spec: ImagePreprocessing): Float32Array {
  const out = new Float32Array(size);
  let n = 0;
  const stack: Array<{ arr: unknown[]; i: number }> = [{ arr: inst, i: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.i >= top.arr.length) {
      stack.pop();
      continue;
    }
    const v = top.arr[top.i++];
    if (Array.isArray(v)) {
      if (stack.length >= 8) throw new InstanceFailure('invalid', 'nested too deeply');
      stack.push({ arr: v, i: 0 });
    } else if (typeof v === 'number' && Number.isFinite(v)) {
      if (n >= size) break;
      out[n++] = v;
    } else {
      throw new InstanceFailure('invalid', `contains ${JSON.stringify(v) ?? String(v)}, not a finite number`);
    }
  }
  if (n !== size || stack.length > 0) {
    const count = n >= size ? `more than ${size}` : String(n);
    throw new InstanceFailure(
      'invalid',
      `has ${count} values; the model takes ${size} (${spec.size[0]}x${spec.size[1]}x${spec.channels}) ` +
        'or an image as { "b64": ... }',
    );
  }
  return out;
}

function tabularInstance(inst: unknown, spec: TabularPreprocessing): Float32Array {
  const { features, mean, std } = spec;
  let values: unknown[];
  if (Array.isArray(inst)) {
    values = inst;
  } else if (typeof inst === 'object' && inst !== null && !('b64' in inst)) {
    const rec = inst as Record<string, unknown>;
    const missing = features.filter((f) => !(f in rec));
    const extra = Object.keys(rec).filter((k) => !features.includes(k));
    if (missing.length > 0 || extra.length > 0) {
      throw new InstanceFailure(
        'invalid',
        [
          missing.length ? `missing feature(s) ${missing.join(', ')}` : '',
          extra.length ? `unknown feature(s) ${extra.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; '),
      );
    }
    values = features.map((f) => rec[f]);
  } else {
    throw new InstanceFailure(
      'invalid',
      `expected an array of ${features.length} numbers (${features.join(', ')}) or an object keyed by feature name`,
    );
  }
  if (values.length !== features.length) {
    throw new InstanceFailure(
      'invalid',
      `has ${values.length} features; the model takes ${features.length} (${features.join(', ')})`,
    );
  }
  const out = new Float32Array(features.length);
  for (let j = 0; j < values.length; j++) {
    const v = values[j];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InstanceFailure('invalid', `feature ${features[j]} (index ${j}) is not a finite number`);
    }
    const s = std[j] ?? 1;
    out[j] = (v - (mean[j] ?? 0)) / (s === 0 ? 1 : s);
  }
  return out;
}
