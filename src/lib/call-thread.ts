import { parentPort, type Worker } from 'node:worker_threads';
import { siblingModule, startModuleThread } from './source-module.js';

/**
 * A long-lived worker thread that is set up once and then answers calls, each by its id, in any
 * order: the frozen prefix of the trainer (ml/prefix-thread.ts) and the sentence encoders
 * (ml/encoder-threads.ts). The thread's module calls `serveCalls`; this side starts it with
 * `CallThread.start` and calls it. A thread that fails or exits rejects every call in flight and
 * every later one; an idle thread does not hold its process open.
 */

type Request<I, C> = { type: 'init'; init: I } | { type: 'call'; id: number; call: C };
type Reply<R, O> =
  | { type: 'ready'; ready: R }
  | { type: 'done'; id: number; value: O }
  | { type: 'error'; id: number; message: string };

/** A value and the buffers to transfer with it rather than copy. */
export interface Transferable<T> {
  value: T;
  transfer?: ArrayBuffer[];
}

export class CallThread<I, R, C, O> {
  private seq = 0;
  private readonly calls = new Map<number, { resolve: (o: O) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly name: string,
    /** What the thread answered to its init message. */
    readonly ready: R,
  ) {
    worker.on('message', (m: Reply<R, O>) => {
      if (m.type === 'ready') return;
      const call = this.calls.get(m.id);
      if (!call) return;
      this.calls.delete(m.id);
      if (m.type === 'done') call.resolve(m.value);
      else call.reject(new Error(`${name}: ${m.message}`));
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      for (const call of this.calls.values()) call.reject(err);
      this.calls.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`${name} exited with code ${code}`)));
  }

  /**
   * Starts `<module>.ts|js` beside `from` (its import.meta.url) in a thread and sends it `init`
   * (copied, not transferred); resolves once the thread says it is ready, rejects (and ends the
   * thread) if it fails or says nothing within `timeoutMs`. `name` words its errors.
   */
  static async start<I, R, C, O>(
    from: string,
    module: string,
    init: I,
    opts: { name: string; timeoutMs?: number },
  ): Promise<CallThread<I, R, C, O>> {
    const worker = startModuleThread(siblingModule(from, module));
    worker.unref();
    try {
      const ready = await new Promise<R>((resolve, reject) => {
        const timer = setTimeout(
          () => done(new Error(`${opts.name} did not start in time`)),
          opts.timeoutMs ?? 60_000,
        );
        const onMessage = (m: Reply<R, O>) => {
          if (m.type === 'ready') done(undefined, m.ready);
          else if (m.type === 'error') done(new Error(`${opts.name}: ${m.message}`));
        };
        function done(err?: Error, value?: R): void {
          clearTimeout(timer);
          worker.off('message', onMessage);
          worker.off('error', done);
          if (err) reject(err);
          else resolve(value as R);
        }
        worker.on('message', onMessage);
        worker.on('error', done);
        worker.postMessage({ type: 'init', init } satisfies Request<I, C>);
      });
      return new CallThread<I, R, C, O>(worker, opts.name, ready);
    } catch (err) {
      await worker.terminate();
      throw err;
    }
  }

  /** Sends one call (its `transfer` buffers moved, not copied) and resolves with the answer. */
  async call(call: C, transfer: ArrayBuffer[] = []): Promise<O> {
    if (this.failure) throw this.failure;
    const id = this.seq++;
    this.worker.ref();
    try {
      return await new Promise<O>((resolve, reject) => {
        this.calls.set(id, { resolve, reject });
        this.worker.postMessage({ type: 'call', id, call } satisfies Request<I, C>, transfer);
      });
    } finally {
      if (this.calls.size === 0) this.worker.unref();
    }
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

/**
 * The thread side of CallThread: `init` runs once on the first message, then `call` once per
 * call; a failure of either is posted back as an error of that message.
 */
export function serveCalls<I, R, C, O>(handlers: {
  init(init: I): Promise<R>;
  call(call: C): Promise<Transferable<O>>;
}): void {
  const port = parentPort;
  if (!port) throw new Error('serveCalls runs in a worker thread only');
  const handle = async (req: Request<I, C>): Promise<void> => {
    if (req.type === 'init') {
      port.postMessage({ type: 'ready', ready: await handlers.init(req.init) } satisfies Reply<R, O>);
      return;
    }
    const { value, transfer } = await handlers.call(req.call);
    port.postMessage({ type: 'done', id: req.id, value } satisfies Reply<R, O>, transfer ?? []);
  };
  port.on('message', (req: Request<I, C>) => {
    handle(req).catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      port.postMessage({
        type: 'error',
        id: req.type === 'call' ? req.id : -1,
        message,
      } satisfies Reply<R, O>);
    });
  });
}
