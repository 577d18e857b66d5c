import { z } from 'zod';
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
  /** Mean accuracy over the k folds of a softmax probe on the frozen features at `cutAt`. */
  accuracy: number;
  /** Standard deviation of the fold accuracies. */
  accuracyStd: number;
  /** Accuracy of always answering the most frequent class. */
  chance: number;
  /** True when the probe does not beat `chance` by more than its spread. */
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

export interface Recommendation {
  /** The top entry of `ranking`; null when nothing beats chance. */
  pick: { base: RankingEntry['base']; cutAt: string } | null;
  /** Whether a fine-tune phase is worth trying on top of the frozen pick. */
  fineTune: boolean;
  /** The pick's spec, with a fine-tune phase when one is worth trying. */
  spec: CandidateSpec | null;
  reason: string;
}

export interface AdvisorResult {
  datasetId: string;
  examples: number;
  classes: string[];
  folds: number;
  ranking: RankingEntry[];
  recommendation: Recommendation;
  warnings: string[];
  durationMs: number;
}

/** What `job.progress` holds for an advisor job. */
export interface AdvisorProgress {
  phase: 'loading' | 'features' | 'probing' | 'ranking';
  base?: string;
  /** Bases done, of all. */
  basesDone?: number;
  bases?: number;
  examplesDone?: number;
  examples?: number;
}
