/**
 * A minimal HTTP client of the service for the demo: global fetch only, so it behaves exactly
 * like an outside application would (nothing from src/ is imported).
 */

/** A failure the demo explains to its user; the CLI prints the message and exits non-zero. */
export class DemoError extends Error {
  override readonly name = 'DemoError';
}

/** The subset of a job view (GET /v1/jobs/:id) the demo reads. */
export interface JobView {
  id: string;
  state: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  history: EpochEntry[];
  /** The spec as the service stored it, defaults filled in. */
  spec: { fit?: { epochs?: number }; fineTune?: { epochs?: number } };
  error?: string;
  modelId?: string;
}

export interface EpochEntry {
  phase: string;
  epoch: number;
  loss: number;
  acc?: number;
  valLoss?: number;
  valAcc?: number;
  lr?: number;
  examplesPerSec?: number;
}

interface Problem {
  title?: string;
  status?: number;
  detail?: string;
  errors?: Array<{ path: string; message: string }>;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {}

  async get<T>(path: string): Promise<T> {
    return this.json<T>('GET', path);
  }

  async postJson<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>('POST', path, {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
  }

  async postForm<T>(path: string, form: FormData): Promise<T> {
    return this.json<T>('POST', path, { body: form });
  }

  /**
   * Follows a job through Server-Sent Events until it ends; `onUpdate` sees every view. If the
   * stream breaks (proxy, restart), it falls back to polling, so a finished job is never missed.
   */
  async followJob(id: string, onUpdate: (job: JobView) => void, timeoutMs: number): Promise<JobView> {
    const deadline = Date.now() + timeoutMs;
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const res = await this.send('GET', `/v1/jobs/${id}/events`, {
        headers: { accept: 'text/event-stream' },
        signal,
      });
      if (!res.body) throw new DemoError(`GET /v1/jobs/${id}/events answered without a body`);
      for await (const ev of serverSentEvents(res.body)) {
        if (ev.event === 'error') break; // the service asks us to poll instead
        const job = JSON.parse(ev.data) as JobView;
        onUpdate(job);
        if (ev.event === 'end') return await this.settled(job);
      }
    } catch (err) {
      if (err instanceof DemoError) throw err;
      if (signal.aborted) throw new DemoError(`job ${id} did not finish within ${timeoutMs / 1000} s`);
      // A dropped stream is not fatal: polling below still reaches the final state.
    }
    for (;;) {
      const job = await this.get<JobView>(`/v1/jobs/${id}`);
      onUpdate(job);
      if (!['queued', 'running'].includes(job.state)) return await this.settled(job);
      if (Date.now() > deadline) throw new DemoError(`job ${id} did not finish within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }

  /**
   * A job view read at the instant a job finishes can carry the final state without its result
   * (the service reads the job, then its state); read again until the result is there too.
   */
  private async settled(job: JobView): Promise<JobView> {
    const complete = (j: JobView) =>
      j.state === 'completed' ? Boolean(j.modelId && j.finishedAt) : j.state !== 'failed' || Boolean(j.error);
    for (let tries = 0; !complete(job) && tries < 20; tries++) {
      await new Promise((r) => setTimeout(r, 250));
      job = await this.get<JobView>(`/v1/jobs/${job.id}`);
    }
    return job;
  }

  private async json<T>(method: string, path: string, init: RequestInit = {}): Promise<T> {
    const res = await this.send(method, path, init);
    return (await res.json()) as T;
  }

  /** One request; any non-2xx becomes a DemoError that quotes the problem document. */
  private async send(method: string, path: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.apiKey) headers.set('authorization', `Bearer ${this.apiKey}`);
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), { ...init, method, headers });
    } catch (err) {
      if ((err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError') throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new DemoError(
        `cannot reach the service at ${this.baseUrl} (${cause?.code ?? cause?.message ?? (err as Error).message}); ` +
          'start it with `npm start`, or point DEMO_URL at a running one',
      );
    }
    if (res.ok) return res;
    throw new DemoError(`${method} ${path} answered ${res.status}: ${await describeProblem(res)}`);
  }
}

async function describeProblem(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  let problem: Problem = {};
  try {
    problem = JSON.parse(text) as Problem;
  } catch {
    return text.slice(0, 300) || res.statusText;
  }
  const fields = (problem.errors ?? []).map((e) => `${e.path}: ${e.message}`);
  const hint = res.status === 401 ? ' (set DEMO_API_KEY to one of the service’s API_KEYS)' : '';
  return (
    [problem.title, problem.detail].filter(Boolean).join(' — ') +
    (fields.length > 0 ? ` [${fields.join('; ')}]` : '') +
    hint
  );
}

/** Parses a text/event-stream body into events; comment lines (keep-alives) are skipped. */
export async function* serverSentEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<{ event: string; data: string }> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    // CRLF line ends are allowed by the format; dropping every CR also handles a split CRLF pair.
    buffered += decoder.decode(chunk, { stream: true }).replace(/\r/g, '');
    let end: number;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0) yield { event, data: data.join('\n') };
    }
  }
}
