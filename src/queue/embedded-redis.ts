import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { createRedis, ping } from './redis.js';

export interface EmbeddedRedis {
  url: string;
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  const client = createRedis(url, 'producer', { retryStrategy: () => null, lazyConnect: true });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await ping(client, 1_000);
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export class RedisUnavailableError extends Error {}

/**
 * The one-command default: when nothing answers on REDIS_URL, and it points at this machine,
 * start a private redis-server with append-only persistence under DATA_DIR/redis. Returns
 * undefined when an external Redis already answers (it is then not ours to stop).
 */
export async function ensureRedis(
  url: string,
  dataDir: string,
  logger: Logger,
  allowEmbedded: boolean,
): Promise<EmbeddedRedis | undefined> {
  if (await answers(url)) return undefined;
  const parsed = new URL(url);
  const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(parsed.hostname);
  const help =
    `Nothing answers on REDIS_URL=${parsed.protocol}//${parsed.host}. Start Redis (e.g. "docker compose up -d redis", ` +
    `or install Debian's redis-server package) or point REDIS_URL at one.`;
  if (!allowEmbedded || !local) throw new RedisUnavailableError(help);
  if (!onPath('redis-server')) throw new RedisUnavailableError(help + ' (redis-server is not on PATH)');

  const dir = path.resolve(dataDir, 'redis');
  await mkdir(dir, { recursive: true });
  const port = parsed.port || '6379';
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      port,
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let exited = false;
  child.on('exit', () => (exited = true));
  child.stderr?.on('data', (d: Buffer) => logger.warn({ component: 'redis' }, d.toString().trim()));

  const deadline = Date.now() + 10_000;
  while (!(await answers(url))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new RedisUnavailableError(help + ' (the embedded redis-server did not start)');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  logger.info(
    { dir, port: Number(port) },
    'started embedded redis-server (append-only persistence under DATA_DIR)',
  );
  return {
    url,
    async stop() {
      if (exited) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([done, new Promise((r) => setTimeout(r, 5_000))]);
      if (!exited) child.kill('SIGKILL');
    },
  };
}
