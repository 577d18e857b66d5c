import type { ChangeCounter, ExclusiveGuard } from '../storage/store.js';
import type { RedisClient } from './redis.js';

/**
 * Creation claims held in Redis (SET NX), for object stores that cannot refuse a second create
 * themselves (s3rver ignores `If-None-Match: *` on PUT). Every process of a deployment shares
 * this Redis, so a claim here is race-free across machines.
 */
export class RedisGuard implements ExclusiveGuard, ChangeCounter {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async claim(key: string, ttlMs?: number): Promise<boolean> {
    const k = `${this.prefix}:claims:${key}`;
    const r =
      ttlMs === undefined
        ? await this.redis.set(k, String(process.pid), 'NX')
        : await this.redis.set(k, String(process.pid), 'PX', ttlMs, 'NX');
    return r === 'OK';
  }

  async release(key: string): Promise<void> {
    await this.redis.del(`${this.prefix}:claims:${key}`);
  }

  /** The change count of `scope` (a store URL and collection); 0 before the first change. */
  async read(scope: string): Promise<number> {
    return Number((await this.redis.get(`${this.prefix}:changes:${scope}`)) ?? 0);
  }

  async bump(scope: string): Promise<void> {
    await this.redis.incr(`${this.prefix}:changes:${scope}`);
  }
}
