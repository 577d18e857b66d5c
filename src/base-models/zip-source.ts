import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { PayloadTooLargeError, UnprocessableError } from '../lib/errors.js';
import type { ByteBudget } from '../lib/byte-budget.js';
import { MAX_MODEL_JSON_BYTES, missingShard, modelJsonTooLarge, type ModelSource } from './model-source.js';

/**
 * One zip holding model.json and its shards, at the root or in one folder. Only the entries the
 * manifest names are extracted; sizes are counted as they decompress (yauzl also checks them
 * against the headers), so a zip bomb stops at the byte limit. Entry names with `..` or absolute
 * paths are refused by yauzl's name validation.
 */
export class ZipSource implements ModelSource {
  private constructor(
    private readonly zip: ZipFile,
    private readonly entries: Map<string, Entry>,
    private readonly root: string,
  ) {}

  static async open(file: string, maxEntries: number): Promise<ZipSource> {
    let zip: ZipFile;
    try {
      zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true });
    } catch (err) {
      throw new UnprocessableError(`the upload is not a readable zip: ${(err as Error).message}`, {
        errors: [{ path: 'file', message: 'not a zip' }],
      });
    }
    const entries = new Map<string, Entry>();
    try {
      for await (const entry of zip.eachEntry()) {
        if (entries.size >= maxEntries) {
          throw new PayloadTooLargeError(`the zip has more than ${maxEntries} entries (MAX_ARCHIVE_ENTRIES)`);
        }
        if (!entry.fileName.endsWith('/')) entries.set(entry.fileName, entry);
      }
    } catch (err) {
      zip.close();
      if (err instanceof PayloadTooLargeError) throw err;
      throw new UnprocessableError(`the zip cannot be read: ${(err as Error).message}`, {
        errors: [{ path: 'file', message: (err as Error).message }],
      });
    }
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

  private async extract(entry: Entry, dest: string, budget: ByteBudget, label: string): Promise<void> {
    if (entry.isEncrypted()) {
      throw new UnprocessableError(`zip entry '${entry.fileName}' is encrypted`);
    }
    if (entry.uncompressedSize > budget.remaining) throw budget.tooLarge(label);
    const stream = await this.zip.openReadStreamPromise(entry);
    await pipeline(stream, budget.meter(label), createWriteStream(dest));
  }

  async readModelJson(budget: ByteBudget): Promise<Buffer> {
    const entry = this.entries.get(this.root + 'model.json') as Entry;
    if (entry.uncompressedSize > MAX_MODEL_JSON_BYTES) throw modelJsonTooLarge();
    const stream = await this.zip.openReadStreamPromise(entry);
    const chunks: Buffer[] = [];
    await pipeline(stream, budget.meter('model.json'), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) chunks.push(chunk);
    });
    return Buffer.concat(chunks);
  }

  async copyShard(shardPath: string, dest: string, budget: ByteBudget): Promise<number> {
    const entry = this.entries.get(this.root + shardPath);
    if (!entry) throw missingShard(shardPath, 'the zip');
    const before = budget.spent;
    await this.extract(entry, dest, budget, shardPath);
    return budget.spent - before;
  }

  async close(): Promise<void> {
    if (this.zip.isOpen) this.zip.close();
  }
}
