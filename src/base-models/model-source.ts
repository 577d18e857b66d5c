import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PayloadTooLargeError, UnprocessableError } from '../lib/errors.js';
import type { ByteBudget } from '../lib/byte-budget.js';

/**
 * Where a registration's files come from: an upload that landed on disk, a zip, a URL, an npm
 * package. The assembler (assemble.ts) asks each the same two things, so every source gets the
 * same checks: read model.json, then copy each shard the manifest names.
 */
export interface ModelSource {
  readModelJson(budget: ByteBudget): Promise<Buffer>;
  /** Writes the shard at manifest path `shardPath` to `dest`; returns its size in bytes. */
  copyShard(shardPath: string, dest: string, budget: ByteBudget): Promise<number>;
  close(): Promise<void>;
}

/** No model.json in the wild is near this; a bigger one is a mistake or an attack. */
export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;

export function missingShard(shardPath: string, where: string): UnprocessableError {
  const message = `weight shard '${shardPath}' named by model.json's weightsManifest is missing from ${where}`;
  return new UnprocessableError(message, { errors: [{ path: shardPath, message: 'missing' }] });
}

export function modelJsonTooLarge(): PayloadTooLargeError {
  return new PayloadTooLargeError(`model.json is larger than ${MAX_MODEL_JSON_BYTES} bytes`);
}

/**
 * Files already on local disk (an upload's parts, an unpacked package), looked up by their
 * manifest path or, failing that, by base name: upload clients send bare file names.
 */
export class DirectorySource implements ModelSource {
  constructor(
    private readonly modelJsonFile: string,
    /** Relative name (as sent or as written) -> absolute path. */
    private readonly files: ReadonlyMap<string, string>,
    private readonly where: string,
  ) {}

  async readModelJson(budget: ByteBudget): Promise<Buffer> {
    const { size } = await stat(this.modelJsonFile);
    if (size > MAX_MODEL_JSON_BYTES) throw modelJsonTooLarge();
    budget.take(size, 'model.json');
    return readFile(this.modelJsonFile);
  }

  private find(shardPath: string): string | undefined {
    const exact = this.files.get(shardPath);
    if (exact) return exact;
    const base = path.posix.basename(shardPath);
    const matches = [...this.files.entries()].filter(([name]) => path.posix.basename(name) === base);
    return matches.length === 1 ? matches[0]?.[1] : undefined;
  }

  async copyShard(shardPath: string, dest: string, budget: ByteBudget): Promise<number> {
    const file = this.find(shardPath);
    if (!file) throw missingShard(shardPath, this.where);
    const { size } = await stat(file);
    budget.take(size, shardPath);
    await pipeline(createReadStream(file), createWriteStream(dest));
    return size;
  }

  async close(): Promise<void> {}
}
