// Every call to the service goes through here: the bearer key (session storage only), problem
// documents as ApiError, 401s back to the key prompt, upload progress and the SSE reader.
/** @import { FieldError, Problem } from './types.js' */

const KEY = 'tls.apiKey';

export const apiKey = {
  get: () => sessionStorage.getItem(KEY),
  /** @param {string} key */
  set: (key) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

/** @type {Set<(detail: string | undefined) => void>} */
const unauthorizedListeners = new Set();
/**
 * Called with the problem's detail whenever the service answers 401.
 * @param {(detail: string | undefined) => void} fn
 * @returns {() => void} stops listening
 */
export function onUnauthorized(fn) {
  unauthorizedListeners.add(fn);
  return () => {
    unauthorizedListeners.delete(fn);
  };
}

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {Partial<Problem> | undefined} problem
   */
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    /** @type {Partial<Problem>} */
    this.problem = problem ?? {};
    /** @type {FieldError[]} `[{ path, message }]` with paths like `body.fit.epochs`. */
    this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
  }
}

/** @param {HeadersInit} [extra] */
function authHeaders(extra) {
  const headers = new Headers(extra);
  const key = apiKey.get();
  if (key) headers.set('authorization', `Bearer ${key}`);
  return headers;
}

/**
 * @param {Response} res
 * @returns {Promise<Partial<Problem>>}
 */
async function problemOf(res) {
  const text = await res.text().catch(() => '');
  try {
    return JSON.parse(text);
  } catch {
    return { title: res.statusText, detail: text.slice(0, 300) || `HTTP ${res.status}` };
  }
}

/** @param {Response} res */
async function fail(res) {
  const problem = await problemOf(res);
  if (res.status === 401) unauthorizedListeners.forEach((fn) => fn(problem.detail));
  return new ApiError(res.status, problem);
}

/**
 * @typedef {object} ApiOptions
 * @property {string} [method]
 * @property {unknown} [json] a body sent as JSON
 * @property {BodyInit} [body] any other body (a FormData)
 * @property {AbortSignal} [signal]
 */

/**
 * JSON in (`json`) or any body (`body`), JSON out; throws ApiError on any non-2xx answer. `T` is
 * the answer's shape, which the caller states (`@type` on what receives it): nothing checks it.
 * @template [T=unknown]
 * @param {string} path
 * @param {ApiOptions} [options]
 * @returns {Promise<T>}
 */
export async function api(path, { method = 'GET', json, body, signal } = {}) {
  const headers = authHeaders(json === undefined ? {} : { 'content-type': 'application/json' });
  headers.set('accept', 'application/json, application/problem+json');
  const res = await fetch(path, {
    method,
    headers,
    body: json === undefined ? body : JSON.stringify(json),
    signal,
  });
  if (!res.ok) throw await fail(res);
  if (res.status === 204) return /** @type {T} */ (null);
  const isJson = (res.headers.get('content-type') ?? '').includes('json');
  return /** @type {T} */ (isJson ? await res.json() : await res.text());
}

/**
 * A binary resource fetched with the key (images, zips), as a blob.
 * @param {string} path
 * @param {{ signal?: AbortSignal }} [options]
 */
export async function apiBlob(path, { signal } = {}) {
  const res = await fetch(path, { headers: authHeaders(), signal });
  if (!res.ok) throw await fail(res);
  return res.blob();
}

/**
 * Multipart POST through XMLHttpRequest, the one browser API that reports upload progress.
 * `onProgress(fraction)` gets 0..1 as bytes leave the browser.
 * @template [T=unknown] the answer's shape, as for `api`
 * @param {string} path
 * @param {FormData} form
 * @param {(fraction: number) => void} onProgress
 * @returns {Promise<T>}
 */
export function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    const key = apiKey.get();
    if (key) xhr.setRequestHeader('authorization', `Bearer ${key}`);
    xhr.setRequestHeader('accept', 'application/json, application/problem+json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new ApiError(0, { detail: 'the upload failed (network error)' }));
    xhr.onload = () => {
      let parsed;
      try {
        parsed = JSON.parse(xhr.responseText);
      } catch {
        parsed = { detail: xhr.responseText.slice(0, 300) };
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(parsed);
        return;
      }
      if (xhr.status === 401) unauthorizedListeners.forEach((fn) => fn(parsed?.detail));
      reject(new ApiError(xhr.status, parsed));
    };
    xhr.send(form);
  });
}

/**
 * Server-Sent Events read from a fetch() body: EventSource cannot send the Authorization
 * header. Yields `{ event, data }` with `data` parsed as JSON; ends when the server closes.
 * @param {string} path
 * @param {AbortSignal} [signal]
 * @returns {AsyncGenerator<ServerEvent>}
 */
export async function* sse(path, signal) {
  const headers = authHeaders({ accept: 'text/event-stream' });
  const res = await fetch(path, { headers, signal, cache: 'no-store' });
  if (!res.ok) throw await fail(res);
  if (!res.body) return;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value.replace(/\r\n?/g, '\n');
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const message = parseEvent(block);
        if (message) yield message;
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

/** @typedef {{ event: string, data: unknown }} ServerEvent */

/**
 * @param {string} block
 * @returns {ServerEvent | undefined}
 */
function parseEvent(block) {
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  try {
    return { event, data: JSON.parse(data.join('\n')) };
  } catch {
    return { event, data: data.join('\n') };
  }
}
