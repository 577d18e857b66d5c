import { z } from 'zod';
import type { EpochLog } from './model-meta.js';

export type TrainPhase = 'train' | 'fineTune' | 'caching' | 'evaluating';

/**
 * What the trainer reports through `onProgress`: after every batch of every pass, and once more
 * at the end of each training epoch with `epochEnd` set. Cheap to produce; a caller that
 * forwards it over the network should throttle (e.g. every batch of the last epoch only).
 */
export interface TrainProgress {
  phase: TrainPhase;
  /** 1-based epoch within the phase; 0 for the caching and evaluating passes. */
  epoch: number;
  epochs: number;
  /** Batches done in this epoch (or pass) and how many it has. */
  batch: number;
  batches: number;
  /** Running means over the epoch so far (train phases only). */
  loss?: number;
  /** `acc` (classification) or `mae` (regression), running; `val_*` too at epoch end. */
  metrics: Record<string, number>;
  learningRate?: number;
  examplesPerSec?: number;
  /** Estimated time to finish this phase at the current speed, ignoring early stopping. */
  etaMs?: number;
  /** Set on the report that closes a training epoch. */
  epochEnd?: EpochLog;
  /** Set while a cross-validated job trains anything but a single fit (see EvaluationStage). */
  evaluation?: EvaluationStage;
}

/**
 * Where a cross-validated job is: fold `fold` of `folds` (1-based), the learning curve's fold at
 * `fraction` of the examples, or the refit of the returned model on every example.
 */
export interface EvaluationStage {
  stage: 'fold' | 'learning-curve' | 'refit';
  /** 1-based; absent for the refit. */
  fold?: number;
  folds: number;
  /** Learning curve: the share of each class's examples this run trains on. */
  fraction?: number;
}

export type ProgressFn = (progress: TrainProgress) => void;

const evaluationStageSchema = z.object({
  stage: z.enum(['fold', 'learning-curve', 'refit']),
  fold: z.number().optional(),
  folds: z.number(),
  fraction: z.number().optional(),
});

/** One closed training epoch as a job's `history` lists it (EpochLog; metric names vary with the task). */
export const epochLogSchema = z.looseObject({
  phase: z.enum(['train', 'fineTune']),
  epoch: z.number(),
  loss: z.number(),
  lr: z.number(),
});

/**
 * A training job's latest report as its view shows it (the epoch history is beside it): the
 * phase (`train`, `fineTune`, `caching`, `evaluating`, `saving`, or `done` once completed), where
 * in it, running metrics, speed and an estimate of the time left.
 */
export const trainJobProgressSchema = z.object({
  phase: z.string(),
  epoch: z.number().optional(),
  epochs: z.number().optional(),
  batch: z.number().optional(),
  batches: z.number().optional(),
  loss: z.number().optional(),
  metrics: z.record(z.string(), z.number()).optional(),
  learningRate: z.number().optional(),
  examplesPerSec: z.number().optional(),
  throughput: z.record(z.string(), z.number()).optional(),
  etaSeconds: z.number().optional(),
  evaluation: evaluationStageSchema.optional(),
});
