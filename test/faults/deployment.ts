import { randomBytes } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../helpers/app.js';
import { freePort } from '../helpers/redis-server.js';
import { apiReady, childPids, spawnService, type ServiceProcess } from '../helpers/service-process.js';
import { killableRedis } from './fixtures.js';

/**
 * A deployment of the service as separate processes, as in production: its own Redis, one API,
 * one worker (which forks a trainer process per job), over one DATA_DIR (and a bucket when
 * `env.STORAGE_URL` is s3://). Each process can be killed with SIGKILL and started again.
 */
export class Deployment {
  readonly prefix = `fault-${randomBytes(4).toString('hex')}`;
  base = '';
  dataDir = '';
  redis!: Awaited<ReturnType<typeof killableRedis>>;
  api?: ServiceProcess;
  worker?: ServiceProcess;
  private port = 0;

  constructor(private readonly extraEnv: Record<string, string> = {}) {}

  env(): Record<string, string> {
    return {
      REDIS_URL: this.redis.url,
      QUEUE_PREFIX: this.prefix,
      DATA_DIR: this.dataDir,
      JOB_ATTEMPTS: '3',
      JOB_BACKOFF_MS: '500',
      // A killed worker's job is found stalled, and retried, within seconds.
      JOB_LOCK_MS: '4000',
      ...this.extraEnv,
    };
  }

  async start(): Promise<void> {
    this.redis = await killableRedis();
    await this.redis.start();
    this.dataDir = await mkdtemp(path.join(os.tmpdir(), 'faults-'));
    this.port = await freePort();
    this.base = `http://127.0.0.1:${this.port}`;
    await Promise.all([this.startApi(), this.startWorker()]);
  }

  async startApi(): Promise<void> {
    this.api = spawnService({ ...this.env(), ROLE: 'api', PORT: String(this.port) });
    await apiReady(this.base);
  }

  async startWorker(): Promise<void> {
    const heartbeat = path.join(this.dataDir, `worker-${randomBytes(3).toString('hex')}.alive`);
    this.worker = spawnService({
      ...this.env(),
      ROLE: 'worker',
      WORKER_HEARTBEAT_FILE: heartbeat,
      WORKER_HEARTBEAT_MS: '200',
    });
    // Written once the worker has checked its trainer and runs against Redis.
    await waitFor(async () => (await stat(heartbeat).catch(() => undefined)) !== undefined, 90_000, 100);
    await rm(heartbeat, { force: true });
  }

  /** The trainer process the worker runs now (waits for one to exist). */
  async trainerPid(timeoutMs = 60_000): Promise<number> {
    return waitFor(async () => (await childPids(this.worker!.child.pid!))[0], timeoutMs, 20);
  }

  /** Entries of DATA_DIR's staging area: writes in progress, or a dead writer's debris. */
  async staging(): Promise<string[]> {
    return (await readdir(path.join(this.dataDir, '.tmp')).catch(() => [])).filter((n) => n.includes('@'));
  }

  /** Entry folders of a collection on disk (file:// only). */
  async onDisk(collection: 'datasets' | 'base-models' | 'models'): Promise<string[]> {
    return (await readdir(path.join(this.dataDir, collection)).catch(() => [])).sort();
  }

  async listed(collection: 'datasets' | 'base-models' | 'models'): Promise<string[]> {
    const r = await fetch(`${this.base}/v1/${collection}?limit=100`);
    if (r.status !== 200) throw new Error(`GET /v1/${collection}: ${r.status} ${await r.text()}`);
    return ((await r.json()) as { items: Array<{ id: string }> }).items.map((i) => i.id).sort();
  }

  output(): string {
    return [this.api?.output() ?? '', this.worker?.output() ?? ''].join('\n');
  }

  async close(): Promise<void> {
    await this.api?.kill('SIGKILL');
    await this.worker?.kill('SIGKILL');
    await this.redis?.close();
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * Calls `onSeen` the moment a staging folder whose name starts with `label` appears under
 * DATA_DIR/.tmp and holds at least one file (a write under way), via inotify; polls as well in
 * case the event is missed.
 */
export function whenStaging(dataDir: string, label: string, onSeen: (dir: string) => void): { stop(): void } {
  const tmp = path.join(dataDir, '.tmp');
  let done = false;
  let watcher: FSWatcher | undefined;
  const check = async (): Promise<void> => {
    if (done) return;
    for (const name of await readdir(tmp).catch(() => [] as string[])) {
      if (!name.startsWith(label) || !name.includes('@')) continue;
      const inside = await readdir(path.join(tmp, name)).catch(() => [] as string[]);
      if (inside.length > 0 && !done) {
        done = true;
        onSeen(name);
        return;
      }
    }
  };
  try {
    watcher = watch(tmp, () => void check());
  } catch {
    // .tmp not there yet: the poll below covers it
  }
  const timer = setInterval(() => void check(), 2);
  return {
    stop() {
      done = true;
      watcher?.close();
      clearInterval(timer);
    },
  };
}
