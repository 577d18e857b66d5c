import { UnprocessableError } from '../lib/errors.js';
import type { ModelJson } from '../ml/index.js';

/**
 * Checks a model.json before any weight byte is fetched or stored: that it is a LayersModel (a
 * graph model cannot be cut and fine-tuned), that every shard path is a plain relative path
 * (it becomes a file path under DATA_DIR and, for URL registrations, a URL resolved against
 * the model's own: no `..`, no absolute paths, no schemes), and how many bytes each weight
 * group must hold, so a truncated or padded shard is caught by size before TF.js sees it.
 */

export interface WeightGroup {
  paths: string[];
  /** Bytes the group's weights need; null when a string tensor makes the size data-dependent. */
  expectedBytes: number | null;
}

export interface ParsedModelJson {
  json: ModelJson;
  /** A TF.js GraphModel: accepted only as a sentence encoder (with its vocabulary). */
  graph: boolean;
  groups: WeightGroup[];
  /** Every shard path in manifest order. */
  shardPaths: string[];
  /** Distinct quantization dtypes of the stored weights (empty: not quantized). */
  quantization: string[];
}

/** File names the service keeps beside the model's own files. */
export const RESERVED_FILES = ['model.json', 'meta.json', 'layers.json'];

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANT_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

function problem(message: string, path = 'model.json'): UnprocessableError {
  return new UnprocessableError(message, { errors: [{ path, message }] });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Why a shard path is unsafe, or null when it is a plain relative path. */
export function unsafeShardPath(p: unknown): string | null {
  if (typeof p !== 'string' || p.length === 0) return 'is empty or not a string';
  if (p.length > 255) return 'is longer than 255 characters';
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p) || p.startsWith('\\')) return 'is an absolute path';
  if (p.includes('\\')) return 'contains a backslash';
  const segments = p.split('/');
  if (segments.includes('..')) return "contains '..'";
  if (p.includes(':')) return 'contains a scheme or drive (":")';
  if (!segments.every((s) => SEGMENT.test(s))) {
    return 'must be a relative path of letters, digits, ".", "_" and "-"';
  }
  if (RESERVED_FILES.includes(p.toLowerCase()))
    return 'collides with a file the service keeps beside the model';
  return null;
}

function isGraphModel(json: Record<string, unknown>): boolean {
  const topology = json['modelTopology'];
  return (
    json['format'] === 'graph-model' ||
    (isRecord(topology) && (Array.isArray(topology['node']) || isRecord(topology['versions'])))
  );
}

function kerasClassName(topology: Record<string, unknown>): unknown {
  const inner = topology['model_config'];
  return isRecord(inner) ? inner['class_name'] : topology['class_name'];
}

function groupBytes(weights: unknown[], groupIndex: number): number | null {
  let total = 0;
  for (const [i, w] of weights.entries()) {
    const where = `weightsManifest[${groupIndex}].weights[${i}]`;
    if (!isRecord(w) || typeof w['name'] !== 'string' || !Array.isArray(w['shape'])) {
      throw problem(`${where} must have a name and a shape`);
    }
    const shape = w['shape'] as unknown[];
    if (!shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
      throw problem(`${where} ('${w['name']}') has an invalid shape`);
    }
    const dtype = typeof w['dtype'] === 'string' ? w['dtype'] : 'float32';
    if (dtype === 'string') return null;
    const quant = w['quantization'];
    let per: number | undefined;
    if (isRecord(quant)) {
      per = QUANT_BYTES[String(quant['dtype'])];
      if (per === undefined)
        throw problem(`${where} has unsupported quantization '${String(quant['dtype'])}'`);
    } else {
      per = DTYPE_BYTES[dtype];
      if (per === undefined) throw problem(`${where} has unsupported dtype '${dtype}'`);
    }
    total += per * (shape as number[]).reduce((a, b) => a * b, 1);
  }
  return total;
}

/** `allowGraph`: a graph model passes (the caller registers it as a sentence encoder). */
export function parseModelJson(bytes: Buffer | string, opts: { allowGraph?: boolean } = {}): ParsedModelJson {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch (err) {
    throw problem(`model.json is not valid JSON: ${(err as Error).message}`);
  }
  if (!isRecord(raw) || !isRecord(raw['modelTopology'])) {
    throw problem('model.json has no modelTopology object: it is not a TF.js model');
  }
  const graph = isGraphModel(raw);
  if (graph && !opts.allowGraph) {
    throw problem(
      "model.json is a TF.js graph model (format 'graph-model'); only layers models can be fine-tuned. " +
        'Convert the Keras model with tensorflowjs_converter --input_format keras ' +
        '(or --output_format tfjs_layers_model) and register that instead.',
    );
  }
  if (!graph) {
    if (raw['format'] !== undefined && raw['format'] !== 'layers-model') {
      throw problem(`model.json has format '${String(raw['format'])}'; only 'layers-model' is supported`);
    }
    const className = kerasClassName(raw['modelTopology']);
    if (className !== 'Sequential' && className !== 'Model' && className !== 'Functional') {
      throw problem(
        'model.json modelTopology is not a Keras model (expected class_name Sequential, Model or Functional)',
      );
    }
  }
  const manifest = raw['weightsManifest'];
  if (!Array.isArray(manifest)) throw problem('model.json has no weightsManifest array');

  const groups: WeightGroup[] = [];
  const shardPaths: string[] = [];
  const quantization = new Set<string>();
  for (const [g, group] of manifest.entries()) {
    if (!isRecord(group) || !Array.isArray(group['paths']) || !Array.isArray(group['weights'])) {
      throw problem(`weightsManifest[${g}] must have 'paths' and 'weights' arrays`);
    }
    const paths = group['paths'] as unknown[];
    for (const p of paths) {
      const why = unsafeShardPath(p);
      if (why) throw problem(`weight shard path '${String(p)}' ${why}`, `model.json weightsManifest[${g}]`);
      if (shardPaths.includes(p as string)) throw problem(`weight shard path '${String(p)}' is listed twice`);
      shardPaths.push(p as string);
    }
    const weights = group['weights'] as unknown[];
    if (paths.length === 0 && weights.length > 0)
      throw problem(`weightsManifest[${g}] has weights but no paths`);
    for (const w of weights) {
      if (isRecord(w) && isRecord(w['quantization'])) quantization.add(String(w['quantization']['dtype']));
    }
    groups.push({ paths: paths as string[], expectedBytes: groupBytes(weights, g) });
  }
  return { json: raw as unknown as ModelJson, graph, groups, shardPaths, quantization: [...quantization] };
}

/** Throws naming the group when its shards do not add up to what its weights need. */
export function checkGroupSizes(parsed: ParsedModelJson, sizeOf: (shardPath: string) => number): void {
  for (const [g, group] of parsed.groups.entries()) {
    if (group.expectedBytes === null) continue;
    const actual = group.paths.reduce((n, p) => n + sizeOf(p), 0);
    if (actual !== group.expectedBytes) {
      throw problem(
        `weight group ${g} (${group.paths.join(', ')}) holds ${actual} bytes but its manifest entries need ` +
          `${group.expectedBytes}: a shard is truncated, padded or from another model`,
        `model.json weightsManifest[${g}]`,
      );
    }
  }
}
