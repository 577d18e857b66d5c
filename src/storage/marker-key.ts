import { NotFoundError } from '../lib/errors.js';

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/**
 * A marker key (`model-versions/<name>/<n>`) as a relative path, each segment checked so no key
 * can leave the markers' area; the first segment gets a leading dot (`.model-versions/...`),
 * which keeps markers apart from the collections and matches the folder older releases used.
 */
export function markerPath(key: string): string {
  const parts = key.split('/');
  if (parts.length === 0 || !parts.every((p) => SEGMENT.test(p))) {
    throw new NotFoundError(`'${key}' is not a valid marker key`);
  }
  return ['.' + parts[0], ...parts.slice(1)].join('/');
}
