import { spawn } from 'node:child_process';
import type { TestContext } from './app.js';

export interface WorkerProcess {
  /** Kills the worker and its sandboxed trainer with SIGKILL (no chance to clean up). */
  kill(): Promise<void>;
}

/**
 * A worker role of the service in a process of its own (`ROLE=worker tsx src/server.ts`) on the
 * test's Redis, DATA_DIR and queue prefix, in its own process group so that a kill takes its
 * trainer child too.
 */
export function spawnWorkerProcess(ctx: TestContext, env: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: {
      ...process.env,
      ROLE: 'worker',
      LOG_LEVEL: 'warn',
      REDIS_URL: ctx.config.REDIS_URL,
      DATA_DIR: ctx.dataDir,
      QUEUE_PREFIX: ctx.prefix,
      ...env,
    },
    stdio: 'ignore',
    detached: true,
  });
  const exited = new Promise((r) => child.on('exit', r));
  return {
    async kill() {
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
    },
  };
}
