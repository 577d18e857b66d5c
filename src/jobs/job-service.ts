import { randomInt } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../lib/errors.js';
import { assertSafeId, newId } from '../lib/ids.js';
import type { EpochLog } from '../contracts/model-meta.js';
import type { JobSpec } from '../contracts/job-spec.js';
import type { QueueService, TypedJob } from '../queue/queue-service.js';
import type { TrainJobProgress, TrainJobResult, TrainPayload } from '../queue/queues.js';

/**
 * Training jobs as the API shows them, on top of BullMQ's job records. BullMQ's states map to
 * queued | running | completed | failed | cancelled; a cancellation is recorded in a Redis hash
 * (with a snapshot for jobs removed while still queued) so it survives the job's removal.
 */

export type JobState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface JobView {
  id: string;
  state: JobState;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  attempts: number;
  /** The last failed attempt: its number, of how many allowed, whether it was retried, and why. */
  failure?: JobFailure;
  progress?: Omit<TrainJobProgress, 'history'>;
  history: EpochLog[];
  error?: string;
  modelId?: string;
  spec: JobSpec;
}

export interface JobFailure {
  attempt: number;
  maxAttempts: number;
  /** True when another attempt follows (a crash); false when the job failed for good. */
  retried: boolean;
  reason: string;
}

interface Tombstone {
  id: string;
  data: { spec: JobSpec };
  timestamp: number;
  cancelledAt: number;
}

export interface JobServiceDeps {
  queues: QueueService;
  /** Checks a spec against its dataset and base (existence, layer names, shapes); [] when fine. */
  validate: (spec: JobSpec) => Promise<FieldError[]>;
}

export type JobEvent = { type: 'progress'; job: JobView } | { type: 'end'; job: JobView };

const FINAL: JobState[] = ['completed', 'failed', 'cancelled'];

type Job = TypedJob;

export class JobService {
  constructor(private readonly deps: JobServiceDeps) {}

  async create(spec: JobSpec): Promise<JobView> {
    // Under the locks of what the job uses, so a concurrent delete of its dataset or base
    // either happens before the check (404/400 here) or sees the queued job (409 there).
    const base = spec.base as { baseModelId?: string; modelId?: string } | undefined;
    const uses = {
      datasetId: spec.datasetId,
      ...(base?.baseModelId ? { baseModelId: base.baseModelId } : {}),
      ...(base?.modelId ? { modelId: base.modelId } : {}),
    };
    return this.deps.queues.exclusive(uses, () => this.validateAndQueue(spec));
  }

