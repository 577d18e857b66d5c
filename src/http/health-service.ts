import type { BackendInfo } from '../ml/index.js';
import type { QueueService } from '../queue/queue-service.js';
import { ping, type RedisClient } from '../queue/redis.js';
import type { DiskMonitor, DiskReport } from '../storage/disk-monitor.js';
import type { Store } from '../storage/store.js';

export interface Check {
  ok: boolean;
  detail?: string;
}

export interface Readiness {
  ready: boolean;
  /** Ready, but DATA_DIR's free space is below its floor (writes may soon fail with 507). */
  degraded: boolean;
  /** Free and used space on DATA_DIR; absent when it could not be read. */
  disk?: DiskReport;
  checks: Record<string, Check>;
  backend?: Pick<BackendInfo, 'name' | 'package' | 'version' | 'gpu' | 'threads'>;
}

export class HealthService {
  constructor(
    private readonly deps: {
      redis: RedisClient;
      store: Store;
      queues: QueueService;
      backend: () => Promise<BackendInfo>;
      disk: DiskMonitor;
    },
  ) {}

  /**
   * Redis answers, DATA_DIR takes a write, the TF.js backend is up. `deep` also sends a probe
   * job through the queue and waits for a worker to run it: a fresh trainer process, as every job
   * gets, selects its backend and trains one tiny step. A broken trainer shows as not ready.
   */
  async readiness(opts: { deep?: boolean } = {}): Promise<Readiness> {
    const checks: Record<string, Check> = {};
    const [redisOk, writable, backend, disk] = await Promise.all([
      ping(this.deps.redis),
      this.deps.store.isWritable(),
      this.deps.backend().then(
        (b) => ({ ok: true as const, b }),
        (err: unknown) => ({ ok: false as const, err }),
      ),
      this.deps.disk.check().catch(() => undefined),
    ]);
    checks['redis'] = redisOk ? { ok: true } : { ok: false, detail: 'Redis does not answer PING' };
    checks['dataDir'] = writable
      ? { ok: true }
      : { ok: false, detail: 'the store (DATA_DIR, or the bucket on s3://) is not writable' };
    checks['backend'] = backend.ok
      ? {
          ok: true,
          detail:
            `${backend.b.name} (${backend.b.package} ${backend.b.version}, ${backend.b.threads} thread(s))` +
            (backend.b.note ? `: ${backend.b.note}` : ''),
        }
      : { ok: false, detail: backend.err instanceof Error ? backend.err.message : 'backend failed' };

    if (opts.deep && redisOk) checks['worker'] = await this.roundTrip();

    // Low free space degrades readiness without failing it: predictions and reads still work.
    const ready = Object.values(checks).every((c) => c.ok);
    checks['disk'] = diskCheck(disk);
    const out: Readiness = { ready, degraded: disk?.low ?? false, checks };
    if (disk) out.disk = disk;
    if (backend.ok) {
      const { name, package: pkg, version, gpu, threads } = backend.b;
      out.backend = { name, package: pkg, version, gpu, threads };
    }
    return out;
  }

  /** The free-space check alone (the /metrics gauges read it too). */
  disk(): Promise<DiskReport> {
    return this.deps.disk.check();
  }

  private async roundTrip(timeoutMs = 30_000): Promise<Check> {
    let id: string | undefined;
    try {
      id = await this.deps.queues.addProbe();
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const outcome = await this.deps.queues.probeOutcome(id);
        if (outcome.state === 'completed') return { ok: true };
        if (outcome.state === 'failed') {
          return { ok: false, detail: `a training step in a trainer process failed: ${outcome.reason}` };
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      await this.deps.queues.removeProbe(id);
      return {
        ok: false,
        detail: `no worker ran a probe training step within ${timeoutMs} ms (is any worker running?)`,
      };
    } catch (err) {
      return { ok: false, detail: err instanceof Error ? err.message : 'queue failed' };
    }
  }
}

const MIB = 1024 * 1024;

function diskCheck(disk: DiskReport | undefined): Check {
  if (!disk) return { ok: false, detail: 'the free space of DATA_DIR could not be read' };
  const free = `${(disk.freeBytes / MIB).toFixed(1)} MiB free of ${(disk.totalBytes / MIB).toFixed(1)} MiB (${disk.freePercent.toFixed(1)}%)`;
  if (!disk.low) return { ok: true, detail: free };
  return {
    ok: false,
    detail:
      `${free}, below the floor of DISK_MIN_FREE_BYTES=${disk.minFreeBytes} or DISK_MIN_FREE_PERCENT=${disk.minFreePercent}: ` +
      'free space or enlarge the volume',
  };
}
