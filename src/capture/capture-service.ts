import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { ModelMeta } from '../contracts/model-meta.js';
import type { Prediction } from '../serving/format.js';
import type { PredictInput } from '../serving/instances.js';
import { CAPTURE_OFF, type CaptureConfig, type CaptureStore } from './capture-store.js';

/**
 * Prediction capture, opt-in per model: after predict has answered, a `rate` share of its
 * instances is written to the capture store in the background. Predict never waits for it: the
 * model's settings are read from a per-process cache (refreshed every few seconds, so a change
 * made through another API process is seen within CONFIG_TTL_MS), the sampling is one random
 * draw per instance, and writes run MAX_PENDING at a time; beyond CAPTURE_WRITES_PER_SEC or
 * MAX_QUEUED waiting they are dropped and counted, so a slow store never backs up into requests. The bound (maxItems unreviewed items)
 * is enforced every tenth of maxItems writes, so it can be passed by that much for a while.
 */

const CONFIG_TTL_MS = 5_000;
/**
 * Writes in flight, at most: each is a few filesystem operations on libuv's thread pool (four
 * threads), which predict's own lookups share; two leave the rest of the pool to requests.
 */
const MAX_PENDING = 2;
/** Writes waiting for a slot, at most: a burst of a few inputs is kept, a flood is not. */
const MAX_QUEUED = 32;
/**
 * Writes per second, at most (a token bucket): a write (a staged folder, synced and renamed) holds
 * a pool thread for a few milliseconds, and the review queue needs a sample, not every input.
 */
export const CAPTURE_WRITES_PER_SEC = 20;

export interface CaptureStats {
  captured: number;
  dropped: number;
  failed: number;
}

export class CaptureService {
  private readonly configs = new Map<string, { config: CaptureConfig; at: number; loading?: boolean }>();
  /** Writes running, and writes waiting for one of the MAX_PENDING slots. */
  private pending = 0;
  private readonly queued: Array<() => Promise<void>> = [];
  private readonly trimming = new Set<string>();
  private readonly again = new Set<string>();
  private readonly sinceTrim = new Map<string, number>();
  readonly stats: CaptureStats = { captured: 0, dropped: 0, failed: 0 };

  constructor(
    private readonly deps: {
      store: CaptureStore;
      log: Logger;
      random?: () => number;
      /** Default CAPTURE_WRITES_PER_SEC. */
      writesPerSec?: number;
    },
  ) {}

  /** The settings predict samples with; the first call for a model loads them (nothing captured meanwhile). */
  private cached(modelId: string): CaptureConfig {
    const hit = this.configs.get(modelId);
    const now = Date.now();
    if (!hit || (now - hit.at > CONFIG_TTL_MS && !hit.loading)) {
      const entry = { config: hit?.config ?? CAPTURE_OFF, at: hit?.at ?? 0, loading: true };
      this.configs.set(modelId, entry);
      this.deps.store.config(modelId).then(
        (config) => this.configs.set(modelId, { config, at: Date.now() }),
        (err: unknown) => {
          this.deps.log.warn({ err, modelId }, 'capture settings unreadable; not capturing');
          this.configs.set(modelId, { config: entry.config, at: Date.now() });
        },
      );
    }
    return this.configs.get(modelId)!.config;
  }

  async setConfig(modelId: string, config: CaptureConfig): Promise<void> {
    await this.deps.store.setConfig(modelId, config);
    this.configs.set(modelId, { config, at: Date.now() });
  }

  async config(modelId: string): Promise<CaptureConfig> {
    return this.deps.store.config(modelId);
  }

  private tokens = CAPTURE_WRITES_PER_SEC;
  private refilledAt = Date.now();

