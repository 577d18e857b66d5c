import type { RuntimeKeyStore, StoredKey } from '../projects/key-ring.js';
import type { RedisClient } from './redis.js';

/**
 * Keys created at run time (`POST /v1/keys`), in two Redis hashes shared by every API process:
 * digest -> key record (what a request's lookup reads), and `<project>/<id>` -> digest (ids are
 * unique per project). Every lookup reads Redis, so a revocation holds at once everywhere.
 */
export class RedisRuntimeKeys implements RuntimeKeyStore {
  private readonly records: string;
  private readonly ids: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.records = `${prefix}:api-keys`;
    this.ids = `${prefix}:api-key-ids`;
  }

  async byDigest(sha256: string): Promise<StoredKey | undefined> {
    const raw = await this.redis.hget(this.records, sha256);
    return raw ? (JSON.parse(raw) as StoredKey) : undefined;
  }

  async add(sha256: string, key: StoredKey): Promise<boolean> {
    if ((await this.redis.hsetnx(this.ids, `${key.project}/${key.id}`, sha256)) === 0) return false;
    await this.redis.hset(this.records, sha256, JSON.stringify(key));
    return true;
  }

  async list(project: string): Promise<StoredKey[]> {
    const entries = await this.redis.hgetall(this.ids);
    const digests = Object.entries(entries)
      .filter(([k]) => k.startsWith(`${project}/`))
      .map(([, d]) => d);
    if (digests.length === 0) return [];
    const raw = await this.redis.hmget(this.records, ...digests);
    return raw
      .flatMap((r) => (r ? [JSON.parse(r) as StoredKey] : []))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  async remove(project: string, id: string): Promise<boolean> {
    const field = `${project}/${id}`;
    const digest = await this.redis.hget(this.ids, field);
    if (!digest) return false;
    // The record first: from here on the key no longer opens anything.
    await this.redis.hdel(this.records, digest);
    await this.redis.hdel(this.ids, field);
    return true;
  }
}
