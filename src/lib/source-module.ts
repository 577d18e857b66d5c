import { fork, type ChildProcess, type ForkOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parentPort, Worker } from 'node:worker_threads';
import { isAppError, reviveAppError, serialiseAppError, type SerialisedAppError } from './errors.js';

const require = createRequire(import.meta.url);

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

/**
 * The one way this service starts its own modules in another thread or process, from sources
 * (tsx, vitest: the module is a .ts file) or from a build (.js).
 */

/** `./<name>.ts` beside the module at `from` (its import.meta.url) when that runs from sources, else `./<name>.js`. */
export function siblingModule(from: string, name: string): URL {
  return new URL(`./${name}${from.endsWith('.ts') ? '.ts' : '.js'}`, from);
}

/**
 * A worker thread running `entry`. A worker thread does not apply `--import` hooks on Node 20,
 * so from sources the thread starts from a bootstrap that registers tsx's ESM API in the thread
 * itself.
 */
export function startModuleThread(entry: URL): Worker {
  const file = fileURLToPath(entry);
  if (!file.endsWith('.ts')) return new Worker(file);
  return new Worker(
    `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => { tsx.register();` +
      ` return import(${JSON.stringify(pathToFileURL(file).href)}); });`,
    { eval: true },
  );
}

/** A child process running `entry`; from sources it takes tsx's loader through `--import`. */
export function forkModule(entry: URL, options: ForkOptions = {}): ChildProcess {
  const file = fileURLToPath(entry);
  const loader = file.endsWith('.ts') ? ['--import', pathToFileURL(require.resolve('tsx')).href] : [];
  return fork(file, [], { ...options, execArgv: [...loader, ...(options.execArgv ?? [])] });
}

/** What a one-job thread (answerOnce) posts back. */
export type OneJobReply<T> =
  | { type: 'done'; result: T }
  | { type: 'refused'; error: SerialisedAppError }
  | { type: 'failed'; message: string; stack?: string };

/**
 * Runs one job in a fresh worker thread started from `entry` (a module that calls answerOnce) and
 * ends the thread. Synchronous work proportional to an upload (parsing, counting, loading weights)
 * runs there, so the event loop keeps answering; an AppError raised there comes back as the same
 * class with its message, errors[] and extra members.
 */
export async function runInModuleThread<Req, Res>(entry: URL, request: Req): Promise<Res> {
  const worker = startModuleThread(entry);
  try {
    const reply = await new Promise<OneJobReply<Res>>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`worker thread exited with code ${code}`)));
      worker.postMessage(request);
    });
    if (reply.type === 'done') return reply.result;
    if (reply.type === 'refused') throw reviveAppError(reply.error);
    const err = new Error(reply.message);
    if (reply.stack) err.stack = reply.stack;
    throw err;
  } finally {
    worker.removeAllListeners();
    await worker.terminate();
  }
}

/** The thread side of runInModuleThread: answers the first request with `handle`'s result. */
export function answerOnce<Req, Res>(handle: (request: Req) => Promise<Res>): void {
  const port = parentPort;
  if (!port) throw new Error('answerOnce runs in a worker thread only');
  port.once('message', (request: Req) => {
    handle(request).then(
      (result) => port.postMessage({ type: 'done', result } satisfies OneJobReply<Res>),
      (err: unknown) => port.postMessage(failureReply(err)),
    );
  });
}

function failureReply(err: unknown): OneJobReply<never> {
  if (isAppError(err)) return { type: 'refused', error: serialiseAppError(err) };
  const e = err instanceof Error ? err : new Error(String(err));
  return { type: 'failed', message: e.message, ...(e.stack ? { stack: e.stack } : {}) };
}
