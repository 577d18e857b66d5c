import type { SandboxedJob } from 'bullmq';
import type { FromChild, ToChild } from './trainer-process.js';

/** What runs a job in a trainer child: the job handlers (processor.ts). */
export type ProcessJob = (
  job: SandboxedJob,
  token: string | undefined,
  signal: AbortSignal,
) => Promise<unknown>;

/**
 * The child's side of the trainer-process protocol (see trainer-process.ts): waits for one
 * `start`, runs the job through `processJob`, answers, and exits, so nothing a job does to this
 * process outlives it. A `cancel` aborts the job's signal.
 */
export function serveOneJob(processJob: ProcessJob): void {
  const send = (msg: FromChild): Promise<void> =>
    new Promise((resolve) => {
      if (!process.connected) return resolve();
      process.send?.(msg, undefined, {}, () => resolve());
    });

  const controller = new AbortController();
  let started = false;

  process.on('message', (msg: ToChild) => {
    if (msg.cmd === 'cancel') {
      controller.abort(msg.reason);
      return;
    }
    if (msg.cmd !== 'start' || started) return;
    started = true;
    const { job: j } = msg;
    const job = {
      id: j.id,
      name: j.name,
      data: j.data,
      attemptsMade: j.attemptsMade,
      opts: { attempts: j.maxAttempts },
      async updateProgress(value: unknown) {
        await send({ cmd: 'progress', value });
      },
    } as unknown as SandboxedJob;
    void processJob(job, undefined, controller.signal).then(
      async (value) => {
        await send({ cmd: 'completed', value: value ?? null });
        process.exit(0);
      },
      async (err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err));
        await send({ cmd: 'failed', message: e.message, unrecoverable: e.name === 'UnrecoverableError' });
        process.exit(0);
      },
    );
  });
}
