import { z } from 'zod';
import type { Interval } from './evaluation.js';
import { ID_PATTERN } from './id-pattern.js';
import { layerRefSchema } from './job-spec.js';

/**
 * Dataset audits (POST /v1/datasets/{id}/audits) and dataset versions
 * (POST /v1/datasets/{id}/versions): shared by the API (request checks) and the worker (the
 * audit job).
 */

const id = z.string().regex(ID_PATTERN, `must be an id like bm_0123456789abcdef (${ID_PATTERN.source})`);

export const auditRequestSchema = z.strictObject({
  /**
   * The base whose frozen features the audit reads. Default: the first offline catalog base
   * that fits the modality (a sentence encoder for texts); tabular datasets use their own
   * standardised columns and take no base.
   */
  base: z
    .union([z.strictObject({ baseModelId: id }), z.strictObject({ modelId: id })], {
      error: 'base must be { "baseModelId": "bm_..." } or { "modelId": "m_..." }',
    })
    .optional(),
  /** The base's layer whose (pooled) output the audit reads; default: the base's recommended cut. */
  cutAt: layerRefSchema.optional(),
  /**
   * Similarity at or above which two examples are called near-duplicates: for images the
   * normalised cross-correlation of their blurred 32x32 greyscale thumbnails, for texts the
   * Jaccard similarity of their sets of word pairs, for tables the cosine of their standardised
   * rows (mean-centred). Default: NEAR_DUPLICATE_THRESHOLDS.
   */
  nearDuplicateThreshold: z.number().min(0.5).max(1).optional(),
  seed: z.number().int().min(0).max(2_147_483_647).default(1),
});
export type AuditRequest = z.infer<typeof auditRequestSchema>;

/** The default near-duplicate thresholds per modality (measured: see BENCHMARKS.md). */
export const NEAR_DUPLICATE_THRESHOLDS = { image: 0.99, text: 0.9, tabular: 0.999 } as const;

/** Examples an audit reads at most: its similarity search compares every pair. */
export const AUDIT_MAX_EXAMPLES = 5000;

export type FindingKind = 'label' | 'duplicate' | 'leak' | 'outlier';

export interface AuditFinding {
  kind: FindingKind;
  /** The example: an image's id, a text's source (`line <n>` or its path), or `row-<n>` of a table. */
  exampleId: string;
  label: string;
  split: 'train' | 'validation' | 'test';
  /** Higher is more certain; comparable within a kind only. */
  score: number;
  /** What was found, in words. */
  reason: string;
  /** What to do about it. */
  action: 'relabel' | 'exclude' | 'review';
  /** `label`: the class the out-of-fold probe is confident in. */
  suggestedLabel?: string;
  /** `duplicate` and `leak`: the other example of the pair. */
  pair?: { exampleId: string; label: string; split: 'train' | 'validation' | 'test'; similarity: number };
  /** `duplicate` and `leak`: byte-identical content (else a near-duplicate by embedding). */
  exact?: boolean;
  /** `duplicate` and `leak`: the two carry different labels. */
  conflict?: boolean;
}

export interface ClassAudit {
  name: string;
  examples: number;
  /** Out-of-fold recall of the probe on this class, with its 95% Wilson interval. */
  recall: number;
  recallInterval: Interval;
  /** True when the class is hard to tell apart from the others at these features. */
  inseparable: boolean;
}

export interface DatasetFinding {
  kind: 'imbalance' | 'inseparable' | 'too-small' | 'too-large' | 'few-examples';
  message: string;
  /** Classes or example ids concerned (capped). */
  items: string[];
}

export interface AuditSummary {
  examples: number;
  /** Findings per kind; `conflict` counts duplicate and leak pairs with different labels. */
  counts: Record<FindingKind | 'conflict', number>;
  /** Distinct examples named by any finding. */
  flaggedExamples: number;
  /** Out-of-fold accuracy of the probe on every example, with its interval. */
  accuracy: { value: number; interval: Interval; examples: number };
  /**
   * Out-of-fold accuracy of the same probe trained and scored without the flagged examples:
   * what the accuracy would be on the data if those were fixed (an estimate; null when
   * nothing is flagged or too little is left).
   */
  accuracyWithoutFlagged: { value: number; interval: Interval; examples: number } | null;
}

export interface AuditResult {
  datasetId: string;
  modality: 'image' | 'text' | 'tabular';
  /** Where the features came from. */
  features: { base: { baseModelId: string } | { modelId: string } | null; cutAt: string | null; dim: number };
  folds: number;
  repeats: number;
  nearDuplicateThreshold: number;
  /** kNN distance from which an example is called an outlier (robust z-score of 3.5). */
  outlierThreshold: number;
  summary: AuditSummary;
  classes: ClassAudit[];
  dataset: DatasetFinding[];
  findings: AuditFinding[];
  warnings: string[];
  durationMs: number;
}

export const auditProgressSchema = z.object({
  phase: z.enum(['loading', 'features', 'probing', 'neighbours', 'scoring']),
  examplesDone: z.number().optional(),
  examples: z.number().optional(),
});
export type AuditProgress = z.infer<typeof auditProgressSchema>;

/** A new dataset made from an existing one: examples left out or given another label. */
export const versionRequestSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    exclude: z.array(z.string().min(1).max(1000)).max(100_000).default([]),
    relabel: z
      .array(
        z.strictObject({
          exampleId: z.string().min(1).max(1000),
          label: z.string().trim().min(1).max(200),
        }),
      )
      .max(100_000)
      .default([]),
    /** The audit these changes come from, recorded with them. */
    auditId: id.optional(),
  })
  .refine((v) => v.exclude.length + v.relabel.length > 0, {
    message: 'name at least one example to exclude or relabel',
    path: ['exclude'],
  });
export type VersionRequest = z.infer<typeof versionRequestSchema>;

/** What a version records of its making, in its manifest. */
export interface DatasetParent {
  datasetId: string;
  excluded: string[];
  relabelled: Array<{ exampleId: string; from: string; to: string }>;
  auditId?: string;
  /**
   * Examples added from a model's review queue (POST /v1/models/{id}/retrain): the captured
   * input's id, the label a person gave it, the model that was sent it, and when.
   */
  added?: Array<{
    exampleId: string;
    label: string;
    modelId: string;
    capturedAt: string;
    reviewedAt: string;
  }>;
}
