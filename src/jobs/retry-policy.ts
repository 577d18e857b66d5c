import { InsufficientStorageError, isRequestError } from '../lib/errors.js';
import { CancelledError } from '../lib/cancellation.js';
import { engineFailure } from '../lib/engine-errors.js';
import { NO_SPACE_ADVICE, isNoSpace } from '../storage/free-space.js';

/**
 * The one place that decides which job failures are retried, by the class of the failure. A
 * retry helps only where the next attempt may meet different conditions:
 *
 * | class          | what                                                           | retried |
 * |----------------|----------------------------------------------------------------|---------|
 * | crash          | the trainer process ended without answering: a signal (the     | yes     |
 * |                | kernel's OOM killer, kill -9), a native or wasm abort that took |         |
 * |                | the process down, an exit                                       |         |
 * | transient      | anything unclassified: a store or Redis that did not answer     | yes     |
 * | cancelled      | the user cancelled it                                          | no      |
 * | bad-input      | the spec, dataset or base is unusable, or the data contradicts  | no      |
 * |                | the spec (a request error, or PermanentJobError)                |         |
 * | no-space       | the store is full or over quota (ENOSPC, EDQUOT, S3 codes)      | no      |
 * | engine-memory  | the engine reported running out of memory for this spec in a   | no      |
 * |                | sound process (its heap limit, not the machine's): the same     |         |
 * |                | spec would fail the same way                                    |         |
 *
 * Queue code turns a `retry: false` verdict into BullMQ's UnrecoverableError (src/queue/
 * processor.ts in the trainer child, src/queue/trainer-process.ts for crashes); nothing else
 * in the codebase decides it.
 */

export type FailureClass = 'crash' | 'transient' | 'cancelled' | 'bad-input' | 'no-space' | 'engine-memory';

export interface FailureVerdict {
  kind: FailureClass;
  retry: boolean;
  /** What the job view shows: in words a user can act on, never an engine's raw text. */
  message: string;
}

/**
 * A job that would fail the same way on every attempt; `kind` says why (bad input by default).
 * The queue records it as failed without retrying.
 */
export class PermanentJobError extends Error {
  constructor(
    message: string,
    readonly kind: Exclude<FailureClass, 'crash' | 'transient'> = 'bad-input',
  ) {
    super(message);
    this.name = 'PermanentJobError';
  }
}

/** The trainer process ended without answering for its job (see src/queue/trainer-process.ts). */
export class TrainerCrashError extends Error {
  constructor(exit: { signal?: string | null; code?: number | null }) {
    super(
      `the trainer process stopped without finishing the job (${
        exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code ?? 'unknown'}`
      })`,
    );
    this.name = 'TrainerCrashError';
  }
}

const RETRIED: Record<FailureClass, boolean> = {
  crash: true,
  transient: true,
  cancelled: false,
  'bad-input': false,
  'no-space': false,
  'engine-memory': false,
};

/** The class of a job failure, whether it is retried, and the message the job records. */
export function classifyFailure(err: unknown, backend = 'current'): FailureVerdict {
  const verdict = (kind: FailureClass, message: string): FailureVerdict => ({
    kind,
    retry: RETRIED[kind],
    message,
  });
  if (err instanceof PermanentJobError) return verdict(err.kind, err.message);
  if (err instanceof TrainerCrashError) return verdict('crash', err.message);
  if (err instanceof CancelledError) return verdict('cancelled', 'cancelled by request');
  if (err instanceof InsufficientStorageError) return verdict('no-space', err.message);
  if (isNoSpace(err)) {
    return verdict(
      'no-space',
      `the job could not write its results: the store (DATA_DIR, or the bucket) is full; ${NO_SPACE_ADVICE}`,
    );
  }
  if (isRequestError(err)) return verdict('bad-input', err.message);
  const engine = engineFailure(err, backend);
  if (engine) return verdict('engine-memory', engine.message);
  return verdict('transient', err instanceof Error ? err.message : String(err));
}

/**
 * The error a failed job is recorded with: a PermanentJobError (not retried) for every class the
 * policy does not retry, with a message a user can act on (engine messages such as `Aborted()`
 * never reach the job view); the error itself otherwise.
 */
export function jobFailure(err: unknown, backend: string): Error {
  const v = classifyFailure(err, backend);
  if (v.retry) return err instanceof Error ? err : new Error(String(err));
  if (err instanceof PermanentJobError) return err;
  return new PermanentJobError(v.message, v.kind as PermanentJobError['kind']);
}
