import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { Queue, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { configToEnv, type Config } from '../config/env.js';
import { sweepLocalStaging } from './open-store.js';
import { createRedis } from './redis.js';
import {
  HEALTH_QUEUE,
  TRAINING_QUEUE,
  cancelChannel,
  cancelledKey,
  trainerStatsKey,
  type ProbeResult,
} from './queues.js';
import { keepAlive, recoverLostAttempts } from './lost-attempts.js';
import { runInFreshProcess, type TrainerProcessOptions } from './trainer-process.js';
import { DiskMonitor } from '../storage/disk-monitor.js';

/** A worker silent this long (no alive-key refresh) counts as gone; its jobs' attempts as lost. */
const ALIVE_TTL_MS = 5_000;

export interface WorkerHandle {
  worker: Worker;
  /** Stops taking jobs, waits up to `timeoutMs` for running ones, then closes connections. */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * Jobs run in a fresh child process each (trainer-process.ts): `model.fit` blocks its own event
 * loop for seconds at a time, and here that never delays lock renewal, progress events or HTTP;
 * and a job that breaks its process (wasm abort, out of memory) never breaks the next one.
 * Child processes (not worker_threads) because tfjs-node crashes when loaded in several threads
 * (tensorflow/tfjs#8388) and GPU memory is only returned when a process exits.
 */
/**
 * `parentEnv` is the environment the trainer children inherit (the entry point hands over its
 * own); the parsed config is laid over it, so each child parses the same configuration.
 */
export function startWorker(
  config: Config,
  logger: Logger,
  prefix: string,
  parentEnv: Readonly<Record<string, string | undefined>>,
  /** `trainerEntry`: the trainer child's module (trainer-process.ts), trainer-child by default. */
  opts: { trainerEntry?: URL } = {},
): WorkerHandle {
  const connection = createRedis(config, 'blocking');
  const subscriber = createRedis(config, 'blocking');
  const log = logger.child({ component: 'worker' });
  const env = { ...parentEnv, ...configToEnv(config), QUEUE_PREFIX: prefix };
  const children = new Set<ChildProcess>();
  const run = trainerRunner(config, connection, prefix, log, { env, children, entry: opts.trainerEntry });

  const worker = new Worker(TRAINING_QUEUE, (job, _token, signal) => run(job, signal), {
    connection,
    prefix,
    concurrency: config.WORKER_CONCURRENCY,
    lockDuration: config.JOB_LOCK_MS,
    // Look for jobs whose worker died at least once per lock period, so they are retried soon.
    stalledInterval: Math.min(30_000, config.JOB_LOCK_MS),
    // Runs once this worker's alive key is set (below), so no sweep takes its jobs for lost.
    autorun: false,
  });
  const stopLostAttempts = watchLostAttempts(
    worker,
    connection,
    prefix,
    log,
    Math.min(ALIVE_TTL_MS, config.JOB_LOCK_MS),
  );
  // Deep-readiness probes, one at a time, beside (never behind) the training jobs.
  const healthConnection = createRedis(config, 'blocking');
  const healthWorker = new Worker(HEALTH_QUEUE, (job, _token, signal) => run(job, signal), {
    connection: healthConnection,
    prefix,
    concurrency: 1,
    lockDuration: config.JOB_LOCK_MS,
  });
  healthWorker.on('error', (err) => log.error({ err }, 'health worker error'));

  logJobEvents(worker, log);
  listenForCancels(worker, connection, subscriber, prefix, log);

  log.info({ concurrency: config.WORKER_CONCURRENCY, prefix }, 'worker started');

  // The worker's DATA_DIR (the store on file://, staging and the cache on s3://): a crossing of
  // the free-space floor is logged here too, for workers on machines of their own.
  const stopDiskWatch = new DiskMonitor({
    dir: config.DATA_DIR,
    minFreeBytes: config.DISK_MIN_FREE_BYTES,
    minFreePercent: config.DISK_MIN_FREE_PERCENT,
    log,
  }).watch(30_000);

  const stopHeartbeat = startHeartbeat(config, connection, log);

  return {
    worker,
    async close(timeoutMs = config.SHUTDOWN_TIMEOUT_MS) {
      stopHeartbeat();
      stopDiskWatch();
      const timedOut = await closeWithin(worker, timeoutMs, children, log);
      await healthWorker.close(timedOut);
      // Only now: while its jobs finished, the alive key told other workers they were not lost.
      await stopLostAttempts();
      subscriber.disconnect();
      connection.disconnect();
      healthConnection.disconnect();
    },
  };
}

type Redis = ReturnType<typeof createRedis>;

/**
 * Runs a job in a fresh trainer process, counting started and crashed trainers (cluster-wide,
 * read by the API's /metrics); a crash also sweeps the staging folders it may have left.
 */
function trainerRunner(
  config: Config,
  connection: Redis,
  prefix: string,
  log: Logger,
  trainer: Omit<TrainerProcessOptions, 'onExit'>,
): (job: Job, signal: AbortSignal | undefined) => Promise<unknown> {
  const stats = trainerStatsKey(prefix);
  const count = (field: 'started' | 'crashed'): void =>
    void connection.hincrby(stats, field, 1).catch(() => undefined);
  const onExit = (crashed: boolean): void => {
    if (!crashed) return;
    count('crashed');
    // A trainer killed mid-save leaves its staging folder behind; nobody else would remove it
    // before this machine's next start.
    sweepLocalStaging(config).catch((err: unknown) => log.warn({ err }, 'could not sweep staging debris'));
  };
  return (job, signal) => {
    count('started');
    return runInFreshProcess(job, signal, { ...trainer, onExit });
  };
}

/** Logs the worker's errors and its jobs' failures, completions and stalls. */
function logJobEvents(worker: Worker, log: Logger): void {
  worker.on('error', (err) => log.error({ err }, 'worker error'));
  worker.on('failed', (job, err) =>
    log.warn({ jobId: job?.id, name: job?.name, attempt: job?.attemptsMade, err: err.message }, 'job failed'),
  );
  worker.on('completed', (job) => log.info({ jobId: job.id, name: job.name }, 'job completed'));
  worker.on('stalled', (jobId) => log.warn({ jobId }, 'job stalled; it will be retried'));
}

/** Cancels a running job when its cancel message arrives, or when it was cancelled before this worker took it. */
function listenForCancels(
  worker: Worker,
  connection: Redis,
  subscriber: Redis,
  prefix: string,
  log: Logger,
): void {
  // A job cancelled just as this worker took it: the cancel message may have come first.
  worker.on('active', (job) => {
    void connection
      .hexists(cancelledKey(prefix), job.id!)
      .then((cancelled) => {
        if (cancelled && worker.cancelJob(job.id!, 'cancelled by request'))
          log.info({ jobId: job.id }, 'cancelling job taken after its cancellation');
      })
      .catch(() => undefined);
  });

  const channel = cancelChannel(prefix);
  void subscriber
    .subscribe(channel)
    .catch((err: unknown) => log.error({ err }, 'cancel subscription failed'));
  subscriber.on('message', (ch: string, jobId: string) => {
    if (ch === channel && worker.cancelJob(jobId, 'cancelled by request')) {
      log.info({ jobId }, 'cancelling running job');
    }
  });
}

/**
 * Liveness for a process without a port: WORKER_HEARTBEAT_FILE, rewritten only while the event
 * loop turns and Redis answers, so a hung or disconnected worker's file goes stale. Returns the
 * function that stops it.
 */
function startHeartbeat(config: Config, connection: Redis, log: Logger): () => void {
  const heartbeatFile = config.WORKER_HEARTBEAT_FILE;
  const beat = async (): Promise<void> => {
    if (!heartbeatFile) return;
    const redisAnswers = await connection.ping().then(
      () => true,
      () => false,
    );
    if (!redisAnswers) return;
    await writeFile(heartbeatFile, `${new Date().toISOString()}\n`).catch((err: unknown) =>
      log.warn({ err, heartbeatFile }, 'could not write the heartbeat file'),
    );
  };
  const heartbeat = heartbeatFile ? setInterval(() => void beat(), config.WORKER_HEARTBEAT_MS) : undefined;
  heartbeat?.unref();
  void beat();
  return () => {
    if (heartbeat) clearInterval(heartbeat);
  };
}

/**
 * Closes the worker, letting running jobs finish for up to `timeoutMs`; past that, forces it
 * closed and kills their trainer processes (the jobs will be retried). Whether it timed out.
 */
async function closeWithin(
  worker: Worker,
  timeoutMs: number,
  children: Set<ChildProcess>,
  log: Logger,
): Promise<boolean> {
  const graceful = worker.close();
  const timedOut = await Promise.race([
    graceful.then(() => false),
    new Promise<boolean>((r) => setTimeout(() => r(true), timeoutMs).unref()),
  ]);
  if (timedOut) {
    log.warn(
      { timeoutMs },
      'running jobs did not finish in time; forcing worker close (they will be retried)',
    );
    await worker.close(true);
    for (const child of children) child.kill('SIGKILL');
  }
  return timedOut;
}

/**
 * Starts `worker` once its alive key is set, then records attempts lost with other workers at
 * once and every `ttlMs` (lost-attempts.ts). The returned function, called once the worker has
 * closed, stops both and deletes the alive key.
 */
function watchLostAttempts(
  worker: Worker,
  redis: ReturnType<typeof createRedis>,
  prefix: string,
  log: Logger,
  ttlMs: number,
): () => Promise<void> {
  const queue = new Queue(TRAINING_QUEUE, { connection: redis, prefix });
  const alive = keepAlive({ redis, prefix, workerId: worker.id, ttlMs });
  const sweep = () =>
    void recoverLostAttempts(queue, redis, prefix, log).catch((err: unknown) =>
      log.warn({ err }, 'could not look for lost attempts'),
    );
  const timer = setInterval(sweep, ttlMs);
  timer.unref();
  void alive.ready.then(() => {
    if (worker.closing) return;
    sweep();
    worker.run().catch((err: unknown) => log.error({ err }, 'worker stopped'));
  });
  return async () => {
    clearInterval(timer);
    await alive.stop();
    await queue.close();
  };
}

/**
 * Runs the probe (one tiny training step) in a trainer process, as every job will run, before a
 * worker takes jobs: a worker whose trainer cannot load its backend, or that must have a GPU
 * (REQUIRE_GPU) and got none, fails at start instead of failing or crawling through jobs.
 */
export async function checkTrainer(
  config: Config,
  parentEnv: Readonly<Record<string, string | undefined>>,
  prefix = config.QUEUE_PREFIX,
): Promise<ProbeResult> {
  const env = { ...parentEnv, ...configToEnv(config), QUEUE_PREFIX: prefix };
  const job = {
    id: 'startup-probe',
    name: 'probe',
    data: {},
    attemptsMade: 0,
    opts: { attempts: 1 },
    updateProgress: async () => undefined,
  };
  const result = (await runInFreshProcess(job as never, undefined, { env })) as ProbeResult;
  if (config.REQUIRE_GPU && !result.gpu) {
    throw new Error(
      `REQUIRE_GPU is set, but the trainer runs on '${result.backend}' without a GPU: ` +
        '@tensorflow/tfjs-node-gpu did not load (is it installed, and is the NVIDIA runtime available?)',
    );
  }
  return result;
}
