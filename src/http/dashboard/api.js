// Every call to the service goes through here: the bearer key (session storage only), problem
// documents as ApiError, 401s back to the key prompt, upload progress and the SSE reader.

const KEY = 'tls.apiKey';

export const apiKey = {
  get: () => sessionStorage.getItem(KEY),
  set: (key) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

const unauthorizedListeners = new Set();
/** Called with the problem's detail whenever the service answers 401. */
export function onUnauthorized(fn) {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
    /** `[{ path, message }]` with paths like `body.fit.epochs`. */
    this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
  }
}

function authHeaders(extra) {
  const headers = new Headers(extra);
  const key = apiKey.get();
  if (key) headers.set('authorization', `Bearer ${key}`);
  return headers;
}

async function problemOf(res) {
  const text = await res.text().catch(() => '');
  try {
    return JSON.parse(text);
  } catch {
    return { title: res.statusText, detail: text.slice(0, 300) || `HTTP ${res.status}` };
  }
}

async function fail(res) {
  const problem = await problemOf(res);
  if (res.status === 401) unauthorizedListeners.forEach((fn) => fn(problem.detail));
  return new ApiError(res.status, problem);
}

/** JSON in (`json`) or any body (`body`), JSON out; throws ApiError on any non-2xx answer. */
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
  if (res.status === 204) return null;
  return (res.headers.get('content-type') ?? '').includes('json') ? res.json() : res.text();
}

/** A binary resource fetched with the key (images, zips), as a blob. */
export async function apiBlob(path, { signal } = {}) {
  const res = await fetch(path, { headers: authHeaders(), signal });
  if (!res.ok) throw await fail(res);
  return res.blob();
}

/**
 * Multipart POST through XMLHttpRequest, the one browser API that reports upload progress.
 * `onProgress(fraction)` gets 0..1 as bytes leave the browser.
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
 */
export async function* sse(path, signal) {
  const headers = authHeaders({ accept: 'text/event-stream' });
  const res = await fetch(path, { headers, signal, cache: 'no-store' });
  if (!res.ok) throw await fail(res);
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
