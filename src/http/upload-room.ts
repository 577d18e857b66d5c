import type { FastifyRequest } from 'fastify';
import { InsufficientStorageError } from '../lib/errors.js';
import { NO_SPACE_ADVICE, diskSpace } from '../storage/free-space.js';

/**
 * Uploads stage on DATA_DIR before they are stored (on file:// and s3:// alike). A request whose
 * Content-Length is larger than the room left there is refused before its body is read: 507,
 * with the bytes needed and free. A body of unknown length (chunked) is read, and a volume that
 * fills up on the way is the service's 507 (src/storage/free-space.ts).
 */

/** The request's declared size in bytes, when it declares one. */
export function declaredBytes(request: FastifyRequest): number | undefined {
  const n = Number(request.headers['content-length']);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** An onRequest hook: refuses an upload of `what` that cannot fit on `dataDir`. */
export function refuseWithoutRoom(what: string, dataDir: string) {
  return async (request: FastifyRequest): Promise<void> => {
    const needed = declaredBytes(request);
    if (needed === undefined) return;
    const free = await diskSpace(dataDir).then(
      (s) => s.freeBytes,
      () => undefined,
    );
    if (free === undefined || needed <= free) return;
    throw new InsufficientStorageError(
      `${what} could not be stored: it is ${needed} bytes and DATA_DIR has ${free} bytes free; ${NO_SPACE_ADVICE}`,
      { extra: { bytesNeeded: needed, bytesFree: free } },
    );
  };
}
