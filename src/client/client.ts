import createFetchClient, { type Client as FetchClient } from 'openapi-fetch';
import type { components, paths } from './openapi-types.js';
import { bodyOf } from './events.js';
import { followEvents, type FollowOptions } from './follow.js';
import { problemFrom } from './problem.js';
import { formOf, type FileInput } from './uploads.js';

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

/** openapi-fetch's answer: the parsed body on success, the parsed error body otherwise. */
interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The success body, or the service's problem document thrown as a ProblemError. */
function unwrap<T>(answer: Answer<T>): T {
  if (answer.error !== undefined || !answer.response.ok) throw problemFrom(answer.response, answer.error);
  return answer.data as T;
}

/** openapi-fetch sends a FormData body as it is; its type is the schema's field object. */
const multipart = (form: FormData) => form as never;

/**
 * The typed client: every route of openapi.yaml through `api` (openapi-fetch, typed by path and
 * method), and helpers for what is not plain JSON (uploads, predicting files, following a job's
 * event stream). Failures throw ProblemError with the service's message.
 */
export function createClient(options: ClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  const fetchFn = options.fetch ?? globalThis.fetch;
  const api: FetchClient<paths> = createFetchClient<paths>({ baseUrl, headers, fetch: fetchFn });
  const byId = (id: string) => ({ params: { path: { id } } });
  const follow = <T extends { state: string }>(eventsPath: string, pollPath: string, o: FollowOptions<T>) =>
    followEvents<T>({ baseUrl, headers, fetch: fetchFn }, eventsPath, pollPath, o);

  const datasets = {
    upload: async (u: DatasetUpload): Promise<Dataset> => {
      const { file, ...fields } = u;
      const body = await formOf(fields, [['file', file]]);
      return unwrap(await api.POST('/v1/datasets', { body: multipart(body) }));
    },
    list: async (q: { limit?: number; offset?: number } = {}) =>
      unwrap(await api.GET('/v1/datasets', { params: { query: q } })) as Page<Dataset>,
    get: async (id: string) => unwrap(await api.GET('/v1/datasets/{id}', byId(id))) as Dataset,
    delete: async (id: string) => void unwrap(await api.DELETE('/v1/datasets/{id}', byId(id))),
  };

  const baseModels = {
    /** From the catalog by name (`nsfwjs-mobilenet-v2`, ...), or from a model.json URL. */
    register: async (from: { catalog: string; name?: string } | { url: string; name?: string }) =>
      unwrap(await api.POST('/v1/base-models', { body: from })) as BaseModel,
    /** model.json and its shards, or one zip of them. */
    upload: async (files: FileInput[], name?: string): Promise<BaseModel> => {
      const parts = files.map((f, i): [string, FileInput] => [partName(f, i), f]);
      const body = await formOf({ name }, parts);
      return unwrap(await api.POST('/v1/base-models', { body: multipart(body) })) as BaseModel;
    },
    list: async (q: { limit?: number; offset?: number } = {}) =>
      unwrap(await api.GET('/v1/base-models', { params: { query: q } })) as Page<BaseModel>,
    catalog: async () => unwrap(await api.GET('/v1/base-models/catalog')).items,
    get: async (id: string) => unwrap(await api.GET('/v1/base-models/{id}', byId(id))) as BaseModel,
    layers: async (id: string) => unwrap(await api.GET('/v1/base-models/{id}/layers', byId(id))),
    delete: async (id: string) => void unwrap(await api.DELETE('/v1/base-models/{id}', byId(id))),
  };

  const jobs = {
    create: async (spec: JobSpec) => unwrap(await api.POST('/v1/jobs', { body: spec })) as Job,
    list: async (q: { state?: Job['state']; limit?: number; offset?: number } = {}) =>
      unwrap(await api.GET('/v1/jobs', { params: { query: q } })) as Page<Job>,
    get: async (id: string) => unwrap(await api.GET('/v1/jobs/{id}', byId(id))) as Job,
    cancel: async (id: string) => unwrap(await api.POST('/v1/jobs/{id}/cancel', byId(id))) as Job,
    /** Follows the job's event stream until it ends (reconnecting if the stream drops); its final record. */
    follow: (id: string, o: FollowOptions<Job> = {}) =>
      follow<Job>(`/v1/jobs/${encodeURIComponent(id)}/events`, `/v1/jobs/${encodeURIComponent(id)}`, o),
  };

  const models = {
    list: async (q: { limit?: number; offset?: number; name?: string } = {}) =>
      unwrap(await api.GET('/v1/models', { params: { query: q } })) as Page<ModelSummary>,
    get: async (id: string, version?: number) =>
      unwrap(await api.GET('/v1/models/{id}', { params: { path: { id }, query: { version } } })) as ModelMeta,
    layers: async (id: string) => unwrap(await api.GET('/v1/models/{id}/layers', byId(id))),
    delete: async (id: string) => void unwrap(await api.DELETE('/v1/models/{id}', byId(id))),
    /** JSON instances: `{ b64 }` images, `{ text }` or strings, number arrays or named rows. */
    predict: async (id: string, body: PredictRequest, o: PredictOptions = {}) =>
      unwrap(
        await api.POST('/v1/models/{id}/predict', { params: { path: { id }, query: o }, body }),
      ) as PredictResponse,
    /** Image files, one instance each, in order. */
    predictFiles: async (id: string, files: FileInput[], o: PredictOptions = {}) => {
      const { version, ...fields } = o;
      const body = await formOf(
        fields,
        files.map((f): [string, FileInput] => ['file', f]),
      );
      const params = { path: { id }, query: version === undefined ? {} : { version } };
      return unwrap(
        await api.POST('/v1/models/{id}/predict', { params, body: multipart(body) }),
      ) as PredictResponse;
    },
    /** Points `alias` of `name` at `version`; `name@alias` then works wherever a model does. */
    setAlias: async (name: string, alias: string, version: number) =>
      unwrap(
        await api.PUT('/v1/models/{name}/aliases/{alias}', {
          params: { path: { name, alias } },
          body: { version },
        }),
      ),
    aliases: async (name: string) =>
      unwrap(await api.GET('/v1/models/{name}/aliases', { params: { path: { name } } })) as AliasList,
    /** Two classifiers on the same examples: b minus a, with a paired 95% interval. */
    compare: async (a: string, b: string) =>
      unwrap(await api.POST('/v1/models/compare', { body: { a, b } })) as Comparison,
    /** Moves `to` (production) to the candidate when the policy allows; `promoted` says if it did. */
    promote: async (name: string, req: PromotionRequest = {}) =>
      unwrap(
        await api.POST('/v1/models/{name}/promote', {
          params: { path: { name } },
          body: req as Schemas['PromotionRequest'],
        }),
      ) as Promotion,
    /**
     * The next version from the model's labelled review items: a new dataset version and a job
     * (warm-started from the model unless `coldStart`); follow `job.id` like any job.
     */
    retrain: async (id: string, req: RetrainRequest = {}) =>
      unwrap(
        await api.POST('/v1/models/{id}/retrain', {
          params: { path: { id } },
          body: req as Schemas['RetrainRequest'],
        }),
      ) as Retrain,
    /** The model as a zip of TF.js files. */
    download: async (id: string): Promise<Uint8Array> => {
      const res = await fetchFn(`${baseUrl}/v1/models/${encodeURIComponent(id)}/download`, { headers });
      if (!res.ok) throw problemFrom(res, await bodyOf(res));
      return new Uint8Array(await res.arrayBuffer());
    },
  };

  const advisor = {
    start: async (req: AdvisorRequest) =>
      unwrap(await api.POST('/v1/advisor', { body: req as Schemas['AdvisorRequest'] })) as AdvisorRun,
    get: async (id: string) => unwrap(await api.GET('/v1/advisor/{id}', byId(id))) as AdvisorRun,
    cancel: async (id: string) => unwrap(await api.POST('/v1/advisor/{id}/cancel', byId(id))) as AdvisorRun,
    follow: (id: string, o: FollowOptions<AdvisorRun> = {}) =>
      follow<AdvisorRun>(
        `/v1/advisor/${encodeURIComponent(id)}/events`,
        `/v1/advisor/${encodeURIComponent(id)}`,
        o,
      ),
  };

  const batchPredictions = {
    /** Scores an uploaded file as one job. */
    upload: async (u: BatchUpload): Promise<BatchPrediction> => {
      const { file, ...fields } = u;
      const body = await formOf(fields, [['file', file]]);
      return unwrap(await api.POST('/v1/batch-predictions', { body: multipart(body) })) as BatchPrediction;
    },
    /** Scores every example of a stored dataset as one job. */
    ofDataset: async (modelId: string, datasetId: string, topK?: number) =>
      unwrap(
        await api.POST('/v1/batch-predictions', {
          body: { modelId, input: { datasetId }, ...(topK === undefined ? {} : { topK }) } as never,
        }),
      ) as BatchPrediction,
    get: async (id: string) =>
      unwrap(await api.GET('/v1/batch-predictions/{id}', byId(id))) as BatchPrediction,
    cancel: async (id: string) =>
      unwrap(await api.POST('/v1/batch-predictions/{id}/cancel', byId(id))) as BatchPrediction,
    follow: (id: string, o: FollowOptions<BatchPrediction> = {}) =>
      follow<BatchPrediction>(
        `/v1/batch-predictions/${encodeURIComponent(id)}/events`,
        `/v1/batch-predictions/${encodeURIComponent(id)}`,
        o,
      ),
    /** The results file, one line per input (JSONL) or one row per input (CSV). */
    results: async (id: string, format: 'jsonl' | 'csv' = 'jsonl'): Promise<Uint8Array> => {
      const url = `${baseUrl}/v1/batch-predictions/${encodeURIComponent(id)}/results?format=${format}`;
      const res = await fetchFn(url, { headers });
      if (!res.ok) throw problemFrom(res, await bodyOf(res));
      return new Uint8Array(await res.arrayBuffer());
    },
  };

  const audits = {
    start: async (datasetId: string, req: AuditRequest = {}) =>
      unwrap(
        await api.POST('/v1/datasets/{id}/audits', {
          ...byId(datasetId),
          body: req as Schemas['AuditRequest'],
        }),
      ) as Audit,
    get: async (id: string) => unwrap(await api.GET('/v1/audits/{id}', byId(id))) as Audit,
    cancel: async (id: string) => unwrap(await api.POST('/v1/audits/{id}/cancel', byId(id))) as Audit,
    follow: (id: string, o: FollowOptions<Audit> = {}) =>
      follow<Audit>(`/v1/audits/${encodeURIComponent(id)}/events`, `/v1/audits/${encodeURIComponent(id)}`, o),
    /** A new dataset from `datasetId` with examples excluded or relabelled; the original stays. */
    version: async (datasetId: string, req: VersionRequest) =>
      unwrap(
        await api.POST('/v1/datasets/{id}/versions', {
          ...byId(datasetId),
          body: req as Schemas['VersionRequest'],
        }),
      ) as Dataset,
  };

  return { api, datasets, baseModels, jobs, models, advisor, batchPredictions, audits };
}

export type Client = ReturnType<typeof createClient>;

/** model.json goes in the `model.json` field; shards and zips are matched by file name. */
function partName(f: FileInput, i: number): string {
  const name = typeof f === 'string' ? f : f.filename;
  if (name.endsWith('model.json')) return 'model.json';
  return name.endsWith('.zip') ? 'file' : `shard${i}`;
}
