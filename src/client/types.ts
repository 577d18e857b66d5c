import type { components } from './openapi-types.js';
import type { FileInput } from './uploads.js';

/** The client's request and response types: the schemas of openapi.yaml, and the inputs of its helpers. */

type Schemas = components['schemas'];
export type Dataset = Schemas['Dataset'];
export type BaseModel = Schemas['BaseModel'];
export type Job = Schemas['Job'];
export type JobSpec = Schemas['JobSpec'];
export type ModelMeta = Schemas['ModelMeta'];
export type ModelSummary = Schemas['ModelSummary'];
export type PredictRequest = Schemas['PredictRequest'];
export type PredictResponse = Schemas['PredictResponse'];
/** The request as sent: the fields with defaults (seed, cutsPerBase, maxExamples) may be left out. */
export type AdvisorRequest = Pick<Schemas['AdvisorRequest'], 'datasetId'> &
  Partial<Omit<Schemas['AdvisorRequest'], 'datasetId'>>;
export type AdvisorRun = Schemas['AdvisorRun'];
export type LayerListing = Schemas['LayerListing'];
export type BatchPrediction = Schemas['BatchPrediction'];
export type Audit = Schemas['Audit'];
/** The request as sent: every field with a default may be left out. */
export type AuditRequest = Partial<Schemas['AuditRequest']>;
export type VersionRequest = Partial<Schemas['VersionRequest']>;
export type Comparison = Schemas['Comparison'];
export type Promotion = Schemas['Promotion'];
export type PromotionRequest = Partial<Schemas['PromotionRequest']>;
export type AliasList = Schemas['AliasList'];
export type Retrain = Schemas['Retrain'];
export type RetrainRequest = Partial<Schemas['RetrainRequest']>;

export interface BatchUpload {
  /** A zip of images (or .txt files), a JSONL of instances, or a CSV. */
  file: FileInput;
  /** A model id, or a name (newest version unless `version`). */
  modelId: string;
  version?: number;
  topK?: number;
}

export interface ClientOptions {
  /** The service's origin, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>` (the service's API_KEYS). */
  apiKey?: string;
  /** A fetch to use instead of the global one (tests, proxies). */
  fetch?: typeof fetch;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface DatasetUpload {
  file: FileInput;
  name?: string;
  labelColumn?: string;
  textColumn?: string;
  task?: 'classification' | 'regression';
}

export interface PredictOptions {
  version?: number;
  topK?: number;
  unknownThreshold?: number;
  acceptRate?: number;
}
