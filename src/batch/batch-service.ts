import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ModelMeta } from '../contracts/model-meta.js';
import type { UploadPart } from '../contracts/upload-part.js';
import { readManifest } from '../datasets/dataset-manifest.js';
import type { JobService, JobState } from '../jobs/job-service.js';
import { ByteCounter } from '../lib/byte-counter.js';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../lib/errors.js';
import { assertSafeId, newId } from '../lib/ids.js';
import type { ArchiveLimits } from '../lib/zip-archive.js';
import type { ModelRegistry } from '../models/registry.js';
import type { QueueService } from '../queue/queue-service.js';
import type { BatchInput, BatchPayload } from '../queue/queues.js';
import type { Store } from '../storage/store.js';
import { RESULT_FILES } from './batch-output.js';
import { checkUpload } from './batch-upload.js';
import { batchView, type BatchView } from './batch-view.js';

/**
 * Batch predictions as the API shows them: checks the model and the input up front (a file the
 * job could never read is refused now, with a 4xx, not hours later), stores an uploaded input,
 * and queues one `batch` job; reading, watching, cancelling and listing go through the
 * JobService, as for training jobs and advisor runs.
 */

export const DEFAULT_BATCH_TOP_K = 3;

export interface BatchRequest {
  modelId: string;
  version?: number | undefined;
  topK?: number | undefined;
  /** An earlier upload (its `uploadId`) or a stored dataset. */
  input: { uploadId: string } | { datasetId: string };
}

export type { BatchView } from './batch-view.js';

export type BatchEvent = { type: 'progress' | 'end'; batch: BatchView };

export interface BatchServiceDeps {
  store: Store;
  jobs: JobService;
  queues: Pick<QueueService, 'exclusive'>;
  registry: ModelRegistry;
  archiveLimits: ArchiveLimits;
}

const UPLOAD_FIELDS = ['modelId', 'version', 'topK'];
const FILE_NAMES = { zip: 'input.zip', jsonl: 'input.jsonl', csv: 'input.csv' } as const;

type AllowModel = (meta: ModelMeta) => void;

export class BatchService {
  constructor(private readonly deps: BatchServiceDeps) {}

