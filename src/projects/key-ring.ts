import { createHash, randomBytes } from 'node:crypto';
import { DEFAULT_PROJECT, ROLES, type Principal, type Role } from '../contracts/project.js';
import { ConflictError, NotFoundError } from '../lib/errors.js';
import type { KeysFile } from './keys-file.js';

/**
 * Every key the service accepts, and who each one is. Keys from API_KEYS (every role, project
 * `default`: deployments from before projects keep working) and API_KEYS_FILE are held in
 * memory by their SHA-256; keys created at run time live in Redis (queue/runtime-keys.ts) and
 * are read from it on every request, so a revocation takes effect at once on every API process.
 * A presented key is hashed first and looked up by its digest, so lookup time says nothing
 * about any key.
 */

/** A key created through the API, as stored (its digest is the storage key, never the key itself). */
export interface StoredKey {
  id: string;
  project: string;
  roles: Role[];
  models?: string[];
  createdAt: string;
  createdBy: string;
}

/** Runtime keys' storage (Redis in production: queue/runtime-keys.ts). */
export interface RuntimeKeyStore {
  byDigest(sha256: string): Promise<StoredKey | undefined>;
  /** Stores a key; false when the project already has a key with its id. */
  add(sha256: string, key: StoredKey): Promise<boolean>;
  list(project: string): Promise<StoredKey[]>;
  /** Removes a key; false when the project has none with that id. */
  remove(project: string, id: string): Promise<boolean>;
}

/** A key as `GET /v1/keys` shows it (never the secret, never its digest). */
export interface KeyView {
  id: string;
  project: string;
  roles: Role[];
  models?: string[];
  source: 'env' | 'file' | 'runtime';
  createdAt?: string;
  createdBy?: string;
}

export const sha256Hex = (key: string): string => createHash('sha256').update(key).digest('hex');

/** The key of an unauthenticated (open) service: the default project, every role. */
export const OPEN_PRINCIPAL: Principal = { keyId: 'anonymous', project: DEFAULT_PROJECT, roles: ['admin'] };

export class KeyRing {
  private readonly fixed = new Map<string, KeyView>();
  private readonly required: boolean;

  constructor(
    opts: { apiKeys: string[]; file?: KeysFile },
    private readonly runtime?: RuntimeKeyStore,
  ) {
    for (const key of opts.apiKeys) {
      const digest = sha256Hex(key);
      // As before projects: a stable, non-secret id from the key's digest.
      this.fixed.set(digest, {
        id: digest.slice(0, 12),
        project: DEFAULT_PROJECT,
        roles: [...ROLES],
        source: 'env',
      });
    }
    this.required = opts.apiKeys.length > 0 || opts.file !== undefined;
    for (const k of opts.file?.keys ?? []) {
      this.fixed.set(k.sha256, {
        id: k.id,
        project: k.project,
        roles: k.roles,
        ...(k.models ? { models: k.models } : {}),
        source: 'file',
      });
    }
  }

  /**
   * Whether keys are required: when any are configured, or a keys file is given (even an empty
   * one: then no key opens anything). Without either the service is open and says so at start.
   */
  get enabled(): boolean {
    return this.required;
  }

  /** Who `key` is, or undefined for a key nobody gave out (or one revoked). */
  async principal(key: string): Promise<Principal | undefined> {
    const digest = sha256Hex(key);
    const found = this.fixed.get(digest) ?? (await this.runtime?.byDigest(digest));
    if (!found) return undefined;
    return {
      keyId: found.id,
      project: found.project,
      roles: found.roles,
      ...(found.models ? { models: found.models } : {}),
    };
  }

  /** Creates a key in `by`'s project; the key itself is in the answer only. */
  async create(
    by: Principal,
    req: { id: string; roles: Role[]; models?: string[] },
  ): Promise<KeyView & { key: string }> {
    if (!this.runtime || !this.required) {
      throw new ConflictError(
        'this service requires no keys, so a new key would open nothing: set API_KEYS or API_KEYS_FILE first',
      );
    }
    if (this.views(by.project).some((k) => k.id === req.id)) {
      throw new ConflictError(
        `project '${by.project}' already has a key '${req.id}' (from the configuration)`,
      );
    }
    const key = `tls_${randomBytes(32).toString('base64url')}`;
    const stored: StoredKey = {
      id: req.id,
      project: by.project,
      roles: req.roles,
      ...(req.models ? { models: req.models } : {}),
      createdAt: new Date().toISOString(),
      createdBy: by.keyId,
    };
    if (!(await this.runtime.add(sha256Hex(key), stored))) {
      throw new ConflictError(`project '${by.project}' already has a key '${req.id}'`);
    }
    return { ...stored, source: 'runtime', key };
  }

  /** The project's keys: configured ones, then those created at run time. */
  async list(project: string): Promise<KeyView[]> {
    const runtime = (await this.runtime?.list(project)) ?? [];
    return [...this.views(project), ...runtime.map((k): KeyView => ({ ...k, source: 'runtime' }))];
  }

  /** Revokes a key created at run time; configured keys are removed from their configuration. */
  async revoke(project: string, id: string): Promise<void> {
    if (this.views(project).some((k) => k.id === id)) {
      throw new ConflictError(
        `key '${id}' comes from the configuration (API_KEYS or API_KEYS_FILE); remove it there`,
      );
    }
    if (!(await this.runtime?.remove(project, id))) throw new NotFoundError(`key '${id}' not found`);
  }

  private views(project: string): KeyView[] {
    return [...this.fixed.values()].filter((k) => k.project === project);
  }
}
