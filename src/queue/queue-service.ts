import { randomBytes } from 'node:crypto';
import { Queue, QueueEvents, type JobsOptions, type Job, type JobType } from 'bullmq';
import { ConflictError, ServiceUnavailableError } from '../lib/errors.js';
import {
  HEALTH_QUEUE,
  TRAINING_QUEUE,
  cancelChannel,
  cancelledKey,
  type JobName,
  type JobPayloads,
  type JobResults,
  type ResourceRef,
  type TrainPayload,
  trainerStatsKey,
  type AdvisePayload,
  type BatchPayload,
} from './queues.js';
import { createRedis, type RedisClient, type RedisTarget } from './redis.js';

export interface QueueServiceOptions {
  prefix: string;
  /** For the blocking connection that job events need (opened on first use). */
  redis: RedisTarget;
  attempts: number;
  backoffMs: number;
}

export type TypedJob<N extends JobName = JobName> = Job<JobPayloads[N], JobResults[N], N>;

/**
 * The producer side: enqueues, inspects and cancels jobs. Knows nothing of HTTP. Any Redis
 * failure surfaces as ServiceUnavailableError, which the API answers with a 503 problem.
 */
/** What a job event carries: the id of the job it concerns. */
export type JobEventListener = (event: { jobId: string }) => void;

