/**
 * Thrown by the trainer when its AbortSignal fires (checked before every batch). By then
 * everything the trainer allocated is disposed, including the base model it was given.
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
