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
