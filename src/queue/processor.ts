import type { SandboxedJob } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import { loadConfig } from '../config/env.js';
import { classifyFailure } from '../jobs/retry-policy.js';
import { runTrainingJob } from '../jobs/run-training-job.js';
import { runAdvisorJob } from '../advisor/run-advisor-job.js';
import { runBatchInProcess } from '../batch/batch-process.js';
import { runAuditJob } from '../audits/run-audit-job.js';
import { createLogger } from '../lib/logger.js';
import { probeTraining, selectBackend } from '../ml/index.js';
import { openStore } from './open-store.js';
import { projectOf } from '../contracts/project.js';
import type { JobName, JobPayloads, JobResults } from './queues.js';

/**
 * The job handlers of the trainer child process (see trainer-child.ts): one per job name;
 * `signal` aborts when the job is cancelled through `Worker.cancelJob`. The process runs one job
 * and exits, so configuration, logger and TF.js backend are set up per job.
 */

type Handler<N extends JobName> = (
  job: SandboxedJob<JobPayloads[N], JobResults[N]>,
  signal: AbortSignal | undefined,
) => Promise<JobResults[N]>;

// If the worker process dies, this child must not train on and save a model nobody will
// record: BullMQ will run the job again elsewhere once its lock expires.
process.on('disconnect', () => process.exit(1));

// The child's one configuration parse (its environment is the worker's; see worker.ts).
const config = loadConfig(process.env);
const logger = createLogger(config.LOG_LEVEL).child({ component: 'trainer' });
const backendOnce = () => selectBackend(config.TFJS_BACKEND, { wasmThreads: config.WASM_THREADS });

const handlers: { [N in JobName]: Handler<N> } = {
  async probe() {
    const backend = await backendOnce();
    const r = await probeTraining();
    return { pid: process.pid, backend: backend.name, gpu: backend.gpu, ...r };
  },

  async train(job, signal) {
    const backend = await backendOnce();
    const log = logger.child({ jobId: job.id, backend: backend.name, threads: backend.threads });
    log.info({ attempt: job.attemptsMade + 1 }, 'training started');
    return onStore(job.data, (store) =>
      runTrainingJob({
        store,
        jobId: job.id!,
        payload: job.data,
        backend: backend.name,
        ...(config.TRAIN_MEMORY_BUDGET_BYTES ? { memoryBudgetBytes: config.TRAIN_MEMORY_BUDGET_BYTES } : {}),
        evaluationMaxCost: config.EVALUATION_MAX_COST,
        ...(signal ? { signal } : {}),
        report: (p) => job.updateProgress(p as never),
        log,
      }),
    );
  },

  async advise(job, signal) {
    const backend = await backendOnce();
    const log = logger.child({ jobId: job.id, backend: backend.name, threads: backend.threads });
    log.info({ candidates: job.data.candidates.length }, 'advisor run started');
    return onStore(job.data, (store) =>
      runAdvisorJob({
        store,
        payload: job.data,
        backend: backend.name,
        ...(signal ? { signal } : {}),
        report: (p) => job.updateProgress(p as never),
        log,
      }),
    );
  },

  async batch(job, signal) {
    const backend = await backendOnce();
    const log = logger.child({ jobId: job.id, backend: backend.name, threads: backend.threads });
    log.info({ attempt: job.attemptsMade + 1, input: job.data.input.kind }, 'batch prediction started');
    return onStore(job.data, (store) =>
      runBatchInProcess({
        config,
        store,
        backend,
        payload: job.data,
        ...(signal ? { signal } : {}),
        report: (p) => job.updateProgress(p as never),
        log,
      }),
    );
  },

  async audit(job, signal) {
    const backend = await backendOnce();
    const log = logger.child({ jobId: job.id, backend: backend.name, threads: backend.threads });
    log.info({ datasetId: job.data.datasetId }, 'audit started');
    return onStore(job.data, (store) =>
      runAuditJob({
        store,
        payload: job.data,
        backend: backend.name,
        ...(signal ? { signal } : {}),
        report: (p) => job.updateProgress(p as never),
        log,
      }),
    );
  },
};

/**
 * Runs a job against its project's store, opened for it and closed after it, whatever the outcome; what the
 * retry policy does not retry fails as an UnrecoverableError.
 */
function onStore<T>(
  data: unknown,
  run: (store: ReturnType<typeof openStore>['store']) => Promise<T>,
): Promise<T> {
  const storage = openStore(config, undefined, projectOf(data));
  return run(storage.store)
    .catch((err: unknown) => {
      throw unrecoverable(err);
    })
    .finally(() => storage.close());
}

/** What the retry policy (jobs/retry-policy.ts) does not retry is, to BullMQ, an UnrecoverableError. */
function unrecoverable(err: unknown): unknown {
  const verdict = classifyFailure(err);
  return verdict.retry ? err : new UnrecoverableError(verdict.message);
}

export default async function processJob(
  job: SandboxedJob,
  _token?: string,
  signal?: AbortSignal,
): Promise<unknown> {
  const handler = handlers[job.name as JobName] as Handler<JobName> | undefined;
  if (!handler) throw new UnrecoverableError(`unknown job type '${job.name}'`);
  return handler(job as SandboxedJob<JobPayloads[JobName], JobResults[JobName]>, signal);
}
