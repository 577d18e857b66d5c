import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../lib/errors.js';
import { displayUrl, fetchError, safeGet, type SafeGetOptions } from '../lib/safe-http.js';
import type { ByteBudget } from '../lib/byte-budget.js';
import { MAX_MODEL_JSON_BYTES, modelJsonTooLarge, type ModelSource } from './model-source.js';

/**
 * model.json at a URL and its shards beside it, resolved the way `tf.loadLayersModel` resolves
 * them (relative to the model.json URL as given). Shard paths were already checked to be plain
 * relative paths (manifest.ts), so they cannot point at another host. Content-Length is checked
 * against the byte budget before the body is read; bodies without one are counted as they
 * stream.
 */
export class UrlSource implements ModelSource {
  constructor(
    private readonly modelJsonUrl: URL,
    private readonly opts: SafeGetOptions,
  ) {}

  private async open(url: URL, budget: ByteBudget, label: string, cap = Infinity) {
    const res = await safeGet(url, this.opts);
    if (res.contentLength !== undefined && res.contentLength > Math.min(budget.remaining, cap)) {
      res.body.destroy();
      throw res.contentLength > cap
        ? modelJsonTooLarge()
        : budget.tooLarge(`${label} is ${res.contentLength} bytes`);
    }
    return res;
  }

  private async guard<T>(url: URL, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw err instanceof AppError ? err : fetchError(err, url, this.opts);
    }
  }

  async readModelJson(budget: ByteBudget): Promise<Buffer> {
    const url = this.modelJsonUrl;
    return this.guard(url, async () => {
      const res = await this.open(url, budget, 'model.json', MAX_MODEL_JSON_BYTES);
      const chunks: Buffer[] = [];
      await pipeline(res.body, budget.meter('model.json'), async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) chunks.push(chunk);
      });
      return Buffer.concat(chunks);
    });
  }

  async copyShard(shardPath: string, dest: string, budget: ByteBudget): Promise<number> {
    const url = new URL(shardPath, this.modelJsonUrl);
    return this.guard(url, async () => {
      const before = budget.spent;
      const res = await this.open(url, budget, `shard '${shardPath}' (${displayUrl(url)})`);
      await pipeline(res.body, budget.meter(shardPath), createWriteStream(dest));
      return budget.spent - before;
    });
  }

  async close(): Promise<void> {}
}
