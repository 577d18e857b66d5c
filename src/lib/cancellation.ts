/**
 * Thrown by long work when its AbortSignal fires: the trainer checks before every batch, the
 * probes and feature extraction of advisor and audit jobs likewise. By then everything the work
 * allocated is disposed (the trainer's includes the base model it was given). Here, not in
 * src/ml/, so the queue's retry policy can tell a cancellation without loading TF.js.
 */
export class CancelledError extends Error {
  constructor(message = 'training cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}