export class QueueService {
  readonly queue: Queue;
  private readonly health: Queue;
  private events: QueueEvents | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly opts: QueueServiceOptions,
  ) {
    // The version check (an INFO at start-up) is left to the workers: on this fail-fast
    // connection it can reject after the queue is closed, as an unhandled rejection.
    this.queue = new Queue(TRAINING_QUEUE, {
      connection: redis,
      prefix: opts.prefix,
      skipVersionCheck: true,
    });
    // The queue re-emits connection errors; they are reported per request instead.
    this.queue.on('error', () => undefined);
    this.health = new Queue(HEALTH_QUEUE, { connection: redis, prefix: opts.prefix, skipVersionCheck: true });
    this.health.on('error', () => undefined);
  }

  /**
   * Queues a deep-readiness probe on the health queue (never behind training jobs). It is kept
   * on failure until `probeOutcome` reads it, then removed; on success it removes itself.
   */
  async addProbe(): Promise<string> {
    const job = await guard(() =>
      this.health.add('probe', {}, { attempts: 1, removeOnComplete: true, removeOnFail: false }),
    );
    return job.id!;
  }

  /** `pending`, `completed` (or gone after completing), or `failed` with the reason; failed probes are removed. */
  async probeOutcome(
    id: string,
  ): Promise<{ state: 'pending' | 'completed' } | { state: 'failed'; reason: string }> {
    return guard(async () => {
      const job = await this.health.getJob(id);
      if (!job) return { state: 'completed' as const };
      const state = await job.getState();
      if (state === 'completed' || state === 'unknown') return { state: 'completed' as const };
      if (state === 'failed') {
        // Read again: the record fetched above may predate the failure and lack its reason.
        const failed = (await this.health.getJob(id)) ?? job;
        await failed.remove().catch(() => undefined);
        return { state: 'failed' as const, reason: failed.failedReason ?? 'unknown' };
      }
      return { state: 'pending' as const };
    });
  }

  async removeProbe(id: string): Promise<void> {
    await guard(async () => (await this.health.getJob(id))?.remove()).catch(() => undefined);
  }

  /** Trainer processes started and crashed (exited without answering), over every worker. */
  async trainerStats(): Promise<{ started: number; crashed: number }> {
    return guard(async () => {
      const h = await this.redis.hgetall(trainerStatsKey(this.opts.prefix));
      return { started: Number(h['started'] ?? 0), crashed: Number(h['crashed'] ?? 0) };
    });
  }

  async add<N extends JobName>(name: N, data: JobPayloads[N], opts: JobsOptions = {}): Promise<TypedJob<N>> {
    return guard(
      () =>
        this.queue.add(name as never, data as never, {
          attempts: this.opts.attempts,
          backoff: { type: 'exponential', delay: this.opts.backoffMs },
          removeOnComplete: false,
          removeOnFail: false,
          ...opts,
        }) as Promise<TypedJob<N>>,
    );
  }

  async get(id: string): Promise<TypedJob | undefined> {
    return guard(async () => ((await this.queue.getJob(id)) as TypedJob | undefined) ?? undefined);
  }

  async jobs(states: JobType[]): Promise<TypedJob[]> {
    return guard(async () => (await this.queue.getJobs(states)) as TypedJob[]);
  }

  /** Records of cancelled jobs, kept in a Redis hash so they outlive the job's removal. */
  async recordCancelled(jobId: string, record: string): Promise<void> {
    await guard(() => this.redis.hset(cancelledKey(this.opts.prefix), jobId, record));
  }

  async forgetCancelled(jobId: string): Promise<void> {
    await guard(() => this.redis.hdel(cancelledKey(this.opts.prefix), jobId));
  }

  async cancelledRecord(jobId: string): Promise<string | undefined> {
    return guard(async () => (await this.redis.hget(cancelledKey(this.opts.prefix), jobId)) ?? undefined);
  }

  async cancelledRecords(): Promise<string[]> {
    return guard(async () => Object.values(await this.redis.hgetall(cancelledKey(this.opts.prefix))));
  }

  /**
   * Calls `listener` on every progress, active, completed, failed and removed event of the
   * training queue until the returned function is called.
   */
  async onJobEvents(listener: JobEventListener): Promise<() => void> {
    const events = await this.queueEvents();
    const kinds = ['progress', 'active', 'completed', 'failed', 'removed'] as const;
    for (const k of kinds) events.on(k, listener as never);
    return () => {
      for (const k of kinds) events.off(k, listener as never);
    };
  }

  async closeEvents(): Promise<void> {
    const events = this.events;
    this.events = undefined;
    await events?.close();
  }

  private async queueEvents(): Promise<QueueEvents> {
    if (!this.events) {
      this.events = new QueueEvents(TRAINING_QUEUE, {
        connection: createRedis(this.opts.redis, 'blocking'),
        prefix: this.opts.prefix,
      });
      this.events.on('error', () => undefined);
      this.events.setMaxListeners(0);
    }
    await this.events.waitUntilReady();
    return this.events;
  }

  async counts(): Promise<Record<string, number>> {
    return guard(() =>
      this.queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed', 'paused', 'prioritized'),
    );
  }

  /** True while a queued or running job references the dataset, base model or model. */
  async isInUse(ref: ResourceRef): Promise<boolean> {
    return guard(async () => {
      const jobs = await this.queue.getJobs([
        'waiting',
        'active',
        'delayed',
        'prioritized',
        'paused',
        'waiting-children',
      ]);
      return jobs.some((job) => {
        const data = job?.data as
          (Partial<TrainPayload> & Partial<AdvisePayload> & Partial<BatchPayload>) | undefined;
        if (!data) return false;
        // A batch prediction uses its model, and its dataset when it scores one.
        if (job.name === 'batch') {
          const input = data.input as { datasetId?: string } | undefined;
          return (
            (ref.modelId !== undefined && data.modelId === ref.modelId) ||
            (ref.datasetId !== undefined && input?.datasetId === ref.datasetId)
          );
        }
        // A training job uses one base (and the model it warm-starts from); an advisor job every candidate's.
        const warm = data.spec?.warmStart ? { modelId: data.spec.warmStart.modelId } : undefined;
        const bases = [data.base, warm, ...(data.candidates ?? []).map((c) => c.base)].map(
          (b) => (b ?? {}) as { baseModelId?: string; modelId?: string },
        );
        return (
          (ref.datasetId !== undefined && data.datasetId === ref.datasetId) ||
          bases.some(
            (base) =>
              (ref.baseModelId !== undefined && base.baseModelId === ref.baseModelId) ||
              (ref.modelId !== undefined && base.modelId === ref.modelId),
          )
        );
      });
    });
  }

  /**
   * Runs `fn` while holding a Redis lock on each resource named in `ref`, so that creating a
   * job that uses a dataset (or base, or model) and deleting it are serialised across every API
   * process: the check-then-act of each ("does it exist?", "is it in use?") sees the other's
   * whole effect or none of it. Locks are taken in a fixed order (no deadlock) and expire after
   * `RESOURCE_LOCK_TTL_MS`, so a crashed holder blocks nobody for long.
   */
  async exclusive<T>(ref: ResourceRef, fn: () => Promise<T>): Promise<T> {
    const keys = (
      [
        ['dataset', ref.datasetId],
        ['base-model', ref.baseModelId],
        ['model', ref.modelId],
      ] as const
    )
      .filter(([, id]) => id !== undefined)
      .map(([kind, id]) => `${this.opts.prefix}:lock:${kind}:${id}`)
      .sort();
    const token = randomBytes(12).toString('hex');
    const held: string[] = [];
    try {
      for (const key of keys) {
        await this.acquire(key, token);
        held.push(key);
      }
      return await fn();
    } finally {
      for (const key of held.reverse()) {
        await guard(() => this.redis.eval(RELEASE, 1, key, token)).catch(() => undefined);
      }
    }
  }

  private async acquire(key: string, token: string): Promise<void> {
    const deadline = Date.now() + RESOURCE_LOCK_WAIT_MS;
    for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
      const ok = await guard(() => this.redis.set(key, token, 'PX', RESOURCE_LOCK_TTL_MS, 'NX'));
      if (ok === 'OK') return;
      if (Date.now() + delay > deadline) {
        throw new ConflictError('another request is changing this resource right now; retry', {
          extra: { retryAfter: 1 },
        });
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /** Asks every worker to abort this job if it is running it (delivered through pub/sub). */
  async publishCancel(jobId: string): Promise<void> {
    await guard(() => this.redis.publish(cancelChannel(this.opts.prefix), jobId));
  }

  async close(): Promise<void> {
    await this.closeEvents();
    await this.queue.close();
    await this.health.close();
  }
}

const RESOURCE_LOCK_TTL_MS = 30_000;
const RESOURCE_LOCK_WAIT_MS = 10_000;
/** Deletes the lock only if this holder still owns it (it may have expired and been retaken). */
const RELEASE =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isRedisUnavailable(err)) {
      throw new ServiceUnavailableError(
        'The job queue is unavailable (Redis does not answer); try again shortly',
        {
          cause: err,
          extra: { retryAfter: 5 },
        },
      );
    }
    throw err;
  }
}

