import type {
  Calibration,
  ClassificationIntervals,
  EvaluationEstimate,
  PerClassIntervals,
  RegressionIntervals,
  UnknownRule,
} from './evaluation.js';
import type { Preprocessing } from './preprocessing.js';
import type { Task } from './task.js';

/** `models/<id>/meta.json`: everything needed to serve, explain and reproduce a trained model. */

export interface EpochLog {
  phase: 'train' | 'fineTune';
  epoch: number;
  loss: number;
  acc?: number;
  valLoss?: number;
  valAcc?: number;
  lr: number;
  examplesPerSec?: number;
  [metric: string]: number | string | undefined;
}

/**
 * The intervals, method and warnings (src/contracts/evaluation.ts) are optional so that models
 * saved before honest evaluation still read; every model trained since carries them.
 */
export interface ClassificationEvaluation extends Partial<EvaluationEstimate & ClassificationIntervals> {
  task: 'classification';
  loss: number;
  accuracy: number;
  /** confusionMatrix[actual][predicted] */
  confusionMatrix: number[][];
  perClass: Array<
    {
      label: string;
      precision: number;
      recall: number;
      f1: number;
      support: number;
    } & Partial<PerClassIntervals>
  >;
  examples: number;
  /** Absent on models trained before calibration: their scores are served as the softmax gives them. */
  calibration?: Calibration;
  /** Absent on models trained before novelty scores: their predictions are never unknown. */
  unknown?: UnknownRule;
}

export interface RegressionEvaluation extends Partial<EvaluationEstimate & RegressionIntervals> {
  task: 'regression';
  loss: number;
  mae: number;
  rmse: number;
  examples: number;
}

export type Evaluation = ClassificationEvaluation | RegressionEvaluation;

export interface ModelMeta {
  id: string;
  /** Optional name shared by versions (TF Serving style); version counts from 1. */
  name?: string;
  version?: number;
  createdAt: string;
  task: Task;
  /** Class names in output order (empty for regression). */
  labels: string[];
  /** Input shape of one example, without the batch dimension. */
  inputShape: number[];
  preprocessing: Preprocessing;
  evaluation?: Evaluation;
  history: EpochLog[];
  lineage: {
    jobId?: string;
    datasetId?: string;
    /** The trained dataset is a version of this one (its manifest lists the changes). */
    datasetParentId?: string | null;
    base?: { baseModelId: string } | { modelId: string } | null;
    spec?: unknown;
  };
  backend?: string;
  durationMs?: number;
  params: { total: number; trainable: number };
  sizeBytes?: number;
}
