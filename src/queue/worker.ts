import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'bullmq';
import type { Logger } from 'pino';
import { configToEnv, type Config } from '../config/env.js';
import { createRedis } from './redis.js';
import { TRAINING_QUEUE, cancelChannel, cancelledKey } from './queues.js';

export interface WorkerHandle {
  worker: Worker;
  /** Stops taking jobs, waits up to `timeoutMs` for running ones, then closes connections. */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * The processor runs in a child process (BullMQ sandbox): `model.fit` blocks its own event
 * loop for seconds at a time, and here that never delays lock renewal, progress events or HTTP.
 * Child processes (not worker_threads) because tfjs-node crashes when loaded in several threads
 * (tensorflow/tfjs#8388) and GPU memory is only returned when a process exits.
 */
export function processorFile(): { file: string; execArgv: string[] } {
  const self = fileURLToPath(import.meta.url);
  const isTs = self.endsWith('.ts');
  const file = fileURLToPath(new URL(isTs ? './processor.ts' : './processor.js', import.meta.url));
  if (!isTs) return { file, execArgv: [] };
  // Running from source (tsx, vitest): the child needs the same TypeScript loader.
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return { file, execArgv: ['--import', tsxLoader] };
}

/**
 * `parentEnv` is the environment the trainer children inherit (the entry point hands over its
 * own); the parsed config is laid over it, so each child parses the same configuration.
 */
export function startWorker(
  config: Config,
  logger: Logger,
  prefix: string,
  parentEnv: Readonly<Record<string, string | undefined>>,
): WorkerHandle {
  const connection = createRedis(config.REDIS_URL, 'blocking');
  const subscriber = createRedis(config.REDIS_URL, 'blocking');
  const { file, execArgv } = processorFile();
  const log = logger.child({ component: 'worker' });

  const worker = new Worker(TRAINING_QUEUE, file, {
    connection,
    prefix,
    concurrency: config.WORKER_CONCURRENCY,
    lockDuration: config.JOB_LOCK_MS,
    // Look for jobs whose worker died at least once per lock period, so they are retried soon.
    stalledInterval: Math.min(30_000, config.JOB_LOCK_MS),
    useWorkerThreads: false,
    workerForkOptions: { execArgv, env: { ...parentEnv, ...configToEnv(config), QUEUE_PREFIX: prefix } },
  });

  worker.on('error', (err) => log.error({ err }, 'worker error'));
  worker.on('failed', (job, err) =>
    log.warn({ jobId: job?.id, name: job?.name, attempt: job?.attemptsMade, err: err.message }, 'job failed'),
  );
  worker.on('completed', (job) => log.info({ jobId: job.id, name: job.name }, 'job completed'));
  worker.on('stalled', (jobId) => log.warn({ jobId }, 'job stalled; it will be retried'));

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

  log.info({ concurrency: config.WORKER_CONCURRENCY, prefix }, 'worker started');

  return {
    worker,
    async close(timeoutMs = config.SHUTDOWN_TIMEOUT_MS) {
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
      }
      subscriber.disconnect();
      connection.disconnect();
    },
  };
}
