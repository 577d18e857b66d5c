import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * The one byte counter: a pass-through stream that counts (and hashes) what flows through it.
 * `check` sees each chunk's size and may return an error to stop the stream, which is how
 * upload, archive and base-model size limits are enforced while bytes stream.
 */
export class ByteCounter extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');

  constructor(private readonly check: (n: number) => Error | undefined = () => undefined) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    const stop = this.check(chunk.length);
    if (stop) return done(stop);
    this.hash.update(chunk);
    done(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}
