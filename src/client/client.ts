import createFetchClient, { type Client as FetchClient } from 'openapi-fetch';
import type { components, paths } from './openapi-types.js';
import { bodyOf } from './events.js';
import { followEvents, type FollowOptions } from './follow.js';
import { problemFrom } from './problem.js';
import { formOf, type FileInput } from './uploads.js';
import type {
  Dataset,
  BaseModel,
  Job,
  JobSpec,
  ModelMeta,
  ModelSummary,
  PredictRequest,
  PredictResponse,
  AdvisorRequest,
  AdvisorRun,
  BatchPrediction,
  Audit,
  AuditRequest,
  VersionRequest,
  Comparison,
  Promotion,
  PromotionRequest,
  AliasList,
  Retrain,
  RetrainRequest,
  BatchUpload,
  ClientOptions,
  Page,
  DatasetUpload,
  PredictOptions,
} from './types.js';

type Schemas = components['schemas'];

export type * from './types.js';

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

/** What every group of calls shares: the typed client, and the plain fetch that streams and files use. */
interface Transport {
  api: FetchClient<paths>;
  baseUrl: string;
  headers: Record<string, string>;
  fetch: typeof fetch;
}

/** A route's `{id}` path parameter. */
const byId = (id: string) => ({ params: { path: { id } } });

/** Follows the event stream of the record at `path` (see ./follow.ts) until it ends; its final record. */
const follow = <T extends { state: string }>(t: Transport, path: string, o: FollowOptions<T>) =>
  followEvents<T>(t, `${path}/events`, path, o);

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
  const t: Transport = { api, baseUrl, headers, fetch: fetchFn };
  return {
    api,
    datasets: datasetCalls(t),
    baseModels: baseModelCalls(t),
    jobs: jobCalls(t),
    models: modelCalls(t),
    advisor: advisorCalls(t),
    batchPredictions: batchCalls(t),
    audits: auditCalls(t),
  };
}

/** Uploading, listing, reading and deleting datasets. */
function datasetCalls(t: Transport) {
  const { api } = t;
  return {
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
}

/** Registering base models (catalog, URL or upload), reading and deleting them. */
function baseModelCalls(t: Transport) {
  const { api } = t;
  return {
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
}

/** Training jobs: starting, listing, reading, cancelling and following one. */
function jobCalls(t: Transport) {
  const { api } = t;
  return {
    create: async (spec: JobSpec) => unwrap(await api.POST('/v1/jobs', { body: spec })) as Job,
    list: async (q: { state?: Job['state']; limit?: number; offset?: number } = {}) =>
      unwrap(await api.GET('/v1/jobs', { params: { query: q } })) as Page<Job>,
    get: async (id: string) => unwrap(await api.GET('/v1/jobs/{id}', byId(id))) as Job,
    cancel: async (id: string) => unwrap(await api.POST('/v1/jobs/{id}/cancel', byId(id))) as Job,
    /** Follows the job's event stream until it ends (reconnecting if the stream drops); its final record. */
    follow: (id: string, o: FollowOptions<Job> = {}) =>
      follow<Job>(t, `/v1/jobs/${encodeURIComponent(id)}`, o),
  };
}

/** Trained models: reading, predicting, aliases and promotion, retraining, downloading. */
function modelCalls(t: Transport) {
  const { api, baseUrl, headers, fetch: fetchFn } = t;
  return {
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
}

/** Advisor runs: starting, reading, cancelling and following one. */
function advisorCalls(t: Transport) {
  const { api } = t;
  return {
    start: async (req: AdvisorRequest) =>
      unwrap(await api.POST('/v1/advisor', { body: req as Schemas['AdvisorRequest'] })) as AdvisorRun,
    get: async (id: string) => unwrap(await api.GET('/v1/advisor/{id}', byId(id))) as AdvisorRun,
    cancel: async (id: string) => unwrap(await api.POST('/v1/advisor/{id}/cancel', byId(id))) as AdvisorRun,
    follow: (id: string, o: FollowOptions<AdvisorRun> = {}) =>
      follow<AdvisorRun>(t, `/v1/advisor/${encodeURIComponent(id)}`, o),
  };
}

/** Batch predictions: an uploaded file or a dataset scored as one job, and its results. */
function batchCalls(t: Transport) {
  const { api, baseUrl, headers, fetch: fetchFn } = t;
  return {
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
      follow<BatchPrediction>(t, `/v1/batch-predictions/${encodeURIComponent(id)}`, o),
    /** The results file, one line per input (JSONL) or one row per input (CSV). */
    results: async (id: string, format: 'jsonl' | 'csv' = 'jsonl'): Promise<Uint8Array> => {
      const url = `${baseUrl}/v1/batch-predictions/${encodeURIComponent(id)}/results?format=${format}`;
      const res = await fetchFn(url, { headers });
      if (!res.ok) throw problemFrom(res, await bodyOf(res));
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}

/** Dataset audits, and the dataset versions that act on their findings. */
function auditCalls(t: Transport) {
  const { api } = t;
  return {
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
      follow<Audit>(t, `/v1/audits/${encodeURIComponent(id)}`, o),
    /** A new dataset from `datasetId` with examples excluded or relabelled; the original stays. */
    version: async (datasetId: string, req: VersionRequest) =>
      unwrap(
        await api.POST('/v1/datasets/{id}/versions', {
          ...byId(datasetId),
          body: req as Schemas['VersionRequest'],
        }),
      ) as Dataset,
  };
}

export type Client = ReturnType<typeof createClient>;

/** model.json goes in the `model.json` field; shards and zips are matched by file name. */
function partName(f: FileInput, i: number): string {
  const name = typeof f === 'string' ? f : f.filename;
  if (name.endsWith('model.json')) return 'model.json';
  return name.endsWith('.zip') ? 'file' : `shard${i}`;
}
