import sharp from 'sharp';
import { MAX_INPUT_PIXELS, preprocessImage } from '../datasets/image/image-preprocess.js';
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
  /** Pixels decoded per request, all images together (read from headers before decoding). */
  maxRequestPixels: number;
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
): Promise<InstanceRow[]> {
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
      pre.kind === 'text'
        ? 'this model takes texts, not images: send JSON { "instances": [{ "text": "..." }] }'
        : 'this model takes numeric features, not images: send JSON { "instances": [[...numbers...]] }',
    );
  }
  const size = rowSize(meta);
  if (pre.kind === 'image') {
    const [h, w] = pre.image.size;
    if (h * w * pre.image.channels !== size) {
      throw new Error(`model ${meta.id}: preprocessing size does not match inputShape`);
    }
  }

  // Three passes, so a request is refused before its images cost any decoding: check each
  // instance and get its bytes; read the image headers and hold the request to its pixel
  // budget; then decode one image at a time, so one request's images never occupy every
  // thread of libuv's pool while other requests' images wait behind them.
  const failures: Failure[] = [];
  const collect = <T>(path: string, fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof InstanceFailure) failures.push({ path, message: err.message, kind: err.kind });
      else throw err;
      return undefined;
    }
  };
  const prepared: Prepared[] =
    input.kind === 'images'
      ? input.images.map((img) => ({
          path: img.path,
          ...(img.filename !== undefined ? { filename: img.filename } : {}),
          bytes: collect(img.path, () =>
            checkImageBytes(img.data, pre.kind === 'image', limits, img.filename),
          ),
        }))
      : input.instances.map((inst, i) => {
          const path = `instances[${i}]`;
          const got = collect(path, () =>
            pre.kind === 'image'
              ? imageInstance(inst, pre.image, size, limits)
              : pre.kind === 'tabular'
                ? tabularInstance(inst, pre.tabular)
                : textInstance(inst),
          );
          if (typeof got === 'string') return { path, text: got };
          return got instanceof Float32Array ? { path, row: got } : { path, bytes: got };
        });

  const images = prepared.filter((p): p is Prepared & { bytes: Buffer } => p.bytes !== undefined);
  if (images.length > 0 && pre.kind === 'image') {
    await checkPixelBudget(images, field, limits, failures);
    for (const p of images) {
      try {
        p.row = await decodeImage(p.bytes, pre.image, p.filename);
      } catch (err) {
        if (err instanceof InstanceFailure)
          failures.push({ path: p.path, message: err.message, kind: err.kind });
        else throw err;
      }
    }
  }
  if (failures.length > 0) throw failureError(failures);
  return prepared.map((p) => p.text ?? (p.row as Float32Array));
}

/**
 * The request's pixel budget, from each image's header (no pixel decoded). Skipped where the
 * budget cannot be exceeded: each decode stops at MAX_INPUT_PIXELS by itself, so a request of
 * one image (the usual case under load) saves a pass through sharp and libuv's pool.
 */
async function checkPixelBudget(
  images: Array<Prepared & { bytes: Buffer }>,
  field: string,
  limits: InstanceLimits,
  failures: Failure[],
): Promise<void> {
  if (images.length * MAX_INPUT_PIXELS <= limits.maxRequestPixels) return;
  const pixels = await Promise.all(
    images.map(async (p) => {
      try {
        return await imagePixels(p.bytes);
      } catch (err) {
        const label = p.filename ? `'${p.filename}' ` : '';
        failures.push({ path: p.path, message: `${label}${(err as Error).message}`, kind: 'undecodable' });
        return 0;
      }
    }),
  );
  if (failures.length > 0) throw failureError(failures);
  const total = pixels.reduce((a, b) => a + b, 0);
  if (total > limits.maxRequestPixels) {
    throw new PayloadTooLargeError(
      `the request's images hold ${total.toLocaleString('en')} pixels in all; at most ` +
        `${limits.maxRequestPixels.toLocaleString('en')} are decoded per request (PREDICT_MAX_REQUEST_PIXELS): ` +
        'send smaller images or fewer per request',
      { errors: [{ path: field, message: `at most ${limits.maxRequestPixels} pixels in all` }] },
    );
  }
}

interface Prepared {
  path: string;
  filename?: string;
  /** Encoded image bytes still to decode. */
  bytes?: Buffer | undefined;
  row?: Float32Array | undefined;
  text?: string;
}

/** One instance ready for a batch: a preprocessed row, or a text the worker preprocesses. */
export type InstanceRow = Float32Array | string;

/** Width x height x frames, from the image's header alone (no pixel is decoded). */
async function imagePixels(data: Buffer): Promise<number> {
  let meta: sharp.Metadata;
  try {
    meta = await sharp(data, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  } catch (err) {
    throw new Error(`not a readable image: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!meta.width || !meta.height) throw new Error('not a readable image: no dimensions in its header');
  return meta.width * meta.height;
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

/** A preprocessed numeric instance (its row), or the bytes of a base64 image (to decode). */
function imageInstance(
  inst: unknown,
  spec: ImagePreprocessing,
  size: number,
  limits: InstanceLimits,
): Float32Array | Buffer {
  if (Array.isArray(inst)) return tensorInstance(inst, size, spec);
  if (typeof inst === 'object' && inst !== null && 'b64' in inst) {
    const b64 = (inst as { b64: unknown }).b64;
    if (typeof b64 !== 'string') throw new InstanceFailure('invalid', '"b64" must be a base64 string');
    return checkImageBytes(decodeBase64(b64, limits.maxImageBytes), true, limits);
  }
  throw new InstanceFailure(
    'invalid',
    'expected { "b64": "<base64 image>" } or a numeric array of the preprocessed input ' +
      `(${spec.size[0]}x${spec.size[1]}x${spec.channels})`,
  );
}

function checkImageBytes(
  data: Buffer,
  takesImages: boolean,
  limits: InstanceLimits,
  filename?: string,
): Buffer {
  const label = filename ? `'${filename}' ` : '';
  if (!takesImages) throw new InstanceFailure('invalid', 'this model does not take images');
  if (data.length === 0) throw new InstanceFailure('invalid', `${label}is empty`);
  if (data.length > limits.maxImageBytes) {
    throw new InstanceFailure(
      'too-large',
      `${label}is ${data.length} bytes; images may be at most ${limits.maxImageBytes} bytes (PREDICT_MAX_IMAGE_BYTES)`,
    );
  }
  return data;
}

async function decodeImage(data: Buffer, spec: ImagePreprocessing, filename?: string): Promise<Float32Array> {
  const label = filename ? `'${filename}' ` : '';
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

/** Longest text accepted per instance; encoders read far less (USE lite: 128 tokens). */
export const MAX_TEXT_CHARS = 100_000;

/**
 * A text instance: `{ "text": "..." }` or a plain string. It stays a string here: tokenizing and
 * encoding run in the inference worker, off the event loop.
 */
function textInstance(inst: unknown): string {
  const text =
    typeof inst === 'string'
      ? inst
      : typeof inst === 'object' && inst !== null && !Array.isArray(inst) && 'text' in inst
        ? (inst as { text: unknown }).text
        : undefined;
  if (typeof text !== 'string') {
    throw new InstanceFailure('invalid', 'this text model takes { "text": "..." } or a string per instance');
  }
  if (text.length > MAX_TEXT_CHARS) {
    throw new InstanceFailure(
      'too-large',
      `the text has ${text.length} characters; at most ${MAX_TEXT_CHARS} are accepted`,
    );
  }
  return text;
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
