import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PayloadTooLargeError, UnprocessableError, ValidationError } from '../lib/errors.js';
import type { ByteBudget } from '../lib/byte-budget.js';
import { EntryReadError, ZipArchive, type ArchiveEntry } from '../lib/zip-archive.js';
import { MAX_MODEL_JSON_BYTES, missingShard, modelJsonTooLarge, type ModelSource } from './model-source.js';

/**
 * One zip holding model.json and its shards, at the root or in one folder, read through the
 * project's one zip reader (src/lib/zip-archive.ts): an archive with a symlink, an absolute
 * path or a `..` segment is refused whole. Only the entries the manifest names are extracted;
 * sizes are counted as they decompress, so a zip bomb stops at the byte limit.
 */
export class ZipSource implements ModelSource {
  private closed = false;

  private constructor(
    private readonly zip: ZipArchive,
    private readonly entries: Map<string, ArchiveEntry>,
    private readonly root: string,
  ) {}

  static async open(file: string, maxEntries: number): Promise<ZipSource> {
    let zip: ZipArchive;
    try {
      // The byte limit is the registration's ByteBudget, counted as entries are extracted.
      zip = await ZipArchive.open(file, { maxEntries, maxBytes: Number.MAX_SAFE_INTEGER });
    } catch (err) {
      if (err instanceof PayloadTooLargeError) throw err;
      if (err instanceof ValidationError) {
        throw new UnprocessableError(err.message, { errors: [{ path: 'file', message: err.message }] });
      }
      throw err;
    }
    const entries = new Map(zip.entries.map((e) => [e.path, e] as const));
    const candidates = [...entries.keys()].filter((n) => path.posix.basename(n) === 'model.json');
    const depth = (n: string) => n.split('/').length;
    candidates.sort((a, b) => depth(a) - depth(b));
    const first = candidates[0];
    if (!first) {
      zip.close();
      throw new UnprocessableError('the zip holds no model.json', {
        errors: [{ path: 'file', message: 'no model.json in the zip' }],
      });
    }
    if (candidates.length > 1 && depth(candidates[1] as string) === depth(first)) {
      zip.close();
      throw new UnprocessableError(`the zip holds several model.json files: ${candidates.join(', ')}`, {
        errors: [{ path: 'file', message: 'more than one model.json' }],
      });
    }
    const root = path.posix.dirname(first);
    return new ZipSource(zip, entries, root === '.' ? '' : root + '/');
  }

  /** One entry's bytes, counted against `budget`; a broken or encrypted entry is a 422. */
  private async open(entry: ArchiveEntry, budget: ByteBudget, label: string) {
    if (entry.unreadable) {
      throw new UnprocessableError(`zip entry '${entry.path}' is ${entry.unreadable}`);
    }
    if (entry.declaredBytes > budget.remaining) throw budget.tooLarge(label);
    const stream = await this.zip.stream(entry);
    return { stream, meter: budget.meter(label) };
  }

  private async run(entry: ArchiveEntry, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      if (err instanceof EntryReadError) {
        throw new UnprocessableError(`zip entry '${entry.path}' cannot be read: ${err.message}`);
      }
      throw err;
    }
  }

  async readModelJson(budget: ByteBudget): Promise<Buffer> {
    const entry = this.entries.get(this.root + 'model.json') as ArchiveEntry;
    if (entry.declaredBytes > MAX_MODEL_JSON_BYTES) throw modelJsonTooLarge();
    const chunks: Buffer[] = [];
    await this.run(entry, async () => {
      const { stream, meter } = await this.open(entry, budget, 'model.json');
      await pipeline(stream, meter, async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) chunks.push(chunk);
      });
    });
    return Buffer.concat(chunks);
  }

  async copyShard(shardPath: string, dest: string, budget: ByteBudget): Promise<number> {
    const entry = this.entries.get(this.root + shardPath);
    if (!entry) throw missingShard(shardPath, 'the zip');
    const before = budget.spent;
    await this.run(entry, async () => {
      const { stream, meter } = await this.open(entry, budget, shardPath);
      await pipeline(stream, meter, createWriteStream(dest));
    });
    return budget.spent - before;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.zip.close();
  }
}
