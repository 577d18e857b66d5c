import { Queue, type JobsOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { ServiceUnavailableError } from '../lib/errors.js';
import {
  TRAINING_QUEUE,
  cancelChannel,
  type JobName,
  type JobPayloads,
  type JobResults,
  type ResourceRef,
  type TrainPayload,
} from './queues.js';

export interface QueueServiceOptions {
  prefix: string;
  attempts: number;
  backoffMs: number;
}

export type TypedJob<N extends JobName = JobName> = Job<JobPayloads[N], JobResults[N], N>;

/**
 * The producer side: enqueues, inspects and cancels jobs. Knows nothing of HTTP. Any Redis
 * failure surfaces as ServiceUnavailableError, which the API answers with a 503 problem.
 */
export class QueueService {
  readonly queue: Queue;

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

  async state(job: Job): Promise<string> {
    return guard(() => job.getState());
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
