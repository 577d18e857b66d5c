/**
 * The service's typed client: `createClient({ baseUrl, apiKey })`. Its types are generated
 * from openapi.yaml (`npm run openapi:types`), so a change of the contract shows up here as a
 * type error. README "TypeScript client".
 */
export { createClient } from './client.js';
export type {
  AdvisorRequest,
  AdvisorRun,
  Audit,
  AuditRequest,
  BatchPrediction,
  BatchUpload,
  BaseModel,
  AliasList,
  Client,
  Comparison,
  ClientOptions,
  Dataset,
  DatasetUpload,
  Job,
  JobSpec,
  LayerListing,
  ModelMeta,
  ModelSummary,
  Page,
  PredictOptions,
  PredictRequest,
  PredictResponse,
  Promotion,
  PromotionRequest,
  Retrain,
  RetrainRequest,
  VersionRequest,
} from './client.js';
export type { FollowOptions } from './follow.js';
export { ProblemError, type Problem } from './problem.js';
export type { FileInput } from './uploads.js';
export type { components, paths } from './openapi-types.js';
