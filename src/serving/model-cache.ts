import { LRUCache } from 'lru-cache';
import { ServiceUnavailableError } from '../lib/errors.js';

/**
 * Which models are resident in which inference worker, bounded by count and by bytes for the
 * whole process (MODEL_CACHE_MAX_MODELS / MODEL_CACHE_MAX_BYTES), least recently used first
 * out. Each model lives in exactly one worker (its batches are routed there), so the per-worker
 * caches partition the models and the bounds hold for the sum of them.
 *
 * Loading is single-flight: concurrent first requests for a model share one load. The size used
 * for admission is known before loading (from the weights manifest), so older models are evicted
 * before the new one takes memory, never after.
 */

export interface Placement {
  modelId: string;
  slot: number;
  bytes: number;
  ready: Promise<void>;
}

export interface ModelCacheOptions<C> {
  maxModels: number;
  maxBytes: number;
  /** Bytes the model will take once loaded. */
  sizeOf(modelId: string, ctx: C): Promise<number>;
  /** Picks the worker for a model about to be loaded, given what is resident now. */
  choose(bytes: number, resident: Placement[]): number;
  load(modelId: string, slot: number, ctx: C): Promise<void>;
  /** Evicted, deleted, or failed to load: the worker should drop it. */
  unload(modelId: string, slot: number): void;
  onEvict?(modelId: string): void;
}

export class ModelTooLargeError extends ServiceUnavailableError {}

export class ModelCache<C> {
  private readonly lru: LRUCache<string, Placement>;
  private readonly admitting = new Map<string, Promise<Placement>>();
  /** Entries leaving silently (their worker died): nothing to unload. */
  private silent = false;

  constructor(private readonly opts: ModelCacheOptions<C>) {
    this.lru = new LRUCache<string, Placement>({
      max: opts.maxModels,
      maxSize: opts.maxBytes,
      dispose: (p, modelId, reason) => {
        if (this.silent) return;
        opts.unload(modelId, p.slot);
        if (reason === 'evict') opts.onEvict?.(modelId);
      },
    });
  }

  /** The model's placement once it is loaded; loads it (once) when absent. Marks it recently used. */
  async acquire(modelId: string, ctx: C): Promise<Placement> {
    const hit = this.lru.get(modelId);
    if (hit) {
      await hit.ready;
      return hit;
    }
    let p = this.admitting.get(modelId);
    if (!p) {
      p = this.admit(modelId, ctx).finally(() => this.admitting.delete(modelId));
      this.admitting.set(modelId, p);
    }
    return p;
  }

  private async admit(modelId: string, ctx: C): Promise<Placement> {
    const bytes = Math.max(1, Math.ceil(await this.opts.sizeOf(modelId, ctx)));
    if (bytes > this.opts.maxBytes) {
      throw new ModelTooLargeError(
        `model '${modelId}' needs about ${bytes} bytes, more than MODEL_CACHE_MAX_BYTES (${this.opts.maxBytes})`,
      );
    }
    const slot = this.opts.choose(bytes, this.entries());
    let settle!: { resolve: () => void; reject: (err: unknown) => void };
    const ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    ready.catch(() => undefined); // observed below; this only silences the unhandled copy
    const placement: Placement = { modelId, slot, bytes, ready };
    // Admit first: whatever must go is unloaded before the new model takes memory.
    this.lru.set(modelId, placement, { size: bytes });
    try {
      await this.opts.load(modelId, slot, ctx);
      settle.resolve();
    } catch (err) {
      settle.reject(err);
      if (this.lru.peek(modelId) === placement) this.lru.delete(modelId);
      throw err;
    }
    return placement;
  }

  /** Still resident where it was placed (not evicted since)? Checked right before dispatching. */
  isCurrent(p: Placement): boolean {
    return this.lru.peek(p.modelId) === p;
  }

  /** Drops a model (deleted); its worker disposes it once running batches end. */
  evict(modelId: string): boolean {
    return this.lru.delete(modelId);
  }

  /** Forgets every model of a worker that died, without messaging it. */
  forgetSlot(slot: number): void {
    this.silent = true;
    try {
      for (const p of this.entries()) if (p.slot === slot) this.lru.delete(p.modelId);
    } finally {
      this.silent = false;
    }
  }

  /** Forgets everything without messaging workers (they are being terminated). */
  forgetAll(): void {
    this.silent = true;
    try {
      this.lru.clear();
    } finally {
      this.silent = false;
    }
  }

  entries(): Placement[] {
    return [...this.lru.values()];
  }

  get size(): number {
    return this.lru.size;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }
}
