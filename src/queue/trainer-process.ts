import type { ChildProcess } from 'node:child_process';
import { UnrecoverableError, type Job } from 'bullmq';
import { TrainerCrashError, classifyFailure } from '../jobs/retry-policy.js';
import { forkModule, siblingModule } from '../lib/source-module.js';

/**
 * Every job runs in a fresh child process, started for it and ended after it, whatever the
 * outcome. A job that corrupts its process (a wasm abort leaves the module's heap unusable, a
 * native crash, a leak, an out-of-memory) can therefore never harm the next one. BullMQ's
 * sandbox reuses its children across jobs, including after a failure, so it is not used.
 * Start-up costs about a second (see README), small against any training job.
 *
 * Protocol (IPC, JSON): parent -> child `start` (the job) and `cancel`; child -> parent
 * `progress`, `completed` or `failed` (with whether a retry could help), then the child exits.
 * A child that exits without an answer crashed: that failure is retried like a lost worker.
 */

export interface ChildJob {
  id: string;
  name: string;
  data: unknown;
  attemptsMade: number;
  maxAttempts: number;
}

export type ToChild = { cmd: 'start'; job: ChildJob } | { cmd: 'cancel'; reason: string };

export type FromChild =
  | { cmd: 'progress'; value: unknown }
  | { cmd: 'completed'; value: unknown }
  | { cmd: 'failed'; message: string; unrecoverable: boolean };

export interface TrainerProcessOptions {
  env: Record<string, string | undefined>;
  /** Most milliseconds a child may take to exit after answering (or after a cancel) before SIGKILL. */
  exitGraceMs?: number;
  /** The caller's live children: each is added while it runs, so a forced shutdown can end them. */
  children?: Set<ChildProcess>;
  /** Told once per child when it ends: `crashed` when it exited without answering (not cancelled). */
  onExit?: (crashed: boolean) => void;
  /**
   * The child's module, trainer-child by default. Another entry speaks the same protocol
   * through one-job-child.ts (the tests' children add fault injection this way, so no test hook
   * lives in the service).
   */
  entry?: URL;
}

/** The child's module: trainer-child.ts from sources, .js after a build (see lib/source-module.ts). */
const childEntry = siblingModule(import.meta.url, 'trainer-child');

/** Runs one job in a fresh child process and resolves with its result. */
export function runInFreshProcess(
  job: Pick<Job, 'id' | 'name' | 'data' | 'attemptsMade' | 'opts' | 'updateProgress'>,
  signal: AbortSignal | undefined,
  opts: TrainerProcessOptions,
): Promise<unknown> {
  const grace = opts.exitGraceMs ?? 10_000;
  const child = forkModule(opts.entry ?? childEntry, {
    env: opts.env,
    stdio: 'inherit',
    serialization: 'json',
  });
  const live = opts.children ?? new Set<ChildProcess>();
  live.add(child);
  let answered = false;
  let killTimer: NodeJS.Timeout | undefined;
  const killLater = () => {
    killTimer ??= setTimeout(() => child.kill('SIGKILL'), grace);
    killTimer.unref();
  };
  const send = (msg: ToChild) => {
    if (child.connected) child.send(msg, () => undefined);
  };

  return new Promise<unknown>((resolve, reject) => {
    const onAbort = () => {
      send({ cmd: 'cancel', reason: String(signal?.reason ?? 'cancelled') });
      killLater();
    };
    child.on('message', (msg: FromChild) => {
      switch (msg.cmd) {
        case 'progress':
          void job.updateProgress(msg.value as object).catch(() => undefined);
          break;
        case 'completed':
          answered = true;
          resolve(msg.value);
          killLater();
          break;
        case 'failed':
          answered = true;
          reject(msg.unrecoverable ? new UnrecoverableError(msg.message) : new Error(msg.message));
          killLater();
          break;
      }
    });
    child.once('error', (err) => {
      if (answered) return;
      answered = true;
      reject(new Error(`the trainer process could not be started: ${err.message}`));
    });
    child.once('exit', (code, sig) => {
      live.delete(child);
      if (killTimer) clearTimeout(killTimer);
      signal?.removeEventListener('abort', onAbort);
      const crashed = !answered && !signal?.aborted;
      opts.onExit?.(crashed);
      if (answered) return;
      answered = true;
      if (signal?.aborted) {
        reject(new UnrecoverableError('cancelled by request'));
        return;
      }
      // A crash (native abort, out-of-memory kill): the retry policy says whether to retry.
      const crash = new TrainerCrashError({ signal: sig, code });
      const verdict = classifyFailure(crash);
      reject(verdict.retry ? crash : new UnrecoverableError(verdict.message));
    });
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    send({
      cmd: 'start',
      job: {
        id: job.id!,
        name: job.name,
        data: job.data,
        attemptsMade: job.attemptsMade,
        maxAttempts: job.opts.attempts ?? 1,
      },
    });
  });
}
