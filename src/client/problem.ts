/**
 * What the service answers on failure: an RFC 9457 problem document (`type`, `title`, `status`,
 * `detail`, `errors[]` naming the failing fields), raised as one error class so that callers
 * read the service's own words instead of a status code.
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: Array<{ path: string; message: string }>;
  [extra: string]: unknown;
}

export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  readonly status: number;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problemMessage(problem));
    this.status = problem.status;
    this.problem = problem;
  }
}

/** `detail`, then each failing field, e.g. "The job spec is invalid (body.fit.epochs: too big)". */
function problemMessage(p: Problem): string {
  const fields = (p.errors ?? []).map((e) => `${e.path}: ${e.message}`);
  const head = p.detail || p.title || `HTTP ${p.status}`;
  return fields.length > 0 && !fields.every((f) => head.includes(f))
    ? `${head} (${fields.join('; ')})`
    : head;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * The error for an answer of 400 or more: its problem document when it sent one, else a problem
 * made from the status line and the first bytes of the body (a proxy's HTML page, say).
 */
export function problemFrom(response: Response, body: unknown): ProblemError {
  if (isRecord(body) && typeof body['status'] === 'number' && ('detail' in body || 'title' in body)) {
    return new ProblemError({
      type: String(body['type'] ?? 'about:blank'),
      title: String(body['title'] ?? response.statusText),
      ...body,
      status: body['status'],
      detail: String(body['detail'] ?? body['title'] ?? ''),
    } as Problem);
  }
  const text = typeof body === 'string' ? body.trim().slice(0, 200) : '';
  return new ProblemError({
    type: 'about:blank',
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    detail: `${response.status} ${response.statusText} from ${response.url}${text ? `: ${text}` : ''}`,
  });
}
