import { Queue, QueueEvents, type JobsOptions, type Job, type JobType } from 'bullmq';
import type { Redis } from 'ioredis';
import { ServiceUnavailableError } from '../lib/errors.js';
import {
  TRAINING_QUEUE,
  cancelChannel,
  cancelledKey,
  type JobName,
  type JobPayloads,
  type JobResults,
  type ResourceRef,
  type TrainPayload,
} from './queues.js';
import { createRedis } from './redis.js';

export interface QueueServiceOptions {
  prefix: string;
  /** For the blocking connection that job events need (opened on first use). */
  redisUrl: string;
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
  private events: QueueEvents | undefined;

  constructor(
    private readonly redis: Redis,
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
        connection: createRedis(this.opts.redisUrl, 'blocking'),
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
        const data = job?.data as Partial<TrainPayload> | undefined;
        if (!data) return false;
        const base = (data.base ?? {}) as { baseModelId?: string; modelId?: string };
        return (
          (ref.datasetId !== undefined && data.datasetId === ref.datasetId) ||
          (ref.baseModelId !== undefined && base.baseModelId === ref.baseModelId) ||
          (ref.modelId !== undefined && base.modelId === ref.modelId)
        );
      });
    });
  }

  /** Asks every worker to abort this job if it is running it (delivered through pub/sub). */
  async publishCancel(jobId: string): Promise<void> {
    await guard(() => this.redis.publish(cancelChannel(this.opts.prefix), jobId));
  }

  async close(): Promise<void> {
    await this.closeEvents();
    await this.queue.close();
  }
}

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

export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const msg = err.message;
  return (
    /Stream isn't writeable|enableOfflineQueue|Connection is closed|ECONNREFUSED|ETIMEDOUT|max retries per request|Reached the max retries|connect/i.test(
      msg,
    ) || err.name === 'MaxRetriesPerRequestError'
  );
}
