/**
 * Failures that mean the object store cannot be reached or is failing on its side (connection
 * refused or reset, a timeout, a 5xx answer), as opposed to a request it refused. Recognised by
 * the AWS SDK's `$metadata`, which every error out of a client call carries, so a network error
 * of anything else (a URL download) is never taken for one. The HTTP layer answers these 503.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

interface SdkError extends Error {
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

export function isStoreUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const x = e as SdkError;
    if (x.$metadata === undefined) continue;
    const status = x.$metadata.httpStatusCode;
    if (status !== undefined && status >= 500) return true;
    if (x.code !== undefined && NETWORK_CODES.has(x.code)) return true;
    if (x.name === 'TimeoutError' || x.name === 'RequestTimeout' || /socket hang up/i.test(x.message))
      return true;
  }
  return false;
}
