import { randomInt } from 'node:crypto';
import {
  ConflictError,
  NotFoundError,
  TooManyRequestsError,
  ValidationError,
  type FieldError,
} from '../lib/errors.js';
import { projectOf } from '../contracts/project.js';
import { assertSafeId, newId } from '../lib/ids.js';
import type { EpochLog } from '../contracts/model-meta.js';
import type { JobSpec } from '../contracts/job-spec.js';
import type { QueueService, TypedJob } from '../queue/queue-service.js';
import type { JobName, JobPayloads, TrainJobProgress, TrainJobResult } from '../queue/queues.js';

/**
 * Jobs as the API shows them, on top of BullMQ's job records. BullMQ's states map to
 * queued | running | completed | failed | cancelled; a cancellation is recorded in a Redis hash
 * (with a snapshot for jobs removed while still queued) so it survives the job's removal.
 * Training jobs (`/v1/jobs`) and advisor runs (`/v1/advisor`) share this one way of reading,
 * watching and cancelling a job: `record`, `watchRecords` and `cancelRecord` work for any job
 * name the API exposes; the training views are built on them.
 */

/** Job names whose jobs the API shows, with the noun its messages use. */
export const WATCHED_JOBS = {
  train: 'job',
  advise: 'advisor run',
  batch: 'batch prediction',
  audit: 'audit',
} as const;
export type WatchedJobName = keyof typeof WATCHED_JOBS & JobName;

/** Any job, before a feature shapes its view: raw progress, result and payload. */
export interface JobRecord {
  id: string;
  name: WatchedJobName;
  state: JobState;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  attempts: number;
  failure?: JobFailure;
  progress?: unknown;
  error?: string;
  result?: unknown;
  data: unknown;
}

export type RecordEvent = { type: 'progress' | 'end'; record: JobRecord };

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
  /** Absent in records written before advisor runs existed: those are training jobs. */
  name?: WatchedJobName;
  data: unknown;
  timestamp: number;
  cancelledAt: number;
}

export interface JobServiceDeps {
  queues: QueueService;
  /** The project whose jobs this service queues, reads and lists (contracts/project.ts). */
  project: string;
  /** Queued and running jobs of the project at once, at most (any name); absent: no limit. */
  maxConcurrentJobs?: number;
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
    // One model lock per job: a job whose base is a trained model and that warm-starts from
    // another locks the base (its warm start is checked again by the worker).
    const modelId = base?.modelId ?? spec.warmStart?.modelId;
    const uses = {
      datasetId: spec.datasetId,
      ...(base?.baseModelId ? { baseModelId: base.baseModelId } : {}),
      ...(modelId ? { modelId } : {}),
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
    return trainView(await this.enqueue('train', data, jobId));
  }

  /** Queues a job of any watched name under `jobId`. */
  async enqueue<N extends WatchedJobName>(name: N, data: JobPayloads[N], jobId: string): Promise<JobRecord> {
    await this.refuseOverQuota();
    const job = await this.deps.queues.add(name, { ...data, project: this.deps.project }, { jobId });
    return this.view(job as Job);
  }

  async get(id: string): Promise<JobView> {
    return trainView(await this.record(id, 'train'));
  }

  /** The job `id` if it is a `name` job (else NotFoundError), cancelled ones included. */
  async record(id: string, name: WatchedJobName): Promise<JobRecord> {
    assertSafeId(id);
    const job = await this.deps.queues.get(id);
    // Each route shows its own kind only, as its listing does: /v1/jobs training jobs, and so on;
    // a job of another project does not exist here.
    if (job && job.name === name && this.ours(job.data)) return this.view(job as Job);
    if (!job) {
      const tomb = await this.tombstone(id);
      if (tomb && (tomb.name ?? 'train') === name && this.ours(tomb.data)) return this.tombstoneView(tomb);
    }
    throw new NotFoundError(`${WATCHED_JOBS[name]} '${id}' not found`);
  }

  async list(opts: {
    state?: JobState;
    limit: number;
    offset: number;
  }): Promise<{ items: JobView[]; total: number; limit: number; offset: number }> {
    const page = await this.listRecords('train', opts);
    return { ...page, items: page.items.map(trainView) };
  }

