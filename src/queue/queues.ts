import type { AdvisorCandidate, AdvisorResult } from '../contracts/advisor.js';
import type { AuditResult } from '../contracts/audit.js';
import type { LayerRef } from '../contracts/job-spec.js';
import type { JobSpec } from '../contracts/job-spec.js';
import type { EpochLog } from '../contracts/model-meta.js';
import type { EvaluationStage } from '../contracts/progress.js';

/**
 * Every queue and every job payload the service uses is declared here, so producer (API) and
 * consumer (worker, trainer process) can never disagree about names or shapes.
 */

export const TRAINING_QUEUE = 'training';

/**
 * The project a job belongs to (contracts/project.ts), set by the project's job service when it
 * queues the job; the trainer opens that project's store. Absent on jobs from before projects:
 * the default project.
 */
export interface InProject {
  project?: string;
}

/**
 * Deep-readiness probes run on a queue of their own, served by a worker of their own in every
 * worker process, so a probe never waits behind a training job: a busy worker is not an unready one.
 */
export const HEALTH_QUEUE = 'health';

/** Redis hash of cluster-wide trainer-process counters (`started`, `crashed`), for /metrics. */
export const trainerStatsKey = (prefix: string): string => `${prefix}:stats:trainer-processes`;

/** Deep readiness: one tiny training step in a trainer process, the path every job takes. */
export type ProbePayload = Record<string, never>;

export interface ProbeResult {
  pid: number;
  backend: string;
  gpu: boolean;
  loss: number;
  ms: number;
}

/** What the trainer needs; the referenced dataset and base are checked before enqueueing. */
export interface TrainPayload extends InProject {
  datasetId: string;
  base?: { baseModelId: string } | { modelId: string };
  /** The validated job spec. */
  spec: JobSpec;
}

export interface TrainJobResult {
  modelId: string;
}

/** What `job.progress` holds for a training job: the latest report plus the epoch history. */
export interface TrainJobProgress {
  phase: string;
  epoch?: number;
  epochs?: number;
  batch?: number;
  batches?: number;
  loss?: number;
  metrics?: Record<string, number>;
  learningRate?: number;
  examplesPerSec?: number;
  /**
   * Examples/s of each phase run so far (train, fineTune, caching, evaluating): the running rate
   * of a phase in progress, the rate of its last epoch or pass once it has one.
   */
  throughput?: Record<string, number>;
  etaSeconds?: number;
  /** Cross-validated jobs: which fold, learning-curve run or refit is training. */
  evaluation?: EvaluationStage;
  history: EpochLog[];
}

/**
 * The backbone advisor: probes every candidate (base, cut) on the dataset. Candidates are
 * resolved by the API (catalog bases registered, the dataset's modality checked) before queueing.
 */
export interface AdvisePayload extends InProject {
  datasetId: string;
  candidates: AdvisorCandidate[];
  cutsPerBase: number;
  maxExamples: number;
  seed: number;
}

/** Where a batch prediction's inputs are: its uploaded file (batch-inputs/<id>/) or a dataset. */
export type BatchInput =
  | {
      kind: 'upload';
      format: 'zip' | 'jsonl' | 'csv';
      /** The batch-inputs entry and its file. */
      inputId: string;
      file: string;
      /** The name the user uploaded it under. */
      filename: string;
      bytes: number;
    }
  | { kind: 'dataset'; datasetId: string };

/** A batch prediction: every input of `input` scored by one model, results published at the end. */
export interface BatchPayload extends InProject {
  batchId: string;
  /** The model's id, resolved from an id or name (and version) when the batch was created. */
  modelId: string;
  topK: number;
  input: BatchInput;
}

/** What `job.progress` holds for a batch prediction. */
export interface BatchProgress {
  phase: 'scoring' | 'publishing' | 'done';
  /** Inputs scored (or found unreadable) so far, of `total` when known. */
  processed: number;
  total?: number;
  errors: number;
  inputsPerSec?: number;
}

export interface BatchResult {
  batchId: string;
  total: number;
  succeeded: number;
  errors: number;
  /** Seconds from the first input read to the last line written, and inputs per second over them. */
  scoringSeconds: number;
  inputsPerSec: number;
  /** High-water mark of the resident memory of the process that scored them (its inference worker included). */
  peakRssBytes: number;
  /** Files of the results entry (batch-results/<batchId>/). */
  files: { jsonl: string; csv: string };
}

/** A dataset audit; the base (none for tables) is resolved by the API before queueing. */
export interface AuditPayload extends InProject {
  datasetId: string;
  base?: { baseModelId: string } | { modelId: string };
  cutAt?: LayerRef;
  nearDuplicateThreshold: number;
  seed: number;
}

export interface JobPayloads {
  probe: ProbePayload;
  train: TrainPayload;
  advise: AdvisePayload;
  batch: BatchPayload;
  audit: AuditPayload;
}

/** Resources a queued or running job holds: deleting them answers 409 meanwhile. */
export interface ResourceRef {
  datasetId?: string;
  baseModelId?: string;
  modelId?: string;
}

export interface JobResults {
  probe: ProbeResult;
  train: TrainJobResult;
  advise: AdvisorResult;
  batch: BatchResult;
  audit: AuditResult;
}

export type JobName = keyof JobPayloads;

/** Hash of cancelled job ids -> snapshot (so a job removed while queued still shows as cancelled). */
export function cancelledKey(prefix: string): string {
  return `${prefix}:${TRAINING_QUEUE}:cancelled`;
}

/** A cross-process cancel request is published here; every worker listens (see worker.ts). */
export function cancelChannel(prefix: string): string {
  return `${prefix}:${TRAINING_QUEUE}:cancel`;
}
