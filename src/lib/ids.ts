import { createHash, randomBytes } from 'node:crypto';
import { ID_PATTERN } from '../contracts/id-pattern.js';
import { ValidationError } from './errors.js';

/**
 * Ids double as folder names under DATA_DIR, so they are generated from a strict alphabet and
 * every id that comes from a request is checked against the same pattern before it touches
 * the filesystem: no `..`, no slashes, no encodings that could escape the collection folder.
 */

export const ID_PREFIXES = {
  dataset: 'ds',
  baseModel: 'bm',
  model: 'm',
  job: 'job',
  example: 'ex',
  advice: 'adv',
  batch: 'bp',
  batchInput: 'bin',
  audit: 'aud',
  capture: 'cap',
} as const;
export type IdKind = keyof typeof ID_PREFIXES;

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export function newId(kind: IdKind): string {
  const buf = randomBytes(16);
  let s = '';
  for (const b of buf) s += ALPHABET[b % 32];
  return `${ID_PREFIXES[kind]}_${s}`;
}

/**
 * The same id for the same key, every time: a job's model is `derivedId('model', jobId)`, so
 * a retried or duplicated attempt of the job publishes to the id the first attempt used.
 */
export function derivedId(kind: IdKind, key: string): string {
  const digest = createHash('sha256').update(`${kind}\0${key}`).digest();
  let s = '';
  for (const b of digest.subarray(0, 16)) s += ALPHABET[b % 32];
  return `${ID_PREFIXES[kind]}_${s}`;
}

export function isSafeId(id: string): boolean {
  return ID_PATTERN.test(id);
}

export function assertSafeId(id: string, field = 'id'): string {
  if (!isSafeId(id)) {
    throw new ValidationError(`'${field}' is not a valid id`, {
      errors: [{ path: field, message: 'must match ' + ID_PATTERN.source }],
    });
  }
  return id;
}
