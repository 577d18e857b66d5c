import type { ChildProcess } from 'node:child_process';
import { forkModule, siblingModule, startModuleThread } from '../lib/source-module.js';
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

/** The worker's module: inference-worker.ts from sources, .js after a build (see lib/source-module.ts). */
const entry = siblingModule(import.meta.url, 'inference-worker');

export function spawnWorker(kind: WorkerKind): WorkerEndpoint {
  return kind === 'thread' ? spawnThread() : spawnProcess();
}

function spawnThread(): WorkerEndpoint {
  const worker = startModuleThread(entry);
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
  const child: ChildProcess = forkModule(entry, {
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
