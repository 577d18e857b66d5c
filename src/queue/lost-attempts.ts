import type { Queue } from 'bullmq';
import type { RedisClient } from './redis.js';
import type { Logger } from 'pino';

/**
 * Attempts lost with their worker. A worker killed outright (kill -9, power loss, OOM killer)
 * leaves its jobs `active` with a lock that lives on until it expires; BullMQ's stall check then
 * needs up to two more stall intervals, and moves the job back to wait without counting the
 * attempt. So a job said `running` for over a minute with nothing running, then completed with
 * the lost attempt never recorded.
 *
 * Here every worker keeps a short-lived "alive" key of its own, refreshed every second. At start
 * and every few seconds after, each worker looks at the active jobs: one without a lock, or whose
 * lock belongs to a worker whose alive key is gone, lost its attempt. It is failed through
 * BullMQ's own retry path (token "0": no lock to check), so the attempt counts, the reason says
 * what happened and in which phase, and the job is retried if it has attempts left.
 */

export const aliveKey = (prefix: string, workerId: string): string => `${prefix}:worker-alive:${workerId}`;

export interface AliveOptions {
  redis: RedisClient;
  prefix: string;
  workerId: string;
  /** How long the key outlives its last refresh: a worker silent this long counts as gone. */
  ttlMs: number;
}

/** Keeps this worker's alive key fresh: `ready` once it is first set; `stop` deletes it. */
export function keepAlive({ redis, prefix, workerId, ttlMs }: AliveOptions): {
  ready: Promise<void>;
  stop: () => Promise<void>;
} {
  const key = aliveKey(prefix, workerId);
  const refresh = () =>
    redis.set(key, String(process.pid), 'PX', ttlMs).then(
      () => undefined,
      () => undefined,
    );
  const timer = setInterval(() => void refresh(), Math.max(100, Math.floor(ttlMs / 5)));
  timer.unref();
  return {
    ready: refresh(),
    async stop() {
      clearInterval(timer);
      await redis.del(key).catch(() => undefined);
    },
  };
}

/** The worker id in a BullMQ lock token (`<worker id>:<counter>`). */
function lockHolder(token: string): string {
  return token.slice(0, token.lastIndexOf(':'));
}

async function isLost(redis: RedisClient, queue: Queue, prefix: string, jobId: string): Promise<boolean> {
  const token = await redis.get(`${queue.toKey(jobId)}:lock`);
  if (!token) return true;
  return (await redis.exists(aliveKey(prefix, lockHolder(token)))) === 0;
}

/** Fails every active job whose worker is gone (see above); the ids of those it failed. */
export async function recoverLostAttempts(
  queue: Queue,
  redis: RedisClient,
  prefix: string,
  log: Logger,
): Promise<string[]> {
  const recovered: string[] = [];
  for (const job of await queue.getJobs(['active'])) {
    if (!job?.id || !(await isLost(redis, queue, prefix, job.id))) continue;
    const phase = (job.progress as { phase?: string } | undefined)?.phase;
    const reason =
      `attempt ${job.attemptsMade + 1} was lost: the worker running it stopped (killed or crashed)` +
      (phase ? ` during phase '${phase}'` : '');
    try {
      await job.moveToFailed(new Error(reason), '0');
      recovered.push(job.id);
      log.warn(
        { jobId: job.id, attempt: job.attemptsMade, phase },
        'recorded an attempt lost with its worker',
      );
    } catch (err) {
      // Another worker recorded it first, or it finished meanwhile: nothing to do.
      log.debug({ jobId: job.id, err }, 'lost attempt already handled');
    }
  }
  return recovered;
}
