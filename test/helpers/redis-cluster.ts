import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from './app.js';

/**
 * A real Redis Cluster on loopback: six `redis-server --cluster-enabled yes` processes with
 * their own folders, joined by `redis-cli --cluster create --cluster-replicas 1` into three
 * masters with one replica each. A short node timeout makes a replica take over within seconds
 * of its master's death.
 */
export interface LocalCluster {
  ports: number[];
  /** `host:port,...` for REDIS_CLUSTER_NODES. */
  nodes: string;
  cli(port: number, ...args: string[]): string;
  /** The port of the master serving the slot `key` hashes to. */
  masterFor(key: string): number;
  /** kill -9 the node on `port`. */
  kill(port: number): Promise<void>;
  /** True when the cluster serves every slot again (each node asked that still runs). */
  healthy(): boolean;
  close(): Promise<void>;
}

const NODE_TIMEOUT_MS = 1_000;

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Six ports whose cluster bus ports (port + 10000) are free too. */
async function freeClusterPorts(n: number): Promise<number[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 25_000);
    const ports = Array.from({ length: n }, (_, i) => base + i);
    const free = await Promise.all(ports.flatMap((p) => [portFree(p), portFree(p + 10_000)]));
    if (free.every(Boolean)) return ports;
  }
  throw new Error('no free ports for a local Redis Cluster');
}

export async function startCluster(): Promise<LocalCluster> {
  const ports = await freeClusterPorts(6);
  const root = await mkdtemp(path.join(os.tmpdir(), 'redis-cluster-'));
  const procs = new Map<number, ChildProcess>();
  const cli = (port: number, ...args: string[]): string => {
    const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    return (r.stdout ?? '') + (r.stderr ?? '');
  };
  const alive = (port: number): boolean => {
    const p = procs.get(port);
    return !!p && p.exitCode === null && p.signalCode === null;
  };
  const close = async (): Promise<void> => {
    await Promise.all(
      [...procs.values()].map(async (p) => {
        if (p.exitCode !== null || p.signalCode !== null) return;
        const gone = new Promise((r) => p.once('exit', r));
        p.kill('SIGKILL');
        await gone;
      }),
    );
    await rm(root, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      const dir = path.join(root, String(port));
      await mkdir(dir);
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          String(NODE_TIMEOUT_MS),
          // A replica takes over however long its link was down (the default refuses stale ones).
          '--cluster-replica-validity-factor',
          '0',
          '--appendonly',
          'yes',
          '--save',
          '',
          '--repl-diskless-sync',
          'yes',
          '--repl-diskless-sync-delay',
          '0',
          '--maxmemory-policy',
          'noeviction',
          '--loglevel',
          'warning',
          '--daemonize',
          'no',
        ],
        { stdio: 'ignore' },
      );
      procs.set(port, child);
    }
    await waitFor(async () => ports.every((p) => cli(p, 'ping').trim() === 'PONG'), 20_000, 100);
    const create = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (create.status !== 0)
      throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    const healthy = (): boolean =>
      ports.filter(alive).every((p) => /cluster_state:ok/.test(cli(p, 'cluster', 'info')));
    await waitFor(async () => healthy(), 30_000, 200);
    // Replicas in sync, so that a master's death has a replica ready to take over.
    await waitFor(
      async () =>
        ports.every((p) => {
          const info = cli(p, 'info', 'replication');
          return /role:master/.test(info) || /master_link_status:up/.test(info);
        }),
      30_000,
      200,
    );
    return {
      ports,
      nodes: ports.map((p) => `127.0.0.1:${p}`).join(','),
      cli,
      healthy,
      masterFor(key) {
        const asker = ports.find(alive)!;
        const slot = Number(cli(asker, 'cluster', 'keyslot', key).trim());
        for (const line of cli(asker, 'cluster', 'nodes').split('\n')) {
          const f = line.trim().split(' ');
          if (f.length < 9 || !f[2]!.includes('master') || f[2]!.includes('fail')) continue;
          for (const range of f.slice(8)) {
            const [lo, hi] = range.split('-').map(Number);
            if (slot >= lo! && slot <= (hi ?? lo)!) return Number(/:(\d+)@/.exec(f[1]!)![1]);
          }
        }
        throw new Error(`no master serves slot ${slot}`);
      },
      async kill(port) {
        const p = procs.get(port)!;
        const gone = new Promise((r) => p.once('exit', r));
        p.kill('SIGKILL');
        await gone;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
