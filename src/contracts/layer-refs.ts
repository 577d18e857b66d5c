import type { InputSpec, LayerRef } from './job-spec.js';
import type { Dims, LayerDescription } from './model-topology.js';
import type { ImagePreprocessing } from './preprocessing.js';

/**
 * Resolving a job spec's layer references and input against a base model's layers: the spec
 * checks (src/jobs/spec-check.ts), the advisor and audit services and the trainer read them the
 * same way. No TF.js: the API answers a bad reference without loading it.
 */

const stripBatch = (shape: Dims): Dims => shape.slice(1);

/** Index of a layer reference in `layers`, or an error message. */
export function findLayer(layers: readonly { name: string }[], ref: LayerRef): number | string {
  if (typeof ref === 'number') {
    if (ref < layers.length) return ref;
    return `layer index ${ref} is out of range: the base has ${layers.length} layers (0..${layers.length - 1})`;
  }
  const i = layers.findIndex((l) => l.name === ref);
  if (i >= 0) return i;
  const near = layers
    .map((l) => l.name)
    .filter((n) => n.toLowerCase().includes(ref.toLowerCase()))
    .slice(0, 5);
  return (
    `no layer named '${ref}' in the base (${layers.length} layers; see GET /v1/base-models/{id}/layers)` +
    (near.length ? `; similar: ${near.join(', ')}` : '')
  );
}

/** The layer kept by default: the one feeding the base's output layer. */
export function defaultCutIndex(layers: readonly LayerDescription[]): number {
  const last = layers[layers.length - 1];
  const feeding = last?.inbound?.[0];
  if (feeding !== undefined) {
    const i = layers.findIndex((l) => l.name === feeding);
    if (i >= 0) return i;
  }
  return layers.length - 2;
}

/**
 * The preprocessing the dataset loader should apply: the spec's fields, else the base model's
 * input size/channels, else the dataset's own example shape, else the shared defaults.
 */
export function resolveImageInput(
  input: InputSpec | undefined,
  baseInputShape: Dims | undefined,
  datasetShape: readonly number[] | undefined,
): ImagePreprocessing {
  const b = baseInputShape ? stripBatch(baseInputShape) : [];
  const pick = (i: number): number | undefined => b[i] ?? datasetShape?.[i] ?? undefined;
  const h = input?.size?.[0] ?? pick(0);
  const w = input?.size?.[1] ?? pick(1);
  const c = input?.channels ?? pick(2);
  return {
    size: [h ?? 224, w ?? 224],
    channels: c === 1 ? 1 : 3,
    scale: input?.scale ?? [0, 1],
    resize: input?.resize ?? 'stretch',
  };
}
