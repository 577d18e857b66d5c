import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { ensureRedis, type EmbeddedRedis } from '../../src/queue/embedded-redis.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/**
 * A private, stoppable redis-server on its own port: for outage and recovery tests. `start()`
 * while it runs does nothing (it used to forget the running server, which `cleanup()` then never
 * stopped, leaving a redis-server behind every `npm test`); `cleanup()` stops it either way.
 */
export async function privateRedis(): Promise<{
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'redis-'));
  let server: EmbeddedRedis | undefined;
  const logger = pino({ level: 'silent' });
  return {
    url,
    async start() {
      if (server) return;
      server = await ensureRedis(url, dir, logger, true);
      // ensureRedis starts nothing when something answers already: not ours, so not ours to stop.
      if (!server) throw new Error(`something else answers on ${url}; the private Redis needs its port`);
    },
    async stop() {
      await server?.stop();
      server = undefined;
    },
    async cleanup() {
      await server?.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
