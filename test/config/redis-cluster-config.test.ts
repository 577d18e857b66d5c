import type { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ConfigError, configToEnv, loadConfig } from '../../src/config/env.js';
import { isRedisConnectionError, isRedisUnavailable } from '../../src/queue/queue-service.js';
import { createRedis, parseClusterNode } from '../../src/queue/redis.js';
import { closedPort } from '../helpers/base-model-fixtures.js';

describe('REDIS_CLUSTER_NODES', () => {
  it('reads host:port nodes and round-trips to a child process environment', () => {
    const c = loadConfig({
      REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, redis-2:7001,[::1]:7002 ',
      QUEUE_PREFIX: '{tls}',
    });
    expect(c.REDIS_CLUSTER_NODES).toEqual(['10.0.0.1:7000', 'redis-2:7001', '[::1]:7002']);
    expect(loadConfig(configToEnv(c)).REDIS_CLUSTER_NODES).toEqual(c.REDIS_CLUSTER_NODES);
    expect(c.REDIS_CLUSTER_NODES!.map(parseClusterNode)).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-2', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
  });

  it('refuses a prefix without a hash tag, naming the fix', () => {
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000', QUEUE_PREFIX: 'tls' })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000', QUEUE_PREFIX: 'tls' })).toThrow(
      /\{tls\}/,
    );
  });

  it('refuses nodes that are not host:port', () => {
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis://10.0.0.1:7000', QUEUE_PREFIX: '{tls}' })).toThrow(
      /REDIS_CLUSTER_NODES: each node as host:port/,
    );
  });

  it('makes cluster clients with the per-kind behaviour, single-server clients without it', () => {
    const nodes = { REDIS_URL: 'redis://127.0.0.1:1', REDIS_CLUSTER_NODES: ['127.0.0.1:1'] };
    const producer = createRedis(nodes, 'producer', { lazyConnect: true });
    const blocking = createRedis(nodes, 'blocking', { lazyConnect: true });
    const single = createRedis({ REDIS_URL: 'redis://127.0.0.1:1' }, 'producer', { lazyConnect: true });
    try {
      expect(producer.isCluster).toBe(true);
      expect(single.isCluster).toBe(false);
      const p = producer as Cluster;
      const b = blocking as Cluster;
      expect(p.options.enableOfflineQueue).toBe(false);
      expect(p.options.redisOptions?.maxRetriesPerRequest).toBe(1);
      // BullMQ requires this of a worker's connection, on a cluster too.
      expect(b.options.redisOptions?.maxRetriesPerRequest).toBeNull();
    } finally {
      for (const c of [producer, blocking, single]) c.disconnect();
    }
  });

  it('a producer on a cluster that does not answer fails fast, with an error the API answers 503', async () => {
    const port = await closedPort();
    const c = createRedis(
      { REDIS_URL: 'redis://127.0.0.1:1', REDIS_CLUSTER_NODES: [`127.0.0.1:${port}`] },
      'producer',
    );
    c.on('error', () => undefined);
    try {
      const err = await c.get('{tls}:x').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(isRedisConnectionError(err), String(err)).toBe(true);
      expect(isRedisUnavailable(err)).toBe(true);
    } finally {
      c.disconnect();
    }
  });

  it('takes ioredis giving up on a failover (too many redirections) for an outage, as CLUSTERDOWN is', () => {
    const gaveUp = new Error(
      'Too many Cluster redirections. Last error: ReplyError: CLUSTERDOWN The cluster is down',
    );
    expect(isRedisConnectionError(gaveUp)).toBe(true);
    expect(isRedisUnavailable(gaveUp)).toBe(true);
    expect(isRedisConnectionError(new Error('Too many requests'))).toBe(false);
  });
});
