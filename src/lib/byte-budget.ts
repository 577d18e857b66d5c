import type { Transform } from 'node:stream';
import { ByteCounter } from './byte-counter.js';
import { PayloadTooLargeError } from './errors.js';

/**
 * One size limit shared by every file of a registration (model.json and all shards, however
 * they arrive), enforced while bytes stream, so an oversized or endless source is cut off as
 * soon as it crosses the limit instead of after it has filled the disk.
 */
export class ByteBudget {
  private used = 0;

  constructor(
    readonly limit: number,
    private readonly what = 'the base model',
  ) {}

  get spent(): number {
    return this.used;
  }

  get remaining(): number {
    return this.limit - this.used;
  }

  tooLarge(detail?: string): PayloadTooLargeError {
    return new PayloadTooLargeError(
      `${this.what} is larger than the limit of ${this.limit} bytes (MAX_BASE_MODEL_BYTES)` +
        (detail ? `: ${detail}` : ''),
    );
  }

  take(n: number, detail?: string): void {
    this.used += n;
    if (this.used > this.limit) throw this.tooLarge(detail);
  }

  /** A pass-through stream that fails with 413 once the budget is spent. */
  meter(detail?: string): Transform {
    return new ByteCounter((n) => {
      this.used += n;
      return this.used > this.limit ? this.tooLarge(detail) : undefined;
    });
  }
}
