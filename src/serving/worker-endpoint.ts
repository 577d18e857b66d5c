import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerReply, WorkerRequest } from './protocol.js';

export type WorkerKind = 'thread' | 'process';

/** One inference worker, whichever kind: the pool talks to both the same way. */
export interface WorkerEndpoint {
  readonly kind: WorkerKind;
  send(msg: WorkerRequest, transfer?: ArrayBuffer[]): void;
  onMessage(cb: (msg: WorkerReply) => void): void;
  /** Called once when the worker is gone (crash, exit, terminate); `err` when it failed. */
  onExit(cb: (err?: Error) => void): void;
  terminate(): Promise<void>;
  /** Whether the worker keeps the process alive: only while it has calls in flight. */
  ref(busy: boolean): void;
}

const require = createRequire(import.meta.url);

/**
 * When this module runs from TypeScript sources (tsx, vitest) the worker must be able to load
 * .ts too. A child process takes tsx's loader through `--import`, as the BullMQ sandbox does
 * (src/queue/worker.ts). A worker thread does not apply `--import` hooks on Node 20, so the
 * thread starts from a two-line bootstrap that registers tsx's ESM API in the thread itself.
 */
function entry(): { file: string; fromSource: boolean } {
  const fromSource = fileURLToPath(import.meta.url).endsWith('.ts');
  const file = fileURLToPath(
    new URL(fromSource ? './inference-worker.ts' : './inference-worker.js', import.meta.url),
  );
  return { file, fromSource };
}

/** tsx's `./esm/api` export, resolved through its package.json exports (vitest has no import.meta.resolve). */
function tsxEsmApi(): string {
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    exports: Record<string, { import?: string | { default: string } }>;
  };
  const target = pkg.exports['./esm/api']?.import;
  const rel = typeof target === 'string' ? target : target?.default;
  if (!rel) throw new Error('tsx does not export ./esm/api');
  return pathToFileURL(path.join(path.dirname(pkgPath), rel)).href;
}

export function spawnWorker(kind: WorkerKind): WorkerEndpoint {
  return kind === 'thread' ? spawnThread() : spawnProcess();
}

function spawnThread(): WorkerEndpoint {
  const { file, fromSource } = entry();
  const worker = fromSource
    ? new Worker(
        `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => { tsx.register();` +
          ` return import(${JSON.stringify(pathToFileURL(file).href)}); });`,
        { eval: true },
      )
    : new Worker(file);
  // Idle workers must not keep a finished process (a test run, a CLI) alive.
  worker.unref();
  return {
    kind: 'thread',
    send: (msg, transfer) => worker.postMessage(msg, transfer ?? []),
    onMessage: (cb) => void worker.on('message', cb),
    onExit: (cb) => {
      let failure: Error | undefined;
      worker.on('error', (err) => (failure = err));
      worker.on('exit', (code) =>
        cb(failure ?? (code === 0 ? undefined : new Error(`inference thread exited with code ${code}`))),
      );
    },
    terminate: async () => {
      await worker.terminate();
    },
    ref: (busy) => (busy ? worker.ref() : worker.unref()),
  };
}

function spawnProcess(): WorkerEndpoint {
  const { file, fromSource } = entry();
  const execArgv = fromSource ? ['--import', pathToFileURL(require.resolve('tsx')).href] : [];
  const child: ChildProcess = fork(file, [], {
    execArgv,
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // The IPC channel is a handle of its own, to be (un)referenced with the child.
  const channel = child.channel as { ref?: () => void; unref?: () => void } | undefined;
  child.unref();
  channel?.unref?.();
  // The child says hello once it listens; messages sent before that wait here, so none is
  // emitted before its module graph (TF.js included) has loaded.
  let queue: WorkerRequest[] | undefined = [];
  child.on('message', (m) => {
    if ((m as { type?: string }).type === 'hello' && queue) {
      const pending = queue;
      queue = undefined;
      for (const msg of pending) child.send(msg);
    }
  });
  return {
    kind: 'process',
    send: (msg) => {
      if (queue) queue.push(msg);
      else child.send(msg);
    },
    onMessage: (cb) =>
      void child.on('message', (m) => {
        if ((m as { type?: string }).type !== 'hello') cb(m as WorkerReply);
      }),
    onExit: (cb) => {
      let failure: Error | undefined;
      child.on('error', (err) => (failure = err));
      child.on('exit', (code, signal) =>
        cb(
          failure ??
            (code === 0 ? undefined : new Error(`inference process exited (${signal ?? `code ${code}`})`)),
        ),
      );
    },
    terminate: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
    ref: (busy) => {
      if (busy) {
        child.ref();
        channel?.ref?.();
      } else {
        child.unref();
        channel?.unref?.();
      }
    },
  };
}
