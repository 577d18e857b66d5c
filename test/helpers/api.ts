import type { FastifyInstance, InjectOptions } from 'fastify';
import { expect } from 'vitest';
import { waitFor } from './wait.js';
import { multipart, type Part } from './multipart.js';

/**
 * The one way tests call the API: `app.inject` (no socket, as fastify/demo's tests do), with
 * the few calls every suite makes named once (upload a dataset, start a job, wait for it,
 * predict). Tests that need a real socket (SSE streams, a browser, a reset mid-upload, another
 * process) listen on a port and use `fetch` or `test/helpers/raw-http.ts`; nothing else does.
 *
 * A reply reads like the response it stands for: `status`, `headers`, `text`, `body` (the parsed
 * JSON when the answer is JSON, else the text) and `raw` (the bytes).
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, read field by field in tests
export type Json = any;

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
  body: Json;
  raw: Buffer;
}

export interface CallOptions {
  headers?: Record<string, string>;
  query?: Record<string, string>;
}

export interface Api {
  get(url: string, opts?: CallOptions): Promise<Reply>;
  delete(url: string, opts?: CallOptions): Promise<Reply>;
  /** A request of any method (a walk over every route, say); `body` as for `post`. */
  request(method: string, url: string, body?: unknown, opts?: CallOptions): Promise<Reply>;
  /** An OPTIONS request (a CORS preflight, say). */
  options(url: string, opts?: CallOptions): Promise<Reply>;
  /** A JSON body (objects and arrays), or raw bytes/text with the content type given in `headers`. */
  post(url: string, body?: unknown, opts?: CallOptions): Promise<Reply>;
  put(url: string, body?: unknown, opts?: CallOptions): Promise<Reply>;
  patch(url: string, body?: unknown, opts?: CallOptions): Promise<Reply>;
  /** A multipart/form-data request (see helpers/multipart.ts for the parts). */
  form(url: string, parts: Part[], opts?: CallOptions & { method?: 'POST' | 'PUT' }): Promise<Reply>;
  /** Uploads a dataset file (zip, CSV, JSONL) under `name`; expects 201 and returns its view. */
  uploadDataset(file: Buffer, filename: string, fields?: Record<string, string>): Promise<Json>;
  /** Posts a job spec; expects 202 and returns the job's view. */
  createJob(spec: object): Promise<Json>;
  /** Polls a job until it reaches one of `states` (completed or failed by default). */
  waitForJob(id: string, opts?: { states?: string[]; timeoutMs?: number }): Promise<Json>;
  /**
   * Polls `GET path` (an advisor run, an audit, a batch prediction...) until its `state` is one
   * of `states` (completed, failed or cancelled by default); its view.
   */
  waitForState(path: string, opts?: { states?: string[]; timeoutMs?: number }): Promise<Json>;
  /** Posts a spec and waits for the job to complete without an error; the job's and its model's views. */
  trainToEnd(spec: object, timeoutMs?: number): Promise<{ job: Json; model: Json }>;
  /** `POST /v1/models/{ref}/predict` with a JSON body. */
  predict(modelRef: string, body: object, opts?: CallOptions): Promise<Reply>;
  /** The same calls with more headers on each (an API key, say). */
  with(headers: Record<string, string>): Api;
}

/** The API of an app (or of a test context holding one), optionally calling with a key. */
export function api(target: FastifyInstance | { app: FastifyInstance }, opts: { key?: string } = {}): Api {
  const app = 'app' in target ? target.app : target;
  return bind(app, opts.key ? { authorization: `Bearer ${opts.key}` } : {});
}

function bind(app: FastifyInstance, base: Record<string, string>): Api {
  const call = async (
    method: InjectOptions['method'],
    url: string,
    body: unknown,
    opts: CallOptions = {},
  ) => {
    const headers: Record<string, string> = { ...base, ...opts.headers };
    const payload = encodeBody(body, headers);
    const res = await app.inject({
      method,
      url,
      headers,
      ...(opts.query ? { query: opts.query } : {}),
      ...(payload === undefined ? {} : { payload }),
    });
    return reply(res);
  };
  const self: Api = {
    get: (url, opts) => call('GET', url, undefined, opts),
    delete: (url, opts) => call('DELETE', url, undefined, opts),
    options: (url, opts) => call('OPTIONS', url, undefined, opts),
    request: (method, url, body, opts) => call(method as InjectOptions['method'], url, body, opts),
    post: (url, body, opts) => call('POST', url, body, opts),
    put: (url, body, opts) => call('PUT', url, body, opts),
    patch: (url, body, opts) => call('PATCH', url, body, opts),
    async form(url, parts, opts = {}) {
      const { payload, headers } = multipart(parts);
      return call(opts.method ?? 'POST', url, payload, { ...opts, headers: { ...headers, ...opts.headers } });
    },
    async uploadDataset(file, filename, fields = {}) {
      const parts: Part[] = Object.entries(fields).map(([name, data]) => ({ name, data }));
      parts.push({ name: 'file', filename, data: file });
      const res = await self.form('/v1/datasets', parts);
      expect(res.status, res.text).toBe(201);
      return res.body;
    },
    async createJob(spec) {
      const res = await self.post('/v1/jobs', spec);
      expect(res.status, res.text).toBe(202);
      return res.body;
    },
    async waitForJob(id, { states = ['completed', 'failed'], timeoutMs = 240_000 } = {}) {
      return waitFor(
        async () => {
          const res = await self.get(`/v1/jobs/${id}`);
          return states.includes(res.body?.state) ? res.body : undefined;
        },
        timeoutMs,
        100,
      );
    },
    async waitForState(path, { states = ['completed', 'failed', 'cancelled'], timeoutMs = 240_000 } = {}) {
      return waitFor(
        async () => {
          const res = await self.get(path);
          return states.includes(res.body?.state) ? res.body : undefined;
        },
        timeoutMs,
        100,
      );
    },
    async trainToEnd(spec, timeoutMs = 240_000) {
      const created = await self.createJob(spec);
      const job = await self.waitForJob(created.id, { timeoutMs });
      expect(job.error, JSON.stringify(job.error)).toBeUndefined();
      expect(job.state).toBe('completed');
      const model = (await self.get(`/v1/models/${job.modelId}`)).body;
      return { job, model };
    },
    predict: (modelRef, body, opts) => call('POST', `/v1/models/${modelRef}/predict`, body, opts),
    with: (headers) => bind(app, { ...base, ...headers }),
  };
  return self;
}

function encodeBody(body: unknown, headers: Record<string, string>): string | Buffer | undefined {
  if (body === undefined) return undefined;
  if (Buffer.isBuffer(body) || typeof body === 'string') return body;
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
    headers['content-type'] = 'application/json';
  return JSON.stringify(body);
}

function reply(res: Awaited<ReturnType<FastifyInstance['inject']>>): Reply {
  const type = String(res.headers['content-type'] ?? '');
  const text = res.body;
  let body: Json = text;
  if (/json/.test(type) && text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.statusCode, headers: res.headers, text, body, raw: res.rawPayload };
}
