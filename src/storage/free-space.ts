import { statfs } from 'node:fs/promises';
import { InsufficientStorageError } from '../lib/errors.js';

/**
 * Running out of room, in one place: how much a volume has free, which failures mean "no space"
 * (a full disk, a quota, an object store that says so), and the one error they all become
 * (InsufficientStorageError: 507 on HTTP, a failed job without retry in the queue).
 */

export interface DiskSpace {
  /** Bytes an unprivileged writer may still use (statfs `bavail`). */
  freeBytes: number;
  totalBytes: number;
  /** Bytes in use (blocks less the free ones, reserved included). */
  usedBytes: number;
}

/** Free, total and used bytes of the volume that holds `dir`. */
export async function diskSpace(dir: string): Promise<DiskSpace> {
  const s = await statfs(dir);
  const block = Number(s.bsize);
  const total = Number(s.blocks) * block;
  return {
    freeBytes: Number(s.bavail) * block,
    totalBytes: total,
    usedBytes: total - Number(s.bfree) * block,
  };
}

/** Errno codes of a full volume (ENOSPC) and of a user's quota (EDQUOT). */
const FS_CODES = new Set(['ENOSPC', 'EDQUOT']);

/**
 * Error codes S3-compatible servers answer when they have no room or a quota is reached: MinIO
 * (`XMinioStorageFull`, 507; bucket quotas), Ceph RGW (`QuotaExceeded`), and the plain 507 of
 * WebDAV's Insufficient Storage that other gateways use. s3rver, the tests' server, answers a
 * full disk with a generic `InternalError`, which cannot be told from other failures: that one
 * stays an outage, not a 507.
 */
const S3_CODES = new Set([
  'XMinioStorageFull',
  'XMinioAdminBucketQuotaExceeded',
  'QuotaExceeded',
  'InsufficientStorage',
  'StorageFull',
]);

/** True when `err`, or an error it was caused by, means the store has no room. */
export function isNoSpace(err: unknown): boolean {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 6; depth++) {
    if (e instanceof InsufficientStorageError) return true;
    const { code, name, $metadata } = e as {
      code?: unknown;
      name?: unknown;
      $metadata?: { httpStatusCode?: number };
    };
    if (typeof code === 'string' && (FS_CODES.has(code) || S3_CODES.has(code))) return true;
    if (typeof name === 'string' && S3_CODES.has(name)) return true;
    if ($metadata?.httpStatusCode === 507) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** What a user can do about it, said the same way everywhere. */
export const NO_SPACE_ADVICE =
  'free space (delete datasets, base models or models you no longer need) or give DATA_DIR ' +
  '(or the bucket) more room, then try again';

/**
 * The 507 error for `what` (e.g. "the dataset upload"), with the bytes free on `dir` now (after
 * the failed write cleaned up) and the bytes needed when known.
 */
export async function noSpaceError(
  what: string,
  dir: string,
  opts: { bytesNeeded?: number | undefined; cause?: unknown } = {},
): Promise<InsufficientStorageError> {
  const free = await diskSpace(dir).then(
    (s) => s.freeBytes,
    () => undefined,
  );
  const needed = opts.bytesNeeded !== undefined && opts.bytesNeeded > 0 ? opts.bytesNeeded : undefined;
  const s3 = opts.cause !== undefined && !hasFsCode(opts.cause);
  const where = s3 ? 'the object store has no room for it' : 'the volume of DATA_DIR is full';
  const counts = [
    ...(needed !== undefined ? [`${needed} bytes needed`] : []),
    ...(free !== undefined ? [`${free} bytes free on DATA_DIR`] : []),
  ];
  return new InsufficientStorageError(
    `${what} could not be stored: ${where}` +
      (counts.length ? ` (${counts.join(', ')})` : '') +
      `; ${NO_SPACE_ADVICE}`,
    {
      extra: {
        ...(free !== undefined ? { bytesFree: free } : {}),
        ...(needed !== undefined ? { bytesNeeded: needed } : {}),
      },
      ...(opts.cause !== undefined ? { cause: opts.cause } : {}),
    },
  );
}

function hasFsCode(err: unknown): boolean {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 6; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && FS_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Runs a write; a failure for want of room becomes the 507 error naming `what` (an
 * InsufficientStorageError from deeper down, which already names its entry, passes through).
 * The write itself must clean up what it started (staging folders, uploaded objects).
 */
export async function storing<T>(
  what: string,
  dir: string,
  write: () => Promise<T>,
  opts: { bytesNeeded?: number | undefined } = {},
): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof InsufficientStorageError) throw err;
    if (isNoSpace(err)) throw await noSpaceError(what, dir, { ...opts, cause: err });
    throw err;
  }
}
