import { UnrecoverableError, type SandboxedJob } from 'bullmq';
import { loadConfig } from '../../src/config/env.js';
import { classifyFailure, jobFailure } from '../../src/jobs/retry-policy.js';
import { selectBackend } from '../../src/ml/backend.js';
import { serveOneJob } from '../../src/queue/one-job-child.js';
import processJob from '../../src/queue/processor.js';
import { exhaustMemory } from './exhaust-memory.js';

/**
 * The trainer child of tests (see `startWorker` in helpers/app.ts): the service's own job
 * handlers, plus what only tests need, so none of it ships in the service.
 *
 * - `echo` jobs `{ message, delayMs? }` answer `{ echo, pid }` after `delayMs` (cancellable):
 *   the queue -> worker -> child process -> result round trip without any training.
 * - `TEST_TRAINER_FAULT` = `wasm-abort`, `exit` or `signal`, optionally `:<modelName>` (then only
 *   train jobs whose spec has that modelName): breaks this process the way a real job can before
 *   a train or probe job runs, so tests prove that the next job still runs in a sound one.
 */

const config = loadConfig(process.env);
const [fault, target] = (process.env['TEST_TRAINER_FAULT'] ?? '').split(':');

async function echo(job: SandboxedJob, signal: AbortSignal): Promise<unknown> {
  const data = job.data as { message: string; delayMs?: number };
  const delay = data.delayMs ?? 0;
  if (delay > 0) {
    await job.updateProgress({ phase: 'sleeping' });
    await new Promise<void>((resolve, reject) => {
      // The cancel may have come while this process was starting.
      if (signal.aborted) return reject(new UnrecoverableError('cancelled'));
      const t = setTimeout(resolve, delay);
      signal.addEventListener('abort', () => {
        clearTimeout(t);
        reject(new UnrecoverableError('cancelled'));
      });
    });
  }
  return { echo: data.message, pid: process.pid };
}

/** Breaks this process before a train or probe job, as the fault says; a wasm abort fails the job as a real one does. */
async function injectFault(job: SandboxedJob): Promise<void> {
  if (!fault || !['train', 'probe'].includes(job.name)) return;
  const modelName = (job.data as { spec?: { modelName?: string } }).spec?.modelName;
  if (target !== undefined && target !== modelName) return;
  if (fault === 'exit') process.exit(70);
  if (fault === 'signal') process.kill(process.pid, 'SIGKILL');
  if (fault !== 'wasm-abort') throw new Error(`unknown TEST_TRAINER_FAULT '${fault}'`);
  const backend = await selectBackend(config.TFJS_BACKEND);
  try {
    exhaustMemory();
  } catch (err) {
    const failure = jobFailure(err, backend.name);
    const verdict = classifyFailure(failure);
    throw verdict.retry ? failure : new UnrecoverableError(verdict.message);
  }
}

serveOneJob(async (job, token, signal) => {
  if (job.name === 'echo') return echo(job, signal);
  await injectFault(job);
  return processJob(job, token, signal);
});