  /** Multipart: the input as `file`, with fields `modelId`, optional `version` and `topK`. */
  /** `allow`: throws to refuse the resolved model (a key's model list). */
  async createFromUpload(parts: AsyncIterable<UploadPart>, allow?: AllowModel): Promise<BatchView> {
    const staging = await this.deps.store.stagingDir('batch-upload');
    try {
      let upload: { path: string; filename: string; bytes: number } | undefined;
      const fields: Record<string, string> = {};
      for await (const part of parts) {
        if (part.type === 'file') {
          if (part.field !== 'file' || upload) {
            part.stream.resume();
            throw fieldError(
              part.field,
              upload
                ? 'send exactly one file'
                : `unexpected file field '${part.field}'; send the input as 'file'`,
            );
          }
          const dest = path.join(staging, 'upload');
          const counter = new ByteCounter();
          await pipeline(part.stream, counter, createWriteStream(dest));
          upload = { path: dest, filename: part.filename, bytes: counter.bytes };
        } else {
          if (!UPLOAD_FIELDS.includes(part.field)) {
            throw fieldError(
              part.field,
              `unknown field '${part.field}'; expected ${UPLOAD_FIELDS.join(', ')}`,
            );
          }
          fields[part.field] = part.value;
        }
      }
      if (!upload) throw fieldError('file', "no file: send the inputs as the multipart field 'file'");
      if (!fields['modelId'])
        throw fieldError('modelId', 'required: the id or name of the model to score with');
      const version = optionalInt(fields['version'], 'version', 1, 1e9);
      const topK = optionalInt(fields['topK'], 'topK', 1, 1000);
      const meta = await this.model(fields['modelId'], version, allow);
      const format = await checkUpload(upload, meta, this.deps.archiveLimits);
      const inputId = newId('batchInput');
      const file = FILE_NAMES[format];
      await this.deps.store.collection('batch-inputs').create(inputId, async (dir) => {
        await rename(upload.path, path.join(dir, file));
      });
      const input: BatchInput = {
        kind: 'upload',
        format,
        inputId,
        file,
        filename: upload.filename,
        bytes: upload.bytes,
      };
      try {
        return await this.enqueue(meta, input, topK);
      } catch (err) {
        // Not queued (Redis down, the model deleted meanwhile): the upload would be orphaned.
        await this.deps.store
          .collection('batch-inputs')
          .remove(inputId)
          .catch(() => undefined);
        throw err;
      }
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** JSON: an earlier upload or a dataset. */
  async create(req: BatchRequest, allow?: AllowModel): Promise<BatchView> {
    const meta = await this.model(req.modelId, req.version, allow);
    if ('datasetId' in req.input) {
      const manifest = await readManifest(this.deps.store, req.input.datasetId).catch((err: unknown) => {
        throw err instanceof NotFoundError ? fieldError('input.datasetId', err.message) : err;
      });
      if (manifest.kind !== meta.preprocessing.kind) {
        throw new UnprocessableError(
          `dataset '${manifest.id}' holds ${manifest.kind} examples; model '${meta.id}' takes ${meta.preprocessing.kind}`,
          { errors: [{ path: 'body.input.datasetId', message: `a ${manifest.kind} dataset` }] },
        );
      }
      return this.enqueue(meta, { kind: 'dataset', datasetId: manifest.id }, req.topK);
    }
    const earlier = await this.uploadOf(req.input.uploadId);
    return this.enqueue(meta, earlier, req.topK);
  }

  async get(id: string): Promise<BatchView> {
    return batchView(await this.deps.jobs.record(id, 'batch'));
  }

  async list(opts: { state?: JobState; limit: number; offset: number }) {
    const page = await this.deps.jobs.listRecords('batch', opts);
    return { ...page, items: page.items.map(batchView) };
  }

  async cancel(id: string): Promise<BatchView> {
    return batchView(await this.deps.jobs.cancelRecord(id, 'batch'));
  }

  /** Removes a finished batch: its record, its results, and its upload unless another batch reuses it. */
  async remove(id: string): Promise<void> {
    const record = await this.deps.jobs.removeRecord(id, 'batch');
    await this.deps.store.collection('batch-results').remove(id).catch(ignoreNotFound);
    const input = (record.data as BatchPayload).input;
    if (input.kind !== 'upload') return;
    const others = await this.deps.jobs.listRecords('batch', { limit: Number.MAX_SAFE_INTEGER, offset: 0 });
    const shared = others.items.some((r) => {
      const i = (r.data as BatchPayload).input;
      return i.kind === 'upload' && i.inputId === input.inputId;
    });
    if (!shared) await this.deps.store.collection('batch-inputs').remove(input.inputId).catch(ignoreNotFound);
  }

  /** The results file of a completed batch, for streaming. */
  async results(
    id: string,
    format: 'jsonl' | 'csv',
  ): Promise<{ path: string; filename: string; contentType: string }> {
    const batch = await this.get(id);
    if (batch.state !== 'completed') {
      throw new ConflictError(
        `batch prediction '${id}' is ${batch.state}; results exist once it has completed`,
      );
    }
    const file = await this.deps.store.collection('batch-results').local(id, RESULT_FILES[format]);
    return {
      path: file,
      filename: `${id}.${format}`,
      contentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    };
  }

  async *watch(id: string, signal: AbortSignal): AsyncGenerator<BatchEvent> {
    for await (const ev of this.deps.jobs.watchRecords(id, 'batch', signal)) {
      yield { type: ev.type, batch: batchView(ev.record) };
    }
  }

  private async model(idOrName: string, version: number | undefined, allow?: AllowModel): Promise<ModelMeta> {
    const meta = await this.deps.registry.resolve(idOrName, version).catch((err: unknown) => {
      throw err instanceof NotFoundError ? fieldError('modelId', err.message) : err;
    });
    allow?.(meta);
    return meta;
  }

  private async enqueue(meta: ModelMeta, input: BatchInput, topK: number | undefined): Promise<BatchView> {
    const batchId = newId('batch');
    const payload: BatchPayload = { batchId, modelId: meta.id, topK: topK ?? DEFAULT_BATCH_TOP_K, input };
    const uses = { modelId: meta.id, ...(input.kind === 'dataset' ? { datasetId: input.datasetId } : {}) };
    const record = await this.deps.queues.exclusive(uses, async () => {
      // Deleted meanwhile? Then the job would only fail; answer now.
      await this.deps.registry.models.readJson(meta.id, 'meta.json');
      return this.deps.jobs.enqueue('batch', payload, batchId);
    });
    return batchView(record);
  }

  /** The upload of an earlier batch, to score again (with another model, say). */
  private async uploadOf(uploadId: string): Promise<BatchInput> {
    assertSafeId(uploadId, 'input.uploadId');
    const all = await this.deps.jobs.listRecords('batch', { limit: Number.MAX_SAFE_INTEGER, offset: 0 });
    for (const r of all.items) {
      const input = (r.data as BatchPayload).input;
      if (input.kind === 'upload' && input.inputId === uploadId) {
        if (await this.deps.store.collection('batch-inputs').exists(uploadId)) return input;
      }
    }
    throw fieldError(
      'input.uploadId',
      `upload '${uploadId}' not found (it goes with the batch that uploaded it)`,
    );
  }
}

function optionalInt(raw: string | undefined, field: string, min: number, max: number): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw fieldError(field, `must be an integer from ${min} to ${max}`);
  }
  return v;
}

function fieldError(field: string, message: string): ValidationError {
  return new ValidationError(`${field}: ${message}`, { errors: [{ path: `body.${field}`, message }] });
}

function ignoreNotFound(err: unknown): void {
  if (!(err instanceof NotFoundError)) throw err;
}