  private takeToken(): boolean {
    const perSec = this.deps.writesPerSec ?? CAPTURE_WRITES_PER_SEC;
    const now = Date.now();
    this.tokens = Math.min(perSec, this.tokens + ((now - this.refilledAt) / 1000) * perSec);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private pump(): void {
    while (this.pending < MAX_PENDING && this.queued.length > 0) {
      const next = this.queued.shift()!;
      this.pending++;
      void next().finally(() => {
        this.pending--;
        this.pump();
      });
    }
  }

  /** Called by predict once it has its answer; returns at once. */
  offer(meta: ModelMeta, input: PredictInput, predictions: Prediction[]): void {
    const config = this.cached(meta.id);
    if (config.rate <= 0) return;
    const random = this.deps.random ?? Math.random;
    predictions.forEach((prediction, i) => {
      if (random() >= config.rate) return;
      const raw = rawInput(input, i);
      if (!raw) return;
      if (this.queued.length >= MAX_QUEUED || !this.takeToken()) {
        this.stats.dropped++;
        return;
      }
      this.queued.push(() => this.write(meta.id, config, raw, prediction));
      this.pump();
    });
  }

  private async write(
    modelId: string,
    config: CaptureConfig,
    raw: { data: Buffer; contentType: string },
    prediction: Prediction,
  ): Promise<void> {
    try {
      await this.deps.store.add(
        {
          modelId,
          capturedAt: new Date().toISOString(),
          contentType: raw.contentType,
          bytes: raw.data.length,
          hash: createHash('sha256').update(raw.data).digest('hex'),
          prediction,
        },
        raw.data,
      );
      this.stats.captured++;
      // Trimming lists the store's items, so it runs once per tenth of maxItems written, not per item.
      const since = (this.sinceTrim.get(modelId) ?? 0) + 1;
      this.sinceTrim.set(modelId, since);
      if (since >= Math.max(1, Math.ceil(config.maxItems / 10))) {
        this.sinceTrim.set(modelId, 0);
        await this.trimSoon(modelId, config.maxItems);
      }
    } catch (err) {
      this.stats.failed++;
      this.deps.log.warn({ err, modelId }, 'a predict input could not be captured');
    }
  }

  /**
   * One trim at a time per model (the oldest unreviewed items beyond maxItems go); a capture that
   * lands while one runs asks for another pass after it, so the bound holds once writes settle.
   */
  private async trimSoon(modelId: string, maxItems: number): Promise<void> {
    if (this.trimming.has(modelId)) {
      this.again.add(modelId);
      return;
    }
    this.trimming.add(modelId);
    try {
      do {
        this.again.delete(modelId);
        await this.deps.store.trim(modelId, maxItems);
      } while (this.again.has(modelId));
    } finally {
      this.trimming.delete(modelId);
    }
  }

  /** Waits for the writes in flight (tests, shutdown). */
  async settle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.pending > 0 || this.queued.length > 0 || this.trimming.size > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** The i-th instance as the client sent it: image bytes, or the JSON instance. */
function rawInput(input: PredictInput, i: number): { data: Buffer; contentType: string } | undefined {
  if (input.kind === 'images') {
    const image = input.images[i];
    return image ? { data: image.data, contentType: imageType(image.data) } : undefined;
  }
  const instance = input.instances[i];
  if (instance === undefined) return undefined;
  if (typeof instance === 'object' && instance !== null && 'b64' in instance) {
    const b64 = (instance as { b64: unknown }).b64;
    if (typeof b64 === 'string') {
      const data = Buffer.from(b64, 'base64');
      return { data, contentType: imageType(data) };
    }
  }
  return { data: Buffer.from(JSON.stringify(instance)), contentType: 'application/json' };
}

function imageType(data: Buffer): string {
  if (data[0] === 0x89 && data[1] === 0x50) return 'image/png';
  if (data[0] === 0xff && data[1] === 0xd8) return 'image/jpeg';
  if (data.subarray(0, 4).toString() === 'RIFF') return 'image/webp';
  if (data.subarray(0, 3).toString() === 'GIF') return 'image/gif';
  return 'application/octet-stream';
}
