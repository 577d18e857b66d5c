import { Redis, type RedisOptions } from 'ioredis';

/** The connection type other folders hold and pass on; only src/queue/ uses ioredis itself. */
export type RedisClient = Redis;

/**
 * Two kinds of Redis connection, as BullMQ's production guide prescribes:
 * - producer (API): fails fast. No offline queue and one retry, so an HTTP request made while
 *   Redis is down gets a 503 at once instead of hanging until Redis returns.
 * - blocking (workers, QueueEvents): `maxRetriesPerRequest: null`, retrying forever with
 *   backoff, because a worker must survive a Redis restart and pick up where it left off.
 */
export type ConnectionKind = 'producer' | 'blocking';

export function createRedis(url: string, kind: ConnectionKind, extra: RedisOptions = {}): Redis {
  const common: RedisOptions = {
    connectTimeout: 3_000,
    retryStrategy: (times) => Math.min(200 * 2 ** Math.min(times, 6), 5_000),
  };
  return kind === 'producer'
    ? new Redis(url, {
        ...common,
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        enableReadyCheck: false,
        ...extra,
      })
    : new Redis(url, { ...common, maxRetriesPerRequest: null, enableReadyCheck: false, ...extra });
}

/** A single PING with its own deadline; never throws. */
export async function ping(redis: Redis, timeoutMs = 1_000): Promise<boolean> {
  try {
    const res = await Promise.race([
      redis.ping(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs).unref()),
    ]);
    return res === 'PONG';
  } catch {
    return false;
  }
}
