import { z } from 'zod';

/**
 * Projects and roles (README "Projects and keys"). Every stored object and every job belongs to
 * one project; a key reaches its own project only, with the roles it was given.
 */

/** The project of `API_KEYS` keys, of an open service, and of everything stored before projects. */
export const DEFAULT_PROJECT = 'default';

/** A project's name doubles as a folder and an object-key prefix: lower case, digits, `-` and `_`. */
export const PROJECT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const projectIdSchema = z
  .string()
  .regex(
    PROJECT_PATTERN,
    'a project is 1-63 lower-case letters, digits, "-" or "_", starting with a letter or digit',
  );

/**
 * `read`: GET what the project has. `predict`: predict, OIP infer, batch predictions (optionally
 * with a list of models). `train`: upload, start jobs, advisor runs, audits, label review items.
 * `admin`: everything in the project, deletes and keys. Only `admin` implies the others.
 */
export const ROLES = ['read', 'predict', 'train', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const roleSchema = z.enum(ROLES);

/** A key's id: shown in logs, the audit log and `GET /v1/keys`; never secret. */
export const keyIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a key id is 1-64 letters, digits, ".", "-" or "_"');

/** The project a job payload (or any record) belongs to; records from before projects: default. */
export function projectOf(data: unknown): string {
  const p = (data as { project?: unknown } | null | undefined)?.project;
  return typeof p === 'string' && p !== '' ? p : DEFAULT_PROJECT;
}

/** Who is calling: the key's id, its project, its roles and, for predict, the models it may use. */
export interface Principal {
  keyId: string;
  project: string;
  roles: readonly Role[];
  /** Model names or ids this key may predict with; absent: every model of the project. */
  models?: readonly string[];
}

export function hasRole(p: Principal, role: Role): boolean {
  return p.roles.includes('admin') || p.roles.includes(role);
}

/** Whether the key may predict with the model `meta` (by id or name). */
export function mayPredictWith(
  p: Principal,
  meta: { id: string; name?: string | null | undefined },
): boolean {
  if (!p.models || p.roles.includes('admin')) return true;
  return p.models.includes(meta.id) || (meta.name != null && p.models.includes(meta.name));
}