  /** Jobs of one watched name, cancelled ones included, newest first. */
  async listRecords(
    name: WatchedJobName,
    opts: { state?: JobState; limit: number; offset: number },
  ): Promise<{ items: JobRecord[]; total: number; limit: number; offset: number }> {
    const jobs = await this.deps.queues.jobs([
      'waiting',
      'prioritized',
      'delayed',
      'paused',
      'active',
      'completed',
      'failed',
    ]);
    const views = await Promise.all(
      jobs.filter((j) => j?.name === name && this.ours(j.data)).map((j) => this.view(j)),
    );
    const tombs = (await this.deps.queues.cancelledRecords())
      .map((s) => JSON.parse(s) as Tombstone)
      .filter((t) => (t.name ?? 'train') === name && this.ours(t.data));
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

  /** Removes a finished job's record (and its cancellation record); 409 while it is queued or running. */
  async removeRecord(id: string, name: WatchedJobName): Promise<JobRecord> {
    const current = await this.record(id, name);
    if (!FINAL.includes(current.state)) {
      throw new ConflictError(`${WATCHED_JOBS[name]} '${id}' is ${current.state}; cancel it first`);
    }
    const job = await this.deps.queues.get(id);
    if (job) await removeOnceReleased(job, `${WATCHED_JOBS[name]} '${id}'`);
    await this.deps.queues.forgetCancelled(id);
    return current;
  }

  /**
   * A queued job is removed at once; a running one is aborted at its next batch by the worker
   * holding it (pub/sub), which saves nothing. Finished jobs can't be cancelled (409).
   */
  async cancel(id: string): Promise<JobView> {
    return trainView(await this.cancelRecord(id, 'train'));
  }

  async cancelRecord(id: string, name: WatchedJobName): Promise<JobRecord> {
    const current = await this.record(id, name);
    if (current.state === 'cancelled') return current;
    if (FINAL.includes(current.state)) {
      throw new ConflictError(`${WATCHED_JOBS[name]} '${id}' is already ${current.state}`);
    }
    const job = await this.deps.queues.get(id);
    if (!job) return this.record(id, name);
    const tomb: Tombstone = {
      id,
      name,
      data: job.data,
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
    return removed ? this.tombstoneView(tomb) : { ...(await this.record(id, name)), state: 'cancelled' };
  }

  /** Progress as it happens, then the final state. Ends at once for a finished job. */
  async *watch(id: string, signal: AbortSignal): AsyncGenerator<JobEvent> {
    for await (const ev of this.watchRecords(id, 'train', signal))
      yield { type: ev.type, job: trainView(ev.record) };
  }

  /** `watch` for a job of any watched name. */
  async *watchRecords(id: string, name: WatchedJobName, signal: AbortSignal): AsyncGenerator<RecordEvent> {
    const first = await this.record(id, name);
    if (FINAL.includes(first.state)) {
      yield { type: 'end', record: first };
      return;
    }
    yield { type: 'progress', record: first };
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
        const view = await this.record(id, name).catch((err: unknown) => {
          if (err instanceof NotFoundError) return undefined;
          throw err;
        });
        if (!view) break;
        if (FINAL.includes(view.state)) {
          yield { type: 'end', record: view };
          return;
        }
        const text = JSON.stringify(view);
        if (text !== last) {
          last = text;
          yield { type: 'progress', record: view };
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

  /** Whether a job's payload belongs to this service's project. */
  private ours(data: unknown): boolean {
    return projectOf(data) === this.deps.project;
  }

  /** 429 when the project already has its quota of queued and running jobs. */
  private async refuseOverQuota(): Promise<void> {
    const max = this.deps.maxConcurrentJobs;
    if (max === undefined) return;
    const live = await this.deps.queues.jobs(['waiting', 'prioritized', 'delayed', 'paused', 'active']);
    const n = live.filter((j) => j && j.name in WATCHED_JOBS && this.ours(j.data)).length;
    if (n >= max) {
      throw new TooManyRequestsError(
        `project '${this.deps.project}' has ${n} jobs queued or running, its quota of concurrent jobs (${max}); wait for one to finish or cancel one`,
        { extra: { quota: 'concurrentJobs', limit: max } },
      );
    }
  }

  private async tombstone(id: string): Promise<Tombstone | undefined> {
    const raw = await this.deps.queues.cancelledRecord(id);
    return raw ? (JSON.parse(raw) as Tombstone) : undefined;
  }

  private tombstoneView(t: Tombstone): JobRecord {
    return {
      id: t.id,
      name: t.name ?? 'train',
      state: 'cancelled',
      createdAt: new Date(t.timestamp).toISOString(),
      finishedAt: new Date(t.cancelledAt).toISOString(),
      attempts: 0,
      data: t.data,
    };
  }

  private async view(fetched: Job): Promise<JobRecord> {
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
    const out: JobRecord = {
      id: job.id!,
      name: job.name as WatchedJobName,
      state,
      createdAt: new Date(job.timestamp).toISOString(),
      attempts: job.attemptsMade,
      data: job.data,
    };
    if (typeof job.progress === 'object') out.progress = job.progress;
    if (job.processedOn) out.startedAt = new Date(job.processedOn).toISOString();
    if (job.finishedOn) out.finishedAt = new Date(job.finishedOn).toISOString();
    else if (tomb) out.finishedAt = new Date(tomb.cancelledAt).toISOString();
    if (state === 'failed' && job.failedReason) out.error = job.failedReason;
    const failure = lastFailure(job, state);
    if (failure) out.failure = failure;
    if (state === 'completed' && job.returnvalue != null) out.result = job.returnvalue;
    return out;
  }
}

/**
 * The last failed attempt. BullMQ's attemptsMade counts every finished attempt, failed ones and
 * the one that completed, so in a completed job the last failure is the attempt before it.
 */
function lastFailure(job: Job, state: JobState): JobFailure | undefined {
  if (!job.failedReason || job.attemptsMade <= 0 || state === 'cancelled') return undefined;
  const attempt = state === 'completed' ? job.attemptsMade - 1 : job.attemptsMade;
  if (attempt <= 0) return undefined;
  return {
    attempt,
    maxAttempts: job.opts.attempts ?? 1,
    retried: state !== 'failed',
    reason: job.failedReason,
  };
}

/** A training job as /v1/jobs shows it. */
function trainView(r: JobRecord): JobView {
  const progress = r.progress as TrainJobProgress | undefined;
  const { history = [], ...latest } = progress ?? ({} as Partial<TrainJobProgress>);
  const out: JobView = {
    id: r.id,
    state: r.state,
    createdAt: r.createdAt,
    attempts: r.attempts,
    history,
    spec: (r.data as { spec: JobSpec }).spec,
  };
  // A completed job's last report is from its last phase (`saving`): say it is done instead.
  if (progress)
    out.progress = (r.state === 'completed' ? { ...latest, phase: 'done' } : latest) as JobView['progress'];
  if (r.startedAt) out.startedAt = r.startedAt;
  if (r.finishedAt) out.finishedAt = r.finishedAt;
  if (r.failure) out.failure = r.failure;
  if (r.error) out.error = r.error;
  const result = r.result as TrainJobResult | undefined;
  if (r.state === 'completed' && result?.modelId) out.modelId = result.modelId;
  return out;
}

/** How long a delete waits for a cancelled job's worker to let go of it before answering 409. */
const RELEASE_WAIT_MS = 3_000;

/**
 * A cancelled job shows as cancelled at once, but the worker that ran it holds its lock until
 * the trainer process has stopped (a forward pass ends, or the grace period's SIGKILL): BullMQ
 * refuses to remove a locked job. The delete waits a little for that, then says to try again.
 */
async function removeOnceReleased(job: TypedJob, what: string): Promise<void> {
  const deadline = Date.now() + RELEASE_WAIT_MS;
  for (;;) {
    try {
      await job.remove();
      return;
    } catch (err) {
      if (!(err instanceof Error) || !/locked by another worker/.test(err.message)) throw err;
      if (Date.now() >= deadline) {
        throw new ConflictError(`${what} is still stopping; try again in a few seconds`, {
          extra: { retryAfter: 5 },
        });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
