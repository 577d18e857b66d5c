import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/app.js';

/** The real entry point, as `npm start` runs it: tsx src/server.ts in its own process. */
function startServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

describe('server process', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'server-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('starts its own Redis when none answers, serves, and shuts down gracefully', async () => {
    const [port, redisPort] = [await freePort(), await freePort()];
    const srv = startServer({
      PORT: String(port),
      DATA_DIR: dataDir,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      QUEUE_PREFIX: 'server-test',
    });
    try {
      const ready = await waitFor(
        async () => {
          // fetch: the service is a child process, reached only over its port.
          const r = await fetch(`http://127.0.0.1:${port}/readyz?deep=true`).catch(() => undefined);
          return r?.status === 200
            ? ((await r.json()) as { checks: Record<string, { ok: boolean }> })
            : undefined;
        },
        40_000,
        250,
      );
      expect(ready.checks['worker']).toEqual({ ok: true });
      expect(existsSync(path.join(dataDir, 'redis'))).toBe(true);
      expect(srv.output()).toMatch(/started embedded redis-server/);
      expect(srv.output()).toMatch(/API_KEYS is not set/);
    } finally {
      srv.child.kill('SIGTERM');
    }
    expect(await srv.exited).toBe(0);
    expect(srv.output()).toMatch(/"msg":"stopped"/);
    // Its Redis went with it.
    const net = await import('node:net');
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect(redisPort, '127.0.0.1');
      s.on('connect', () => (s.destroy(), resolve(false)));
      s.on('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  }, 60_000);

  it('exits with a message saying how to get Redis when none answers and embedding is off', async () => {
    const srv = startServer({
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      EMBEDDED_REDIS: 'false',
    });
    expect(await srv.exited).toBe(69);
    expect(srv.output()).toMatch(/Nothing answers on REDIS_URL.*Start Redis/);
  }, 30_000);

  it('refuses a bad configuration naming the variable', async () => {
    const srv = startServer({ PORT: 'http', DATA_DIR: dataDir });
    expect(await srv.exited).toBe(78);
    expect(srv.output()).toMatch(/PORT: /);
  }, 30_000);

  it('refuses to start a worker that must train on a GPU and cannot', async () => {
    const srv = startServer({
      ROLE: 'worker',
      DATA_DIR: dataDir,
      REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
      EMBEDDED_REDIS: 'false',
      QUEUE_PREFIX: 'server-test-gpu',
      REQUIRE_GPU: 'true',
    });
    expect(await srv.exited).toBe(70);
    expect(srv.output()).toMatch(/the trainer cannot train: REQUIRE_GPU is set, but the trainer runs on/);
    expect(srv.output()).not.toMatch(/worker started/);
  }, 60_000);
});
