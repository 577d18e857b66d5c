import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { ModelMeta } from '../contracts/model-meta.js';
import {
  EXAMPLES_DIR,
  FEATURES_FILE,
  TEXTS_FILE,
  readImageIndex,
  readManifest,
  type TextIndex,
} from '../datasets/dataset-manifest.js';
import { PermanentJobError } from '../jobs/run-training-job.js';
import { ZipArchive, type ArchiveLimits } from '../lib/zip-archive.js';
import type { BatchInput } from '../queue/queues.js';
import type { PredictInput } from '../serving/instances.js';
import type { Store } from '../storage/store.js';

/**
 * The inputs of a batch prediction, one at a time, in order: the entries of a zip (read one by
 * one, never the whole archive), the lines of a JSONL, the rows of a CSV, or a stored dataset's
 * examples. An input that can't even be read becomes an item with an `error`, never a failed batch.
 */

export interface BatchItem {
  /** What the user calls it: the file's path in the archive, the line's `id` or its line number. */
  id: string;
  input?: PredictInput;
  error?: string;
}

export interface OpenedInputs {
  /** How many items there will be (lines of a text file: an upper bound, blank lines included). */
  total: number;
  items: AsyncIterable<BatchItem>;
  close(): void;
}

export interface InputLimits extends ArchiveLimits {
  /** Largest archive entry read as one image (PREDICT_MAX_IMAGE_BYTES). */
  maxImageBytes: number;
}

/** Archive entries that are packaging debris, not inputs (macOS resource forks, thumbnails). */
const DEBRIS = /(^|\/)(__MACOSX\/|\.DS_Store$|Thumbs\.db$|desktop\.ini$)/;

export async function openInputs(
  store: Store,
  input: BatchInput,
  meta: ModelMeta,
  limits: InputLimits,
): Promise<OpenedInputs> {
  if (input.kind === 'dataset') return datasetInputs(store, input.datasetId, meta);
  const file = await store.collection('batch-inputs').local(input.inputId, input.file);
  if (input.format === 'zip') return zipInputs(file, meta, limits);
  const total = await countLines(file);
  if (input.format === 'jsonl') return { total, items: jsonlItems(file), close: () => undefined };
  return { total: Math.max(0, total - 1), items: csvItems(file, meta), close: () => undefined };
}

/**
 * Two passes over the central directory (one to count, one to read), never holding it: an entry
 * record is about 1 KB, 100 MB for 100,000 images. The archive was checked whole at upload.
 */
async function zipInputs(file: string, meta: ModelMeta, limits: InputLimits): Promise<OpenedInputs> {
  let total = 0;
  for await (const { entry } of ZipArchive.each(file, limits)) if (!DEBRIS.test(entry.path)) total++;
  const text = meta.preprocessing.kind === 'text';
  async function* items(): AsyncGenerator<BatchItem> {
    for await (const { entry, read } of ZipArchive.each(file, limits)) {
      if (DEBRIS.test(entry.path)) continue;
      if (entry.declaredBytes > limits.maxImageBytes) {
        yield {
          id: entry.path,
          error: `${entry.declaredBytes} bytes; at most ${limits.maxImageBytes} are read per input (PREDICT_MAX_IMAGE_BYTES)`,
        };
        continue;
      }
      let data: Buffer;
      try {
        data = await readAll(await read());
      } catch (err) {
        yield { id: entry.path, error: `could not be read from the archive: ${messageOf(err)}` };
        continue;
      }
      yield {
        id: entry.path,
        input: text
          ? { kind: 'json', instances: [{ text: data.toString('utf8') }] }
          : { kind: 'images', images: [{ path: entry.path, filename: entry.path, data }] },
      };
    }
  }
  return { total, items: items(), close: () => undefined };
}

/** One JSON value per line: an instance as predict takes it, with an optional `id`. */
async function* jsonlItems(file: string): AsyncGenerator<BatchItem> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const raw of lines) {
    n++;
    const line = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      yield { id: `line ${n}`, error: `line ${n} is not valid JSON: ${messageOf(err)}` };
      continue;
    }
    const { id, instance } = splitId(value, `line ${n}`);
    yield { id, input: { kind: 'json', instances: [instance] } };
  }
}

