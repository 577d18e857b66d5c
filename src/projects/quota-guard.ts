import { InsufficientStorageError, TooManyRequestsError } from '../lib/errors.js';
import type { RateCounter } from './audit-log.js';
import type { Quotas } from './keys-file.js';

/** How long a project's measured stored bytes are trusted (measuring walks its whole store). */
const USAGE_TTL_MS = 5_000;

/**
 * A project's quotas, checked: stored bytes before anything that stores more (507), predictions
 * per second on every predict (429). Concurrent jobs are counted by the project's job service
 * when it queues one (jobs/job-service.ts). Each problem names the quota and its value.
 */
export class QuotaGuard {
  private readonly usage = new Map<string, { at: number; bytes: Promise<number> }>();

  constructor(
    private readonly deps: {
      quotas: (project: string) => Quotas;
      /** Bytes the project's store holds now. */
      measure: (project: string) => Promise<number>;
      rate: RateCounter;
    },
  ) {}

  /** 507 when the project is at its stored-bytes quota, or `incoming` bytes would take it past. */
  async checkStorage(project: string, incoming = 0): Promise<void> {
    const limit = this.deps.quotas(project).storedBytes;
    if (limit === undefined) return;
    const used = await this.used(project);
    if (used + incoming <= limit && used < limit) return;
    throw new InsufficientStorageError(
      `project '${project}' stores ${used} bytes of its quota of ${limit} bytes (storedBytes)` +
        (incoming > 0 ? ` and this request brings ${incoming} more` : '') +
        '; delete datasets, models or batch results it no longer needs',
      { extra: { quota: 'storedBytes', limit, used } },
    );
  }

  /** 429 when the project is past its predictions per second. */
  async checkPredict(project: string): Promise<void> {
    const limit = this.deps.quotas(project).predictsPerSecond;
    if (limit === undefined) return;
    if (await this.deps.rate.hit(`predict:${project}`, limit)) return;
    throw new TooManyRequestsError(
      `project '${project}' is over its quota of ${limit} predict requests per second (predictsPerSecond); retry in a second`,
      { extra: { quota: 'predictsPerSecond', limit, retryAfter: 1 } },
    );
  }

  /** Measure again next time: the project stored or deleted something. */
  forget(project: string): void {
    this.usage.delete(project);
  }

  private used(project: string): Promise<number> {
    const hit = this.usage.get(project);
    if (hit && Date.now() - hit.at < USAGE_TTL_MS) return hit.bytes;
    const bytes = this.deps.measure(project);
    this.usage.set(project, { at: Date.now(), bytes });
    bytes.catch(() => this.usage.delete(project));
    return bytes;
  }
}
