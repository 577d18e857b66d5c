import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { buildApp } from '../../src/http/app.js';
import { loadConfig, type Config } from '../../src/config/env.js';
import { startWorker, type WorkerHandle } from '../../src/queue/worker.js';
import { createAppDeps, type OwnedAppDeps } from '../../src/http/app-deps.js';
import { api } from './api.js';

export { waitFor } from './wait.js';

/** The tests' trainer child (echo jobs, fault injection): see test-trainer-child.ts. */
export const TEST_TRAINER_CHILD = new URL('./test-trainer-child.ts', import.meta.url);

export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export interface TestContext {
  app: FastifyInstance;
  runtime: OwnedAppDeps;
  config: Config;
  dataDir: string;
  prefix: string;
  /**
   * Starts a real worker on this test's queue prefix. With `hooks`, its trainer children are the
   * tests' own (helpers/test-trainer-child.ts): `echo` jobs, and `fault` breaks them as
   * TEST_TRAINER_FAULT describes there.
   */
  startWorker(overrides?: Record<string, string>, hooks?: { fault?: string }): WorkerHandle;
  close(): Promise<void>;
}

/**
 * Builds the app in-process against the real Redis, with a private DATA_DIR and a unique queue
 * prefix, so tests never see each other's data. `close()` removes both.
 */
export async function buildTestApp(
  env: Record<string, string> = {},
  /** `logger`: the app's logger, for tests that read what it writes (silent by default). */
  opts: { logger?: (config: Config) => Logger } = {},
): Promise<TestContext> {
  const prefix = `test-${randomBytes(5).toString('hex')}`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tls-test-'));
  const baseEnv = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    REDIS_URL,
    DATA_DIR: dataDir,
    QUEUE_PREFIX: prefix,
    JOB_BACKOFF_MS: '100',
    ...env,
  };
  const config = loadConfig(baseEnv);
  const logger = opts.logger?.(config) ?? pino({ level: config.LOG_LEVEL });
  const runtime = await createAppDeps(config, logger);
  // Backend selection switches TF.js's global backend; let it finish before a test builds
  // tensors, or they would race it ("backend 'wasm' has not yet been initialized").
  await runtime.backend().catch(() => undefined);
  const app = await buildApp(runtime);
  await app.ready();
  const workers: WorkerHandle[] = [];
  return {
    app,
    runtime,
    config,
    dataDir,
    prefix,
    startWorker(overrides = {}, hooks) {
      const env = hooks?.fault ? { ...process.env, TEST_TRAINER_FAULT: hooks.fault } : process.env;
      const trainerEntry = hooks ? TEST_TRAINER_CHILD : undefined;
      const w = startWorker(loadConfig({ ...baseEnv, ...overrides }), logger, prefix, env, { trainerEntry });
      workers.push(w);
      return w;
    },
    async close() {
      await Promise.all(workers.map((w) => w.close(5_000)));
      await app.close();
      await runtime.close();
      await deleteKeys(`${prefix}:*`);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function deleteKeys(pattern: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Posts a job spec and waits for it to complete (see helpers/api.ts). */
export function trainToEnd(ctx: TestContext, spec: Record<string, unknown>, timeoutMs = 240_000) {
  return api(ctx).trainToEnd(spec, timeoutMs);
}
