import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ByteBudget } from '../lib/byte-budget.js';
import { checkGroupSizes, parseModelJson, type ParsedModelJson } from './model-json-check.js';
import type { ModelSource } from './model-source.js';

export interface AssembledModel {
  parsed: ParsedModelJson;
  /** model.json plus every shard, as stored. */
  sizeBytes: number;
  /** Stored files relative to the folder, model.json first. */
  files: string[];
}

/**
 * Copies model.json (byte for byte: quantized weights and all metadata stay as published) and
 * every shard its manifest names from `source` into `dir`, then checks each weight group's size.
 * Files the manifest does not name are not copied.
 */
export async function assembleModel(
  source: ModelSource,
  dir: string,
  budget: ByteBudget,
  opts: { allowGraph?: boolean } = {},
): Promise<AssembledModel> {
  const jsonBytes = await source.readModelJson(budget);
  const parsed = parseModelJson(jsonBytes, opts);
  await writeFile(path.join(dir, 'model.json'), jsonBytes);
  const sizes = new Map<string, number>();
  for (const shardPath of parsed.shardPaths) {
    const dest = path.join(dir, ...shardPath.split('/'));
    await mkdir(path.dirname(dest), { recursive: true });
    sizes.set(shardPath, await source.copyShard(shardPath, dest, budget));
  }
  checkGroupSizes(parsed, (p) => sizes.get(p) ?? 0);
  const shardBytes = [...sizes.values()].reduce((a, b) => a + b, 0);
  return { parsed, sizeBytes: jsonBytes.length + shardBytes, files: ['model.json', ...parsed.shardPaths] };
}
