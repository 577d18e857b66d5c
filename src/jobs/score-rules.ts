import type { Calibration, OutOfFoldFile, UnknownRule } from '../contracts/evaluation.js';
import {
  MAX_REFERENCES,
  calibrationReport,
  knnDistances,
  neighboursFor,
  normalizeRows,
  noveltyQuantiles,
  stratifiedCap,
  thresholdAt,
  wilsonInterval,
} from '../evaluation/index.js';
import type { ExampleOutputs } from '../ml/index.js';

/**
 * What makes a classifier's predictions actionable, fitted on its out-of-fold predictions after
 * training: the temperature its scores are served at, and the "unknown" rule (a novelty
 * reference and the threshold that accepts `acceptRate` of the known examples). The statistics
 * are src/evaluation/'s; the features come from the trainer (src/ml/evaluate.ts).
 */

/** Beside a model that has a novelty rule: its reference features (float32, row-major). */
export const NOVELTY_BIN = 'novelty.bin';
/** The layer the features are read at, as stored in the rule. */
const FEATURE_LAYER = 'output-input';

/** A capped, class-stratified sample of training features, each row scaled to unit length. */
export interface Reference {
  values: Float32Array;
  dims: number;
  count: number;
}

export function referenceSample(train: ExampleOutputs, seed: number): Reference | undefined {
  const f = train.features;
  if (!f || f.dims === 0 || train.labels.length === 0) return undefined;
  const rows = stratifiedCap(train.labels, MAX_REFERENCES, seed);
  const picked = new Float32Array(rows.length * f.dims);
  rows.forEach((r, i) => picked.set(f.values.subarray(r * f.dims, (r + 1) * f.dims), i * f.dims));
  return { values: normalizeRows(picked, f.dims), dims: f.dims, count: rows.length };
}

/** Novelty of each example of `outputs` against `reference` (k-th neighbour distance). */
export function noveltyAgainst(
  outputs: ExampleOutputs,
  reference: Reference | undefined,
): number[] | undefined {
  const f = outputs.features;
  if (!f || !reference || f.dims !== reference.dims) return undefined;
  const k = neighboursFor(reference.count);
  return knnDistances(normalizeRows(f.values, f.dims), reference.values, f.dims, k).map(
    (d) => Math.round(d * 1e6) / 1e6,
  );
}

/** The calibration of the out-of-fold scores (undefined without any). */
export function calibrationOf(oof: OutOfFoldFile, seed: number): Calibration | undefined {
  const rows = oof.predictions.flatMap((p) =>
    p.probabilities && p.label !== undefined
      ? [{ probabilities: p.probabilities, label: p.label, fold: p.fold }]
      : [],
  );
  return rows.length > 0 ? calibrationReport(rows, { seed }) : undefined;
}

/**
 * The "unknown" rule: the threshold at `acceptRate` of the out-of-fold novelty, with the share
 * it actually accepts and its interval (ties at the threshold count as accepted).
 */
export function unknownRule(
  oof: OutOfFoldFile,
  reference: Reference | undefined,
  acceptRate: number,
): UnknownRule | undefined {
  const scores = oof.predictions.flatMap((p) => (p.novelty === undefined ? [] : [p.novelty]));
  if (!reference || scores.length === 0) return undefined;
  const threshold = Math.round(thresholdAt(scores, acceptRate) * 1e6) / 1e6;
  const accepted = scores.filter((s) => s <= threshold).length;
  return {
    method: 'knn',
    k: neighboursFor(reference.count),
    threshold,
    acceptRate,
    examples: scores.length,
    accepted: accepted / scores.length,
    acceptedInterval: wilsonInterval(accepted, scores.length),
    quantiles: noveltyQuantiles(scores),
    reference: { file: NOVELTY_BIN, count: reference.count, dims: reference.dims, layer: FEATURE_LAYER },
  };
}

/** The reference as the bytes stored beside the model (little-endian float32). */
export function referenceBytes(reference: Reference): Uint8Array {
  return new Uint8Array(reference.values.buffer, reference.values.byteOffset, reference.values.byteLength);
}