  private async validateAndQueue(spec: JobSpec): Promise<JobView> {
    const errors = await this.deps.validate(spec);
    if (errors.length > 0) {
      throw new ValidationError(errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
    }
    const jobId = newId('job');
    // A seed is always recorded, so any job can be re-run exactly from its stored spec.
    const seeded: JobSpec = { ...spec, seed: spec.seed ?? randomInt(2 ** 31 - 1) };
    const data = {
      datasetId: spec.datasetId,
      ...(spec.base ? { base: spec.base } : {}),
      spec: seeded,
    };
    const job = await this.deps.queues.add('train', data, { jobId });
    return this.view(job as Job);
  }

  async get(id: string): Promise<JobView> {
    assertSafeId(id);
    const job = await this.deps.queues.get(id);
    if (job) return this.view(job as Job);
    const tomb = await this.tombstone(id);
    if (tomb) return this.tombstoneView(tomb);
    throw new NotFoundError(`job '${id}' not found`);
  }

  async list(opts: {
    state?: JobState;
    limit: number;
    offset: number;
  }): Promise<{ items: JobView[]; total: number; limit: number; offset: number }> {
    const jobs = await this.deps.queues.jobs([
      'waiting',
      'prioritized',
      'delayed',
      'paused',
      'active',
      'completed',
      'failed',
    ]);
    const views = await Promise.all(jobs.filter((j) => j?.name === 'train').map((j) => this.view(j)));
    const tombs = (await this.deps.queues.cancelledRecords()).map((s) => JSON.parse(s) as Tombstone);
    const seen = new Set(views.map((v) => v.id));
    for (const t of tombs) if (!seen.has(t.id)) views.push(this.tombstoneView(t));
    const filtered = (opts.state ? views.filter((v) => v.state === opts.state) : views).sort((a, b) =>
      a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0,
    );
    return {
      items: filtered.slice(opts.offset, opts.offset + opts.limit),
      total: filtered.length,
      limit: opts.limit,
      offset: opts.offset,
    };
  }

  /**
   * A queued job is removed at once; a running one is aborted at its next batch by the worker
   * holding it (pub/sub), which saves nothing. Finished jobs can't be cancelled (409).
   */
  async cancel(id: string): Promise<JobView> {
    const current = await this.get(id);
    if (current.state === 'cancelled') return current;
    if (FINAL.includes(current.state)) {
      throw new ConflictError(`job '${id}' is already ${current.state}`);
    }
    const job = await this.deps.queues.get(id);
    if (!job) return this.get(id);
    const tomb: Tombstone = {
      id,
      data: { spec: (job.data as TrainPayload).spec },
      timestamp: job.timestamp,
      cancelledAt: Date.now(),
    };
    await this.deps.queues.recordCancelled(id, JSON.stringify(tomb));
    let removed = false;
    if (current.state === 'queued') {
      // Fails if a worker took the job meanwhile; then it is cancelled like a running one.
      removed = await job.remove().then(
        () => true,
        () => false,
      );
    }
    if (!removed) await this.deps.queues.publishCancel(id);
    return removed ? this.tombstoneView(tomb) : { ...(await this.get(id)), state: 'cancelled' };
  }

  /** Progress as it happens, then the final state. Ends at once for a finished job. */
  async *watch(id: string, signal: AbortSignal): AsyncGenerator<JobEvent> {
    const first = await this.get(id);
    if (FINAL.includes(first.state)) {
      yield { type: 'end', job: first };
      return;
    }
    yield { type: 'progress', job: first };
    const wake: Array<() => void> = [];
    let pending = false;
    const notify = (e: { jobId: string }): void => {
      if (e.jobId !== id) return;
      pending = true;
      wake.splice(0).forEach((w) => w());
    };
    const unsubscribe = await this.deps.queues.onJobEvents(notify);
    // Also poll now and then: a cancellation or a missed event must still end the stream.
    const timer = setInterval(() => notify({ jobId: id }), 2_000);
    const onAbort = (): void => wake.splice(0).forEach((w) => w());
    signal.addEventListener('abort', onAbort);
    try {
      let last = JSON.stringify(first);
      while (!signal.aborted) {
        if (!pending) await new Promise<void>((r) => wake.push(r));
        pending = false;
        if (signal.aborted) break;
        // A job removed meanwhile ends the stream; any other failure (Redis down) is the
        // caller's to report, so the client learns why the stream ended.
        const view = await this.get(id).catch((err: unknown) => {
          if (err instanceof NotFoundError) return undefined;
          throw err;
        });
        if (!view) break;
        if (FINAL.includes(view.state)) {
          yield { type: 'end', job: view };
          return;
        }
        const text = JSON.stringify(view);
        if (text !== last) {
          last = text;
          yield { type: 'progress', job: view };
        }
      }
    } finally {
      clearInterval(timer);
      signal.removeEventListener('abort', onAbort);
      unsubscribe();
    }
  }

  async close(): Promise<void> {
    await this.deps.queues.closeEvents();
  }

  private async tombstone(id: string): Promise<Tombstone | undefined> {
    const raw = await this.deps.queues.cancelledRecord(id);
    return raw ? (JSON.parse(raw) as Tombstone) : undefined;
  }

  private tombstoneView(t: Tombstone): JobView {
    return {
      id: t.id,
      state: 'cancelled',
      createdAt: new Date(t.timestamp).toISOString(),
      finishedAt: new Date(t.cancelledAt).toISOString(),
      attempts: 0,
      history: [],
      spec: t.data.spec,
    };
  }

  private async view(fetched: Job): Promise<JobView> {
    let job = fetched;
    const raw = await job.getState();
    // The job may have finished between reading it and reading its state: read it again, so a
    // finished view always carries its result (modelId, error, finishedAt).
    if ((raw === 'completed' || raw === 'failed') && !job.finishedOn) {
      job = ((await this.deps.queues.get(job.id!)) as Job | undefined) ?? job;
    }
    const tomb = raw === 'failed' || raw === 'active' ? await this.tombstone(job.id!) : undefined;
    const state: JobState = tomb
      ? 'cancelled'
      : raw === 'active'
        ? 'running'
        : raw === 'completed'
          ? 'completed'
          : raw === 'failed'
            ? 'failed'
            : 'queued';
    const progress = (typeof job.progress === 'object' ? job.progress : undefined) as
      TrainJobProgress | undefined;
    const { history = [], ...latest } = progress ?? ({} as Partial<TrainJobProgress>);
    const out: JobView = {
      id: job.id!,
      state,
      createdAt: new Date(job.timestamp).toISOString(),
      attempts: job.attemptsMade,
      history,
      spec: (job.data as TrainPayload).spec,
    };
    if (progress) out.progress = latest as Omit<TrainJobProgress, 'history'>;
    if (job.processedOn) out.startedAt = new Date(job.processedOn).toISOString();
    if (job.finishedOn) out.finishedAt = new Date(job.finishedOn).toISOString();
    else if (tomb) out.finishedAt = new Date(tomb.cancelledAt).toISOString();
    if (state === 'failed' && job.failedReason) out.error = job.failedReason;
    if (job.failedReason && job.attemptsMade > 0 && state !== 'cancelled') {
      out.failure = {
        attempt: job.attemptsMade,
        maxAttempts: job.opts.attempts ?? 1,
        retried: state !== 'failed',
        reason: job.failedReason,
      };
    }
    const result = job.returnvalue as TrainJobResult | null | undefined;
    if (state === 'completed' && result?.modelId) out.modelId = result.modelId;
    return out;
  }
}
