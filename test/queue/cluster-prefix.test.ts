import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { QueueEvents } from 'bullmq';
import calculateSlot from 'cluster-key-slot';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { createAppDeps, type OwnedAppDeps } from '../../src/http/app-deps.js';
import { TRAINING_QUEUE } from '../../src/queue/queues.js';
import { createRedis } from '../../src/queue/redis.js';
import { RedisGuard } from '../../src/queue/redis-guard.js';
import { startWorker, type WorkerHandle } from '../../src/queue/worker.js';
import { REDIS_URL, TEST_TRAINER_CHILD, deleteKeys } from '../helpers/app.js';

/**
 * Redis Cluster runs a Lua script only when all its keys hash to one slot, and BullMQ's scripts
 * touch many keys of a queue at once. With QUEUE_PREFIX in hash-tag form (`{tls}`) only the part
 * in braces is hashed, so every key of every queue lands in one slot. No cluster runs here, so
 * this checks what a cluster would: the slot (CRC16, via cluster-key-slot, the function ioredis
 * itself uses) of every key a real job's life creates on a real Redis.
 */
describe('QUEUE_PREFIX in hash-tag form (Redis Cluster)', () => {
  const tag = `test-${randomBytes(5).toString('hex')}`;
  const prefix = `{${tag}}`;
  let dataDir: string;
  let runtime: OwnedAppDeps;
  let worker: WorkerHandle;
  let events: QueueEvents;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'cluster-prefix-'));
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      REDIS_URL,
      DATA_DIR: dataDir,
      QUEUE_PREFIX: prefix,
    });
    const logger = pino({ level: 'silent' });
    runtime = await createAppDeps(config, logger);
    // The tests' trainer child, for its `echo` jobs (helpers/test-trainer-child.ts).
    worker = startWorker(config, logger, config.QUEUE_PREFIX, process.env, {
      trainerEntry: TEST_TRAINER_CHILD,
    });
    events = new QueueEvents(TRAINING_QUEUE, { connection: createRedis(REDIS_URL, 'blocking'), prefix });
    await events.waitUntilReady();
  });
  afterAll(async () => {
    await events.close();
    await worker.close(5_000);
    await runtime.close();
    await deleteKeys(`${prefix}:*`);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is accepted by the config, and only in balanced braces', () => {
    expect(loadConfig({ QUEUE_PREFIX: '{tls}' }).QUEUE_PREFIX).toBe('{tls}');
    for (const bad of ['{tls', 'tls}', '{}', '{a}{b}', 'a{b}', '{a:b}']) {
      expect(() => loadConfig({ QUEUE_PREFIX: bad }), bad).toThrow(/QUEUE_PREFIX/);
    }
  });

  it('puts every key of a job’s life in one hash slot', async () => {
    const job = await runtime.queues.queue.add('echo', { message: 'slot' });
    expect((await job.waitUntilFinished(events, 30_000)).echo).toBe('slot');
    const delayed = await runtime.queues.queue.add(
      'echo',
      { message: 'later' },
      {
        delay: 60_000,
      },
    );
    await runtime.queues.exclusive({ datasetId: 'ds_0000000000000000' }, async () => {
      await new RedisGuard(runtime.redis, prefix).claim('commit:s3://b/p/models/m_0', 10_000);
    });

    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    redis.disconnect();
    expect(keys.length).toBeGreaterThan(5);
    expect(keys.some((k) => k.startsWith(`${prefix}:${TRAINING_QUEUE}:`))).toBe(true);
    const slots = new Set(keys.map((k) => calculateSlot(k)));
    expect([...slots]).toEqual([calculateSlot(tag)]);
    // Without braces, the same keys would be spread over many slots.
    expect(new Set(keys.map((k) => calculateSlot(k.replace(prefix, tag)))).size).toBeGreaterThan(1);
    await delayed.remove();
  }, 60_000);
});
