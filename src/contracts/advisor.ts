import { z } from 'zod';
import type { Interval } from './evaluation.js';
import { ID_PATTERN } from './id-pattern.js';
import { layerRefSchema, type JobSpecInput } from './job-spec.js';

/**
 * The backbone advisor (POST /v1/advisor): which base and which cut point suit a dataset, judged
 * by quick cross-validated probes on frozen features. Shared by the API (request check) and the
 * worker (the job that answers it).
 */

const id = z.string().regex(ID_PATTERN, `must be an id like ds_0123456789abcdef (${ID_PATTERN.source})`);

export const advisorCandidateSchema = z.strictObject({
  base: z.union([z.strictObject({ baseModelId: id }), z.strictObject({ modelId: id })], {
    error: 'base must be { "baseModelId": "bm_..." } or { "modelId": "m_..." }',
  }),
  /** Cut points to probe; default: the base's pooled features and the ends of its last blocks. */
  cuts: z.array(layerRefSchema).min(1).max(8, 'at most 8 cuts per base').optional(),
});
export type AdvisorCandidate = z.infer<typeof advisorCandidateSchema>;

export const advisorRequestSchema = z.strictObject({
  datasetId: id,
  /** Default: every registered base and every offline catalog base that fits the dataset's modality. */
  candidates: z.array(advisorCandidateSchema).min(1).max(16, 'at most 16 candidate bases').optional(),
  /** Cut points per base when a candidate names none. */
  cutsPerBase: z.number().int().min(1).max(8).default(3),
  /** Most examples probed (a stratified sample above it): bounds the forward passes. */
  maxExamples: z.number().int().min(4).max(5000).default(400),
  seed: z.number().int().min(0).max(2_147_483_647).default(1),
});
export type AdvisorRequest = z.infer<typeof advisorRequestSchema>;

/** A job spec without `datasetId`: POST it to /v1/jobs with the dataset's id added. */
export type CandidateSpec = Omit<JobSpecInput, 'datasetId'>;

export interface RankingEntry {
  rank: number;
  base: { baseModelId: string } | { modelId: string };
  baseName: string | null;
  cutAt: string;
  /**
   * Out-of-fold accuracy of a softmax probe on the frozen features at `cutAt`, over every repeat
   * of the k-fold (the same folds for every candidate).
   */
  accuracy: number;
  /** 95% Wilson interval of `accuracy` over `examples`. */
  accuracyInterval: Interval;
  /** Examples the estimates rest on. */
  examples: number;
  /** Standard deviation of one fold's accuracy: the spread of a fold, not the uncertainty of the mean. */
  accuracyStd: number;
  /** The pick's accuracy minus this one's, paired on the same folds; null for the pick itself. */
  differenceToPick: PairedComparison | null;
  /** LogME (You et al., ICML 2021): log evidence per example of a Bayesian linear model on the features. */
  logME: number;
  /** Leave-one-out accuracy of a 3-nearest-neighbour vote on the features (no training). */
  knnAccuracy: number;
  /** 95% Wilson interval of `knnAccuracy` over `examples`. */
  knnInterval: Interval;
  /** Accuracy of always answering the most frequent class. */
  chance: number;
  /** True when the interval of `accuracy` reaches down to `chance`. */
  atChance: boolean;
  /** Forward pass from the input to `cutAt`, per example, measured here. */
  msPerExample: number;
  featureDim: number;
  /** Parameters of the trained model: the kept base layers plus the output layer. */
  params: number;
  /** Size of that model's weights in float32. */
  modelBytes: number;
  /** Ready to train: add `datasetId` and POST to /v1/jobs. */
  spec: CandidateSpec;
}

/** A paired difference of accuracies (corrected resampled t-test on the shared folds). */
export interface PairedComparison {
  mean: number;
  low: number;
  high: number;
  level: number;
  pValue: number;
  /** True when the test cannot tell the two apart at `level`. */
  tied: boolean;
}

export interface Recommendation {
  /** The top entry of `ranking`; null when nothing beats chance. */
  pick: { base: RankingEntry['base']; cutAt: string } | null;
  /** Whether a fine-tune phase is worth trying on top of the frozen pick. */
  fineTune: boolean;
  /** The pick's spec, with a fine-tune phase when one is worth trying. */
  spec: CandidateSpec | null;
  reason: string;
  /** A markedly cheaper candidate worth taking if speed matters, and what it costs in accuracy. */
  alternative: { base: RankingEntry['base']; cutAt: string; reason: string } | null;
  /**
   * What the pick's own spec (frozen, before any fine-tune phase) reaches: its head trained by the
   * trainer on each fold of the first repeat and scored on the fold it did not see. Unlike the
   * probe's `accuracy`, which ranks, this estimates the job; null without a pick.
   */
  expected: ExpectedAccuracy | null;
}

export interface ExpectedAccuracy {
  /** Out-of-fold accuracy of the spec's own training. */
  accuracy: number;
  /** 95% Wilson interval over `examples`. */
  accuracyInterval: Interval;
  examples: number;
  folds: number;
}

export interface AdvisorResult {
  datasetId: string;
  examples: number;
  classes: string[];
  folds: number;
  /** Repeats of the k-fold (new shuffles), every candidate probed on the same ones. */
  repeats: number;
  ranking: RankingEntry[];
  recommendation: Recommendation;
  warnings: string[];
  durationMs: number;
}

/** What `job.progress` holds for an advisor job (the API's schema of it too). */
export const advisorProgressSchema = z.object({
  phase: z.enum(['loading', 'features', 'probing', 'ranking']),
  base: z.string().optional(),
  /** Bases done, of all. */
  basesDone: z.number().optional(),
  bases: z.number().optional(),
  examplesDone: z.number().optional(),
  examples: z.number().optional(),
});
export type AdvisorProgress = z.infer<typeof advisorProgressSchema>;
