import type { AuditEntry, AuditLogStore, RateCounter } from '../projects/audit-log.js';
import type { RedisClient } from './redis.js';

/**
 * The audit log as one Redis stream per project (XADD, capped by approximate MAXLEN; stream ids
 * are the order and the page cursor), shared by every API process.
 */
export class RedisAuditLog implements AuditLogStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly maxEntries: number,
  ) {}

  private key(project: string): string {
    return `${this.prefix}:audit-log:${project}`;
  }

  async append(entry: AuditEntry): Promise<void> {
    await this.redis.xadd(
      this.key(entry.project),
      'MAXLEN',
      '~',
      this.maxEntries,
      '*',
      'entry',
      JSON.stringify(entry),
    );
  }

  async page(
    project: string,
    opts: { limit: number; before?: string },
  ): Promise<{ items: Array<AuditEntry & { id: string }>; next?: string }> {
    // An exclusive start ("(id") needs Redis 6.2; the cursor's own entry is dropped instead.
    const end = opts.before ?? '+';
    const raw = await this.redis.xrevrange(
      this.key(project),
      end,
      '-',
      'COUNT',
      opts.limit + (opts.before ? 2 : 1),
    );
    const items = raw
      .filter(([id]) => id !== opts.before)
      .map(([id, fields]) => ({ id, ...(JSON.parse(fields[1] ?? '{}') as AuditEntry) }));
    const page = items.slice(0, opts.limit);
    return items.length > opts.limit ? { items: page, next: page[page.length - 1]!.id } : { items: page };
  }
}

/** Events per second per scope: one counter key per second, gone two seconds later. */
export class RedisRateCounter implements RateCounter {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async hit(scope: string, perSecond: number): Promise<boolean> {
    const key = `${this.prefix}:rate:${scope}:${Math.floor(Date.now() / 1000)}`;
    const [[, n]] = (await this.redis.multi().incr(key).pexpire(key, 2_000).exec()) as [[unknown, number]];
    return n <= perSecond;
  }
}