function splitId(value: unknown, fallback: string): { id: string; instance: unknown } {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !('id' in value)) {
    return { id: fallback, instance: value };
  }
  const { id, ...rest } = value as Record<string, unknown>;
  const named = typeof id === 'string' || typeof id === 'number' ? String(id) : fallback;
  return { id: named, instance: rest };
}

/**
 * A CSV with a header: an optional `id` column, and `text` for a text model or the model's
 * feature columns for a tabular one (other columns are ignored). Checked at creation too.
 */
async function* csvItems(file: string, meta: ModelMeta): AsyncGenerator<BatchItem> {
  const parser = createReadStream(file).pipe(
    parse({ bom: true, columns: true, skip_empty_lines: true, relax_column_count: true, trim: true }),
  );
  const pre = meta.preprocessing;
  let n = 1;
  for await (const record of parser as AsyncIterable<Record<string, string | undefined>>) {
    n++;
    const id = record['id'] || `row ${n - 1}`;
    if (pre.kind === 'text') {
      yield { id, input: { kind: 'json', instances: [{ text: record['text'] ?? '' }] } };
    } else if (pre.kind === 'tabular') {
      const instance: Record<string, unknown> = {};
      for (const f of pre.tabular.features) instance[f] = csvNumber(record[f]);
      yield { id, input: { kind: 'json', instances: [instance] } };
    } else {
      yield { id, error: 'an image model takes a zip of images, not CSV rows' };
    }
  }
}

/** A number, or the cell itself so that the instance check names what is wrong with it. */
function csvNumber(cell: string | undefined): unknown {
  if (cell === undefined || cell === '') return cell ?? null;
  const v = Number(cell);
  return Number.isFinite(v) ? v : cell;
}

async function datasetInputs(store: Store, datasetId: string, meta: ModelMeta): Promise<OpenedInputs> {
  const manifest = await readManifest(store, datasetId);
  const col = store.collection('datasets');
  const pre = meta.preprocessing;
  if (manifest.kind !== pre.kind) {
    throw new PermanentJobError(
      `dataset '${datasetId}' holds ${manifest.kind} examples; the model takes ${pre.kind}`,
    );
  }
  if (manifest.kind === 'image') {
    const { examples } = await readImageIndex(store, datasetId);
    const dir = await col.local(datasetId, EXAMPLES_DIR);
    async function* items(): AsyncGenerator<BatchItem> {
      for (const r of examples) {
        const data = await readFile(path.join(dir, r.file)).catch(() => undefined);
        yield data
          ? { id: r.path, input: { kind: 'images', images: [{ path: r.path, filename: r.path, data }] } }
          : { id: r.path, error: 'the stored example could not be read' };
      }
    }
    return { total: examples.length, items: items(), close: () => undefined };
  }
  if (manifest.kind === 'text') {
    const index = await col.readJson<TextIndex>(datasetId, TEXTS_FILE);
    async function* items(): AsyncGenerator<BatchItem> {
      for (const [i, text] of index.texts.entries()) {
        yield { id: index.refs[i] ?? `text ${i + 1}`, input: { kind: 'json', instances: [{ text }] } };
      }
    }
    return { total: index.texts.length, items: items(), close: () => undefined };
  }
  const features = manifest.features;
  const file = await col.local(datasetId, FEATURES_FILE);
  async function* rows(): AsyncGenerator<BatchItem> {
    const fh = await open(file, 'r');
    try {
      const row = Buffer.alloc(features.length * 4);
      for (let i = 0; ; i++) {
        const { bytesRead } = await fh.read(row, 0, row.length, i * row.length);
        if (bytesRead < row.length) return;
        const instance: Record<string, number> = {};
        features.forEach((f, j) => (instance[f] = row.readFloatLE(j * 4)));
        yield { id: `row ${i + 1}`, input: { kind: 'json', instances: [instance] } };
      }
    } finally {
      await fh.close();
    }
  }
  return { total: manifest.examples, items: rows(), close: () => undefined };
}

/** Newline-terminated lines, plus a last line without one. */
async function countLines(file: string): Promise<number> {
  let lines = 0;
  let last = 10;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
    if (chunk.length > 0) last = chunk[chunk.length - 1]!;
  }
  return last === 10 ? lines : lines + 1;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
