import { readModelJson } from '../ml/index.js';
import { NotFoundError, ServiceUnavailableError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { ModelCache } from './model-cache.js';
import type {
  LoadResult,
  ModelTarget,
  PredictResult,
  WorkerBackend,
  WorkerReply,
  WorkerRequest,
  WorkerStats,
} from './protocol.js';
import { spawnWorker, type WorkerEndpoint, type WorkerKind } from './worker-endpoint.js';

export interface PoolOptions {
  size: number;
  kind: WorkerKind;
  backend: WorkerBackend;
  /** XNNPACK threads of each worker's wasm backend (0 or absent: every core). */
  wasmThreads?: number;
  maxModels: number;
  maxBytes: number;
  logger: Logger;
  startTimeoutMs?: number;
  onLoad?(info: { modelId: string; loadMs: number; bytes: number }): void;
  onEvict?(modelId: string): void;
}

type Call = { resolve: (v: unknown) => void; reject: (err: unknown) => void };

interface Slot {
  index: number;
  endpoint?: WorkerEndpoint;
  starting?: Promise<WorkerEndpoint>;
  calls: Map<number, Call>;
}

/**
 * A fixed set of inference workers (threads, or child processes for the native backend) and
 * the cache that says which model lives in which worker. Forward passes run there, never on
 * the API's event loop. Workers start on first use, and a worker that dies is replaced on the
 * next load; its in-flight calls fail with 503 and its models are forgotten.
 */
export class InferencePool {
  readonly cache: ModelCache<ModelTarget>;
  private readonly slots: Slot[];
  private seq = 0;
  private closed = false;

  constructor(private readonly opts: PoolOptions) {
    this.slots = Array.from({ length: opts.size }, (_, index) => ({ index, calls: new Map() }));
    this.cache = new ModelCache<ModelTarget>({
      maxModels: opts.maxModels,
      maxBytes: opts.maxBytes,
      sizeOf: (_id, t) => estimateBytes(t.dir),
      choose: (_bytes, resident) => this.choose(resident),
      load: async (modelId, slot, t) => {
        const r = (await this.call(slot, { type: 'load', seq: 0, ...t }, [], true)) as LoadResult;
        opts.onLoad?.({ modelId, loadMs: r.loadMs, bytes: r.bytes });
      },
      unload: (modelId, slot) => {
        const s = this.slots[slot];
        const send = () => this.call(slot, { type: 'unload', seq: 0, modelId });
        // Sent at once (before the load that evicted it), or, to a worker still starting,
        // right after its start, which is also after the load queued for it.
        if (s?.endpoint) send().catch(() => undefined);
        else s?.starting?.then(send).catch(() => undefined);
      },
      ...(opts.onEvict ? { onEvict: opts.onEvict } : {}),
    });
  }

  get size(): number {
    return this.slots.length;
  }

  get kind(): WorkerKind {
    return this.opts.kind;
  }

  /** One forward pass of `rows` examples (row-major in `input`, which is transferred). */
  async predict(
    target: ModelTarget,
    rows: number,
    input: Float32Array,
    texts?: string[],
  ): Promise<PredictResult> {
    for (let attempt = 0; ; attempt++) {
      const placement = await this.cache.acquire(target.modelId, target);
      // Evicted while we waited for its load (a burst of other models): place it again, so a
      // worker never holds a model the cache no longer counts.
      if (!this.cache.isCurrent(placement) && attempt < 3) continue;
      const msg: WorkerRequest = {
        type: 'predict',
        seq: 0,
        ...target,
        rows,
        input,
        ...(texts ? { texts } : {}),
      };
      return (await this.call(placement.slot, msg, [input.buffer as ArrayBuffer])) as PredictResult;
    }
  }

  /** Loads a model without predicting (warm-up on demand). */
  async load(target: ModelTarget): Promise<void> {
    await this.cache.acquire(target.modelId, target);
  }

  evict(modelId: string): boolean {
    return this.cache.evict(modelId);
  }

  /** Per-worker tensor counts, resident models and load counts (only started workers). */
  async stats(): Promise<WorkerStats[]> {
    const started = this.slots.filter((s) => s.endpoint);
    return Promise.all(
      started.map((s) => this.call(s.index, { type: 'stats', seq: 0 }) as Promise<WorkerStats>),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cache.forgetAll();
    await Promise.all(
      this.slots.map(async (s) => {
        const ep = s.endpoint ?? (await s.starting?.catch(() => undefined));
        s.endpoint = undefined;
        s.starting = undefined;
        this.failCalls(s, new ServiceUnavailableError('the server is shutting down'));
        await ep?.terminate();
      }),
    );
  }

  private choose(resident: { slot: number; bytes: number }[]): number {
    const load = this.slots.map((s) => ({ index: s.index, bytes: 0, models: 0 }));
    for (const p of resident) {
      const l = load[p.slot];
      if (l) {
        l.bytes += p.bytes;
        l.models += 1;
      }
    }
    load.sort((a, b) => a.bytes - b.bytes || a.models - b.models || a.index - b.index);
    return load[0]!.index;
  }

  private async call(
    index: number,
    msg: WorkerRequest,
    transfer: ArrayBuffer[] = [],
    start = false,
  ): Promise<unknown> {
    const slot = this.slots[index]!;
    let ep = slot.endpoint;
    if (!ep) {
      if (!start)
        throw new ServiceUnavailableError('the inference worker is restarting; retry', {
          extra: { retryAfter: 1 },
        });
      ep = await this.start(slot);
    }
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      slot.calls.set(seq, { resolve, reject });
      if (slot.calls.size === 1) ep.ref(true);
      ep.send({ ...msg, seq }, transfer);
    });
  }

  private start(slot: Slot): Promise<WorkerEndpoint> {
    if (this.closed) return Promise.reject(new ServiceUnavailableError('the server is shutting down'));
    slot.starting ??= this.spawn(slot).finally(() => (slot.starting = undefined));
    return slot.starting;
  }

  private async spawn(slot: Slot): Promise<WorkerEndpoint> {
    const log = this.opts.logger;
    const ep = spawnWorker(this.opts.kind);
    ep.onMessage((reply: WorkerReply) => {
      const call = slot.calls.get(reply.seq);
      if (!call) return;
      slot.calls.delete(reply.seq);
      if (slot.calls.size === 0) ep.ref(false);
      if (reply.ok) call.resolve(reply.value);
      else call.reject(workerError(reply.error));
    });
    ep.onExit((err) => {
      if (slot.endpoint === ep) slot.endpoint = undefined;
      if (this.closed) return;
      log.warn({ slot: slot.index, err: err?.message }, 'inference worker stopped; it restarts on next use');
      this.cache.forgetSlot(slot.index);
      this.failCalls(
        slot,
        new ServiceUnavailableError('the inference worker stopped; retry', { extra: { retryAfter: 1 } }),
      );
    });

    const seq = ++this.seq;
    const timeoutMs = this.opts.startTimeoutMs ?? 60_000;
    const init = new Promise<{ backend: string }>((resolve, reject) => {
      slot.calls.set(seq, { resolve: resolve as (v: unknown) => void, reject });
      ep.ref(true);
      ep.send({ type: 'init', seq, backend: this.opts.backend, wasmThreads: this.opts.wasmThreads ?? 0 });
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`inference worker did not start within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      const { backend } = await Promise.race([init, timeout]);
      if (this.closed) throw new ServiceUnavailableError('the server is shutting down');
      log.info({ slot: slot.index, kind: ep.kind, backend }, 'inference worker started');
      slot.endpoint = ep;
      return ep;
    } catch (err) {
      slot.calls.delete(seq);
      await ep.terminate().catch(() => undefined);
      throw err instanceof ServiceUnavailableError
        ? err
        : new ServiceUnavailableError(`inference worker failed to start: ${(err as Error).message}`, {
            cause: err,
          });
    } finally {
      clearTimeout(timer);
    }
  }

  private failCalls(slot: Slot, err: Error): void {
    const calls = [...slot.calls.values()];
    slot.calls.clear();
    for (const c of calls) c.reject(err);
  }
}

function workerError(e: { message: string; code?: string }): Error {
  // The model folder vanished between resolution and loading: it was deleted meanwhile.
  if (e.code === 'ENOENT') return new NotFoundError('the model was deleted');
  return new Error(e.message);
}

/**
 * Memory a model will hold once loaded: every weight as float32 (quantized weights are expanded
 * on load), from the manifest alone, so the cache can make room before loading it.
 */
export async function estimateBytes(dir: string): Promise<number> {
  let json;
  try {
    json = await readModelJson(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('the model was deleted');
    throw err;
  }
  let elements = 0;
  for (const group of json.weightsManifest ?? []) {
    for (const w of group.weights) elements += w.shape.reduce((a, b) => a * b, 1);
  }
  return elements * 4;
}
