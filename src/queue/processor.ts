import type { SandboxedJob } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import type { JobName, JobPayloads, JobResults } from './queues.js';

/**
 * Entry point of the sandboxed child process (see worker.ts). One handler per job name;
 * `signal` aborts when the job is cancelled through `Worker.cancelJob`.
 */

type Handler<N extends JobName> = (
  job: SandboxedJob<JobPayloads[N], JobResults[N]>,
  signal: AbortSignal | undefined,
) => Promise<JobResults[N]>;

const handlers: { [N in JobName]: Handler<N> } = {
  async echo(job, signal) {
    const delay = job.data.delayMs ?? 0;
    if (delay > 0) {
      await job.updateProgress({ phase: 'sleeping' });
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, delay);
        signal?.addEventListener('abort', () => {
          clearTimeout(t);
          reject(new UnrecoverableError('cancelled'));
        });
      });
    }
    return { echo: job.data.message, pid: process.pid };
  },
};

export default async function processJob(
  job: SandboxedJob,
  _token?: string,
  signal?: AbortSignal,
): Promise<unknown> {
  const handler = handlers[job.name as JobName] as Handler<JobName> | undefined;
  if (!handler) throw new UnrecoverableError(`unknown job type '${job.name}'`);
  return handler(job as SandboxedJob<JobPayloads[JobName], JobResults[JobName]>, signal);
}
