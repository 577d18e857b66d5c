import { createWriteStream } from 'node:fs';
import { open, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { userNameSchema } from '../contracts/user-names.js';
import type { UploadPart } from '../contracts/upload-part.js';
import type { VersionRequest } from '../contracts/audit.js';
import { ingestUpload } from './ingest.js';
import { createVersion } from './versions.js';
import { prepareAdditions, type Additions, type AddedExample } from './version-additions.js';
import type { DatasetFields, UploadedFile } from './modality.js';
import {
  EXAMPLES_DIR,
  FEATURES_FILE,
  IMAGE_CONTENT_TYPES,
  MANIFEST_FILE,
  TARGETS_FILE,
  TEXTS_FILE,
  readImageIndex,
  readManifest,
  type DatasetManifest,
  type ImageExampleRecord,
  type ImageFormat,
  type SplitName,
  type TabularDatasetManifest,
  type TextIndex,
} from './dataset-manifest.js';
import { readRows } from './tabular/tabular-source.js';
import type { ArchiveLimits } from '../lib/zip-archive.js';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../lib/errors.js';
import { assertSafeId } from '../lib/ids.js';
import type { QueueService } from '../queue/queue-service.js';
import { ByteCounter } from '../lib/byte-counter.js';
import { storing } from '../storage/free-space.js';
import type { Page, Store } from '../storage/store.js';

export interface ImageExampleView {
  id: string;
  file: string;
  label: string;
  split: SplitName;
  bytes: number;
  width: number;
  height: number;
  format: ImageFormat;
}

export interface TabularRowView {
  /** 1-based data row of the uploaded CSV (the header is not counted). */
  row: number;
  label: string | number;
  split: SplitName;
  features: number[];
}

export interface TextExampleView {
  /** Where the text came from: `line <n>` of the upload, or the file's path in the archive. */
  ref: string;
  label: string;
  split: SplitName;
  text: string;
}

export type ExampleView = ImageExampleView | TabularRowView | TextExampleView;

const fieldsSchema = z.object({
  name: userNameSchema(200).optional(),
  labelColumn: z.string().trim().min(1).max(200).optional(),
  textColumn: z.string().trim().min(1).max(200).optional(),
  task: z.enum(['classification', 'regression']).optional(),
});
const FIELD_NAMES = Object.keys(fieldsSchema.shape);

interface CachedIndex {
  examples: ImageExampleRecord[];
  byId: Map<string, ImageExampleRecord>;
}

/**
 * Datasets: upload (streamed to disk, checked, stored atomically), list, inspect, browse
 * examples, delete. Knows nothing of HTTP; the route adapts multipart parts to UploadPart.
 */
export class DatasetService {
  /** Datasets never change once stored, so their example indexes can be cached. */
  private readonly indexes = new LRUCache<string, CachedIndex>({ max: 8 });

  constructor(
    private readonly deps: {
      store: Store;
      queues: Pick<QueueService, 'isInUse' | 'exclusive'>;
      limits: ArchiveLimits;
    },
  ) {}

  /**
   * Stores an uploaded dataset. A volume that fills up on the way is a 507 error naming the
   * upload, with `bytesNeeded` (the request's size, when known) and the bytes left free.
   */
  create(parts: AsyncIterable<UploadPart>, opts: { bytesNeeded?: number } = {}): Promise<DatasetManifest> {
    return storing('the dataset upload', this.deps.store.root, () => this.receive(parts), opts);
  }

  private async receive(parts: AsyncIterable<UploadPart>): Promise<DatasetManifest> {
    const staging = await this.deps.store.stagingDir('upload');
    try {
      let upload: UploadedFile | undefined;
      const raw: Record<string, string> = {};
      for await (const part of parts) {
        if (part.type === 'file') {
          if (part.field !== 'file') {
            part.stream.resume();
            throw fieldError(part.field, `unexpected file field '${part.field}'; send the dataset as 'file'`);
          }
          if (upload) {
            part.stream.resume();
            throw fieldError('file', 'send exactly one file');
          }
          upload = await stageFile(part.stream, path.join(staging, 'upload'), part.filename);
        } else {
          if (!FIELD_NAMES.includes(part.field)) {
            throw fieldError(part.field, `unknown field '${part.field}'; expected ${FIELD_NAMES.join(', ')}`);
          }
          if (part.field in raw) throw fieldError(part.field, `field '${part.field}' is given twice`);
          raw[part.field] = part.value;
        }
      }
      if (!upload) throw fieldError('file', "no file: send the dataset as the multipart field 'file'");
      const parsed = fieldsSchema.safeParse(raw);
      if (!parsed.success) {
        const errors = parsed.error.issues.map((i) => ({
          path: `body.${i.path.join('.')}`,
          message: i.message,
        }));
        throw new ValidationError(errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
      }
      const fields: DatasetFields = {};
      if (parsed.data.name) fields.name = parsed.data.name;
      if (parsed.data.labelColumn) fields.labelColumn = parsed.data.labelColumn;
      if (parsed.data.textColumn) fields.textColumn = parsed.data.textColumn;
      if (parsed.data.task) fields.task = parsed.data.task;
      return await ingestUpload(this.deps.store, upload, fields, this.deps.limits);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  async list(limit: number, offset: number): Promise<Page<DatasetManifest>> {
    return this.deps.store.collection('datasets').page<DatasetManifest>(MANIFEST_FILE, limit, offset);
  }

  async get(id: string): Promise<DatasetManifest> {
    return readManifest(this.deps.store, id);
  }

  async examples(
    id: string,
    q: { label?: string | undefined; split?: SplitName | undefined; limit: number; offset: number },
  ): Promise<Page<ExampleView>> {
    const manifest = await this.get(id);
    let classIndex: number | undefined;
    if (q.label !== undefined) {
      classIndex = manifest.classes.findIndex((c) => c.name === q.label);
      if (classIndex < 0) {
        const known = manifest.classes.map((c) => c.name);
        throw fieldError(
          'query.label',
          known.length > 0
            ? `'${q.label}' is not a class of this dataset (${known.slice(0, 20).join(', ')})`
            : 'this dataset has no classes (regression): the label filter does not apply',
        );
      }
    }
    if (manifest.kind === 'tabular') return this.rows(manifest, classIndex, q);
    if (manifest.kind === 'text') {
      const index = await this.deps.store.collection('datasets').readJson<TextIndex>(id, TEXTS_FILE);
      const matching = index.texts
        .map((_, i) => i)
        .filter(
          (i) =>
            (classIndex === undefined || index.labels[i] === classIndex) &&
            (q.split === undefined || index.splits[i] === q.split),
        );
      return {
        items: matching.slice(q.offset, q.offset + q.limit).map((i) => ({
          ref: index.refs[i] as string,
          label: manifest.classes[index.labels[i] as number]?.name ?? '',
          split: index.splits[i] as SplitName,
          text: index.texts[i] as string,
        })),
        total: matching.length,
        limit: q.limit,
        offset: q.offset,
      };
    }

    const { examples } = await this.index(id);
    const matching = examples.filter(
      (r) =>
        (classIndex === undefined || r.label === classIndex) &&
        (q.split === undefined || r.split === q.split),
    );
    return {
      items: matching.slice(q.offset, q.offset + q.limit).map((r) => ({
        id: r.id,
        file: r.path,
        label: manifest.classes[r.label]?.name ?? String(r.label),
        split: r.split,
        bytes: r.bytes,
        width: r.width,
        height: r.height,
        format: r.format,
      })),
      total: matching.length,
      limit: q.limit,
      offset: q.offset,
    };
  }

  /** The stored image file of one example, for previews. */
  async exampleFile(
    id: string,
    exampleId: string,
  ): Promise<{ path: string; contentType: string; bytes: number }> {
    assertSafeId(exampleId, 'exampleId');
    const manifest = await this.get(id);
    if (manifest.kind !== 'image') {
      throw new NotFoundError(`dataset '${id}' is ${manifest.kind}: its examples are not stored as files`);
    }
    const record = (await this.index(id)).byId.get(exampleId);
    if (!record) throw new NotFoundError(`example '${exampleId}' not found in dataset '${id}'`);
    const file = await this.deps.store.collection('datasets').local(id, EXAMPLES_DIR, record.file);
    const s = await stat(file).catch(() => undefined);
    if (!s) throw new NotFoundError(`example '${exampleId}' not found in dataset '${id}'`);
    return { path: file, contentType: IMAGE_CONTENT_TYPES[record.format], bytes: s.size };
  }

  /**
   * A new dataset from this one with examples left out or relabelled (see versions.ts); under
   * the dataset's lock, so a concurrent delete happens wholly before (404) or after.
   */
  async createVersion(id: string, req: VersionRequest): Promise<DatasetManifest> {
    assertSafeId(id, 'id');
    return this.deps.queues.exclusive({ datasetId: id }, () => createVersion(this.deps.store, id, req));
  }

  /**
   * A version of the dataset with examples added (labelled production inputs, see
   * version-additions.ts), under the dataset's lock like any version; those that cannot be
   * examples of the dataset's kind are left out and returned with the reason.
   */
  async addExamples(
    id: string,
    added: readonly AddedExample[],
    name: string,
  ): Promise<{ manifest: DatasetManifest; skipped: Additions['skipped'] }> {
    assertSafeId(id, 'id');
    return this.deps.queues.exclusive({ datasetId: id }, async () => {
      const parent = await readManifest(this.deps.store, id);
      const additions = await prepareAdditions(parent, added);
      if (additions.items.length === 0) {
        throw new UnprocessableError(
          `none of the ${added.length} labelled input(s) can be an example of dataset '${id}': ` +
            additions.skipped
              .slice(0, 3)
              .map((s) => `${s.exampleId}: ${s.reason}`)
              .join('; '),
        );
      }
      const manifest = await createVersion(
        this.deps.store,
        id,
        { exclude: [], relabel: [], name },
        additions,
      );
      return { manifest, skipped: additions.skipped };
    });
  }

  async remove(id: string): Promise<void> {
    assertSafeId(id, 'id');
    const datasets = this.deps.store.collection('datasets');
    // Under the dataset's lock: a job being created for it is either queued (409 here) or
    // will find the dataset gone (404 there), never both succeeding.
    await this.deps.queues.exclusive({ datasetId: id }, async () => {
      if (!(await datasets.exists(id))) throw new NotFoundError(`dataset '${id}' not found`);
      if (await this.deps.queues.isInUse({ datasetId: id })) {
        throw new ConflictError(
          `dataset '${id}' is used by a queued or running job; cancel the job or wait for it`,
        );
      }
      this.indexes.delete(id);
      await datasets.remove(id);
      await removeEmbeddingCache(this.deps.store, id);
    });
  }

  private async index(id: string): Promise<CachedIndex> {
    const hit = this.indexes.get(id);
    if (hit) return hit;
    const { examples } = await readImageIndex(this.deps.store, id);
    const entry = { examples, byId: new Map(examples.map((r) => [r.id, r])) };
    this.indexes.set(id, entry);
    return entry;
  }

  private async rows(
    manifest: TabularDatasetManifest,
    classIndex: number | undefined,
    q: { split?: SplitName | undefined; limit: number; offset: number },
  ): Promise<Page<TabularRowView>> {
    const col = this.deps.store.collection('datasets');
    const raw = await readFile(await col.local(manifest.id, TARGETS_FILE));
    const targets = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    // Uploaded CSVs carry no split of their own: every row is `train` until a job draws one.
    let rows: number[] = [];
    if (q.split === undefined || q.split === 'train') {
      for (let r = 0; r < targets.length; r++)
        if (classIndex === undefined || targets[r] === classIndex) rows.push(r);
    }
    const total = rows.length;
    rows = rows.slice(q.offset, q.offset + q.limit);
    const n = manifest.features.length;
    const fh = await open(await col.local(manifest.id, FEATURES_FILE), 'r');
    let x: Float32Array;
    try {
      x = await readRows(fh, rows, n);
    } finally {
      await fh.close();
    }
    return {
      items: rows.map((r, i) => ({
        row: r + 1,
        label:
          manifest.task === 'classification'
            ? (manifest.classes[targets[r] as number]?.name ?? '')
            : (targets[r] as number),
        split: 'train' as const,
        features: Array.from(x.subarray(i * n, (i + 1) * n)),
      })),
      total,
      limit: q.limit,
      offset: q.offset,
    };
  }
}

/** Text datasets: the sentence-encoder embeddings jobs stored for it (see text-modality.ts). */
async function removeEmbeddingCache(store: Store, id: string): Promise<void> {
  const dir = path.join(store.root, '.cache', 'embeddings');
  const files = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    files.filter((f) => f.startsWith(`${id}-`)).map((f) => rm(path.join(dir, f), { force: true })),
  );
}

async function stageFile(stream: Readable, dest: string, filename: string): Promise<UploadedFile> {
  const counter = new ByteCounter();
  await pipeline(stream, counter, createWriteStream(dest));
  return { path: dest, filename, bytes: counter.bytes, sha256: counter.digest() };
}

function fieldError(field: string, message: string): ValidationError {
  const p = field.startsWith('query.') || field.startsWith('body.') ? field : `body.${field}`;
  return new ValidationError(message, { errors: [{ path: p, message }] });
}