/**
 * Errors only ioredis raises when it has no usable connection, for the HTTP error handler: any
 * error that escapes with one of these is a Redis outage wherever it was thrown. Narrower than
 * isRedisUnavailable, which also matches socket errors and may only judge Redis calls.
 */
export function isRedisConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (
    err.name === 'MaxRetriesPerRequestError' ||
    err.name === 'ClusterAllFailedError' ||
    /^(Stream isn't writeable and enableOfflineQueue options is false|Cluster isn't ready and enableOfflineQueue options is false|Connection is closed\.?)$/.test(
      err.message,
    ) ||
    // Redis Cluster while no master serves a slot (a failover under way), and ioredis giving up
    // on its retries of that (maxRedirections: at its 300 ms CLUSTERDOWN delay, about 5 s).
    /^CLUSTERDOWN |^Too many Cluster redirections\. /.test(err.message)
  );
}

export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const msg = err.message;
  return (
    /Stream isn't writeable|enableOfflineQueue|Connection is closed|ECONNREFUSED|ETIMEDOUT|max retries per request|Reached the max retries|connect|^CLUSTERDOWN |^Too many Cluster redirections\. |Failed to refresh slots cache/i.test(
      msg,
    ) ||
    err.name === 'MaxRetriesPerRequestError' ||
    err.name === 'ClusterAllFailedError'
  );
}
