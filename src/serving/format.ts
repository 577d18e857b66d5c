import type { ModelMeta } from '../contracts/model-meta.js';
import { calibrate } from '../evaluation/calibration.js';
import { thresholdFromQuantiles } from '../evaluation/novelty.js';
import { ValidationError } from '../lib/errors.js';

export interface Scored {
  label: string;
  score: number;
}

export type Prediction =
  (Scored & { topK: Scored[]; novelty?: number; unknown: boolean }) | { value: number | number[] };

/** How a model's raw outputs become the scores and the "unknown" answer a client reads. */
export interface ScoreRules {
  /** Temperature of the calibrated scores (1: as the softmax gives them). */
  temperature: number;
  /** Whether each output row ends with the novelty (the model has a novelty rule). */
  novelty: boolean;
  /** Novelty above this is unknown; Infinity: never unknown. */
  threshold: number;
}

/** A request's own "unknown" rule: a novelty threshold, or a share of known examples to accept. */
export interface UnknownOverride {
  threshold?: number;
  acceptRate?: number;
}

/** The model's own rules: its calibration and its "unknown" threshold (none for older models). */
export function modelRules(meta: ModelMeta): ScoreRules {
  const ev = meta.evaluation?.task === 'classification' ? meta.evaluation : undefined;
  const rule = meta.task === 'classification' ? ev?.unknown : undefined;
  return {
    temperature: ev?.calibration?.temperature ?? 1,
    novelty: !!rule,
    threshold: !rule || rule.acceptRate >= 1 ? Infinity : rule.threshold,
  };
}

/** One output row -> the client's view: best label, score and top-k, or a regression value. */
export function formatRow(meta: ModelMeta, row: Float32Array, topK: number, rules: ScoreRules): Prediction {
  if (meta.task === 'regression') return { value: row.length === 1 ? row[0]! : Array.from(row) };
  const novelty = rules.novelty ? row[row.length - 1] : undefined;
  const raw = rules.novelty ? row.subarray(0, row.length - 1) : row;
  // A single sigmoid unit is P(second class) of a binary classifier.
  const probabilities =
    raw.length === 1 && meta.labels.length === 2 ? [1 - raw[0]!, raw[0]!] : Array.from(raw);
  const scores = calibrate(probabilities, rules.temperature);
  const ranked = scores
    .map((score, i) => ({ label: meta.labels[i] ?? String(i), score }))
    .sort((a, b) => b.score - a.score);
  const best = ranked[0] ?? { label: '', score: 0 };
  return {
    label: best.label,
    score: best.score,
    topK: ranked.slice(0, Math.max(1, topK)),
    ...(novelty === undefined ? {} : { novelty }),
    unknown: novelty !== undefined && novelty > rules.threshold,
  };
}

/**
 * The model's score rules with a request's override of its "unknown" threshold. Overrides are
 * refused for a model without a novelty rule (it cannot honour them), and together.
 */
export function requestRules(meta: ModelMeta, unknown: UnknownOverride | undefined): ScoreRules {
  const rules = modelRules(meta);
  const { threshold, acceptRate } = unknown ?? {};
  if (threshold === undefined && acceptRate === undefined) return rules;
  const field = threshold !== undefined ? 'unknownThreshold' : 'acceptRate';
  if (threshold !== undefined && acceptRate !== undefined) {
    throw new ValidationError('give unknownThreshold or acceptRate, not both', {
      errors: [{ path: 'acceptRate', message: 'not with unknownThreshold' }],
    });
  }
  const rule = meta.evaluation?.task === 'classification' ? meta.evaluation.unknown : undefined;
  if (!rule) {
    throw new ValidationError(`model '${meta.id}' has no novelty score to set an "unknown" threshold on`, {
      errors: [
        {
          path: field,
          message:
            'the model was trained without a novelty reference (a regression model, or trained before them)',
        },
      ],
    });
  }
  if (threshold !== undefined) return { ...rules, threshold };
  const rate = acceptRate as number;
  return { ...rules, threshold: rate >= 1 ? Infinity : thresholdFromQuantiles(rule.quantiles, rate) };
}
