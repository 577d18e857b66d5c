import type { BackendInfo } from '../ml/backend.js';
import type { QueueService } from '../queue/queue-service.js';
import { ping, type RedisClient } from '../queue/redis.js';
import type { Store } from '../storage/store.js';

export interface Check {
  ok: boolean;
  detail?: string;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, Check>;
  backend?: Pick<BackendInfo, 'name' | 'package' | 'version' | 'gpu'>;
}

export class HealthService {
  constructor(
    private readonly deps: {
      redis: RedisClient;
      store: Store;
      queues: QueueService;
      backend: () => Promise<BackendInfo>;
    },
  ) {}

  /**
   * Redis answers, DATA_DIR takes a write, the TF.js backend is up. `deep` also sends an echo
   * job through the queue and waits for a worker to return it: the whole pipeline works.
   */
  async readiness(opts: { deep?: boolean } = {}): Promise<Readiness> {
    const checks: Record<string, Check> = {};
    const [redisOk, writable, backend] = await Promise.all([
      ping(this.deps.redis),
      this.deps.store.isWritable(),
      this.deps.backend().then(
        (b) => ({ ok: true as const, b }),
        (err: unknown) => ({ ok: false as const, err }),
      ),
    ]);
    checks['redis'] = redisOk ? { ok: true } : { ok: false, detail: 'Redis does not answer PING' };
    checks['dataDir'] = writable ? { ok: true } : { ok: false, detail: 'DATA_DIR is not writable' };
    checks['backend'] = backend.ok
      ? { ok: true, detail: `${backend.b.name} (${backend.b.package} ${backend.b.version})` }
      : { ok: false, detail: backend.err instanceof Error ? backend.err.message : 'backend failed' };

    if (opts.deep && redisOk) checks['worker'] = await this.roundTrip();

    const ready = Object.values(checks).every((c) => c.ok);
    const out: Readiness = { ready, checks };
    if (backend.ok) {
      const { name, package: pkg, version, gpu } = backend.b;
      out.backend = { name, package: pkg, version, gpu };
    }
    return out;
  }

  private async roundTrip(timeoutMs = 10_000): Promise<Check> {
    try {
      const message = `ready-${Date.now()}`;
      const job = await this.deps.queues.add(
        'echo',
        { message },
        { attempts: 1, removeOnComplete: true, removeOnFail: true },
      );
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const state = await job.getState();
        if (state === 'completed' || state === 'unknown') return { ok: true };
        if (state === 'failed') return { ok: false, detail: 'echo job failed' };
        await new Promise((r) => setTimeout(r, 50));
      }
      await job.remove().catch(() => undefined);
      return { ok: false, detail: `no worker completed an echo job within ${timeoutMs} ms` };
    } catch (err) {
      return { ok: false, detail: err instanceof Error ? err.message : 'queue failed' };
    }
  }
}
