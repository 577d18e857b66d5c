import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';

/**
 * The connection type other folders hold and pass on; only src/queue/ uses ioredis itself. One
 * Redis server, or a Redis Cluster when REDIS_CLUSTER_NODES is set.
 */
export type RedisClient = Redis | Cluster;

/**
 * Where Redis is: `REDIS_URL` names one server; `REDIS_CLUSTER_NODES` (host:port of some of a
 * cluster's nodes) makes every connection a cluster client, which finds the rest of the nodes
 * and follows a failover to the promoted replica. A URL string is one server.
 */
export type RedisTarget = string | { REDIS_URL: string; REDIS_CLUSTER_NODES?: string[] | undefined };

/**
 * Two kinds of Redis connection, as BullMQ's production guide prescribes:
 * - producer (API): fails fast. No offline queue and one retry, so an HTTP request made while
 *   Redis is down gets a 503 at once instead of hanging until Redis returns.
 * - blocking (workers, QueueEvents): `maxRetriesPerRequest: null`, retrying forever with
 *   backoff, because a worker must survive a Redis restart and pick up where it left off.
 */
export type ConnectionKind = 'producer' | 'blocking';

const retryStrategy = (times: number): number => Math.min(200 * 2 ** Math.min(times, 6), 5_000);

export function createRedis(
  target: RedisTarget,
  kind: ConnectionKind,
  extra: RedisOptions = {},
): RedisClient {
  const common: RedisOptions = { connectTimeout: 3_000, retryStrategy };
  const perKind: RedisOptions =
    kind === 'producer'
      ? { maxRetriesPerRequest: 1, enableOfflineQueue: false, enableReadyCheck: false }
      : { maxRetriesPerRequest: null, enableReadyCheck: false };
  const nodes = typeof target === 'string' ? undefined : target.REDIS_CLUSTER_NODES;
  if (nodes && nodes.length > 0) return createCluster(nodes, kind, { ...common, ...perKind, ...extra });
  const url = typeof target === 'string' ? target : target.REDIS_URL;
  return new Redis(url, { ...common, ...perKind, ...extra });
}

/** `host:port` (IPv6 in brackets: `[::1]:7000`) as ioredis's cluster node. */
export function parseClusterNode(node: string): ClusterNode {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(node.trim());
  if (!m) throw new Error(`"${node}" is not host:port`);
  return { host: m[1]!, port: Number(m[2]) };
}

/**
 * A cluster client with the same per-kind behaviour: the producer keeps no offline queue (a
 * request while no master serves its slot fails fast, 503) and the blocking kind waits out a
 * failover. MOVED/ASK redirections and `CLUSTERDOWN` during a failover are retried by ioredis
 * (`retryDelayOnFailover`, `retryDelayOnClusterDown`), and the slot map is refreshed.
 */
function createCluster(nodes: string[], kind: ConnectionKind, redisOptions: RedisOptions): Cluster {
  const { enableOfflineQueue, enableReadyCheck, ...perNode } = redisOptions;
  return new Cluster(nodes.map(parseClusterNode), {
    redisOptions: perNode,
    enableOfflineQueue: enableOfflineQueue ?? true,
    enableReadyCheck: enableReadyCheck ?? false,
    clusterRetryStrategy: retryStrategy,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 200,
    slotsRefreshTimeout: 2_000,
    ...(kind === 'blocking' ? { maxRedirections: 64 } : {}),
  });
}

/** A single PING with its own deadline; never throws. */
export async function ping(redis: RedisClient, timeoutMs = 1_000): Promise<boolean> {
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
