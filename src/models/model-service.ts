import { open, readFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors.js';
import { MODEL_JSON, type ModelJson } from '../ml/index.js';
import type { ModelMeta } from '../contracts/model-meta.js';
import { parseModelRef } from './names.js';
import { OOF_JSON, type ListModelsQuery, type ModelRegistry } from './registry.js';
import type { OutOfFoldFile } from '../contracts/evaluation.js';
import { detail, summarize, type ModelDetail, type ModelSummary } from './model-schemas.js';
import type { QueueService } from '../queue/queue-service.js';
import { isNotFound, type Page } from '../storage/store.js';
import type { PredictionService } from '../serving/prediction-service.js';
import { bundleFiles } from './download/bundle.js';

/** Beside model.json in a download: what a client needs to feed the model and read its output. */
export const DOWNLOAD_METADATA = 'metadata.json';

/** GET /v1/models/:id/evaluation/predictions: one page of the model's OutOfFoldFile. */
export type OutOfFoldPage = Omit<OutOfFoldFile, 'predictions'> & {
  modelId: string;
  items: OutOfFoldFile['predictions'];
  total: number;
  offset: number;
  limit: number;
};

export interface ModelDownload {
  filename: string;
  stream: Readable;
}

/** Trained models: listing, inspection, deletion, download, and publishing new ones. */
export class ModelService {
  constructor(
    private readonly deps: {
      registry: ModelRegistry;
      queues: Pick<QueueService, 'isInUse' | 'exclusive'>;
      predictions: Pick<PredictionService, 'evict'>;
      /** Told after a model is deleted: what else held its data (its captured inputs) goes too. */
      onDeleted?: (modelId: string) => Promise<void>;
    },
  ) {}

  async list(q: ListModelsQuery): Promise<Page<ModelSummary>> {
    const page = await this.deps.registry.list(q);
    return { ...page, items: page.items.map(summarize) };
  }

  /** The model's meta with its list entry's `kind` and `metrics`, and `notes` on what an older model does not do. */
  async get(idOrName: string, version?: number): Promise<ModelDetail & { notes?: string[] }> {
    const meta = await this.deps.registry.resolve(idOrName, version);
    const notes = olderModelNotes(meta);
    return notes.length > 0 ? { ...detail(meta), notes } : detail(meta);
  }

  /**
   * A page of the out-of-fold predictions the model's evaluation rests on (dataset order). 404
   * for a model saved without them (before honest evaluation, or not trained by a job).
   */
  async predictions(
    idOrName: string,
    q: { offset: number; limit: number; version?: number },
  ): Promise<OutOfFoldPage> {
    const meta = await this.deps.registry.resolve(idOrName, q.version);
    const file = await this.deps.registry.models
      .readJson<OutOfFoldFile>(meta.id, OOF_JSON)
      .catch((err: unknown) => {
        // The store says "not found" for the file as for the model (fs: NotFoundError, raw: ENOENT).
        if (isNotFound(err) || err instanceof NotFoundError) {
          throw new NotFoundError(
            `model '${meta.id}' has no out-of-fold predictions (it was not trained by a job that keeps them)`,
          );
        }
        throw err;
      });
    const { predictions, ...about } = file;
    return {
      modelId: meta.id,
      ...about,
      items: predictions.slice(q.offset, q.offset + q.limit),
      total: predictions.length,
      offset: q.offset,
      limit: q.limit,
    };
  }

  /** 409 while a queued or running job fine-tunes from it; evicted from inference at once. */
  async delete(id: string): Promise<void> {
    const ref = parseModelRef(id);
    if (ref.kind !== 'id') {
      throw new ValidationError('models are deleted by id; a name covers several versions', {
        errors: [{ path: 'id', message: 'expected a model id (m_...)' }],
      });
    }
    await this.deps.queues.exclusive({ modelId: ref.id }, async () => {
      await this.deps.registry.get(ref.id);
      if (await this.deps.queues.isInUse({ modelId: ref.id })) {
        throw new ConflictError(`model '${ref.id}' is the base of a queued or running job; cancel it first`);
      }
      await this.deps.registry.remove(ref.id);
    });
    this.deps.predictions.evict(ref.id);
    await this.deps.onDeleted?.(ref.id);
  }

  /**
   * A zip of the TF.js files (`tf.loadLayersModel` reads them as they are) plus metadata.json
   * with labels and preprocessing. Every file is opened before streaming starts, so a delete
   * that lands mid-download cannot truncate it.
   */
  async download(idOrName: string, version?: number): Promise<ModelDownload> {
    const meta = await this.deps.registry.resolve(idOrName, version);
    const dir = await this.deps.registry.models.local(meta.id);
    let modelJson: Buffer;
    try {
      modelJson = await readFile(path.join(dir, MODEL_JSON));
    } catch (err) {
      if (isNotFound(err)) throw new NotFoundError(`model '${meta.id}' not found`);
      throw err;
    }
    const manifest = (JSON.parse(modelJson.toString('utf8')) as ModelJson).weightsManifest ?? [];
    const shards: Array<{ name: string; fh: FileHandle; size: number }> = [];
    try {
      for (const p of manifest.flatMap((g) => g.paths)) {
        const full = path.resolve(dir, p);
        if (!full.startsWith(dir + path.sep))
          throw new Error(`weight shard path '${p}' leaves the model folder`);
        const fh = await open(full, 'r');
        shards.push({ name: p, fh, size: 0 });
        shards[shards.length - 1]!.size = (await fh.stat()).size;
      }
    } catch (err) {
      await Promise.all(shards.map((s) => s.fh.close().catch(() => undefined)));
      if (isNotFound(err)) throw new NotFoundError(`model '${meta.id}' not found`);
      throw err;
    }
    const zip = new ZipFile();
    zip.addBuffer(modelJson, MODEL_JSON);
    for (const s of shards) zip.addReadStream(s.fh.createReadStream(), s.name, { size: s.size });
    const bundle = await bundleFiles(meta, dir);
    for (const [name, content] of Object.entries(bundle.files)) zip.addBuffer(content, name);
    const rule = meta.evaluation?.task === 'classification' ? meta.evaluation.unknown : undefined;
    if (rule) zip.addBuffer(await readFile(path.join(dir, rule.reference.file)), rule.reference.file);
    zip.addBuffer(
      Buffer.from(JSON.stringify({ ...downloadMetadata(meta), ...bundle.metadata }, null, 2)),
      DOWNLOAD_METADATA,
    );
    zip.end();
    const base = meta.name ? `${meta.name}-v${meta.version}` : meta.id;
    return { filename: `${base}.zip`, stream: zip.outputStream as Readable };
  }
}

function downloadMetadata(meta: ModelMeta): Record<string, unknown> {
  return {
    id: meta.id,
    name: meta.name ?? null,
    version: meta.version ?? null,
    createdAt: meta.createdAt,
    task: meta.task,
    labels: meta.labels,
    inputShape: meta.inputShape,
    preprocessing: meta.preprocessing,
    format: 'tfjs-layers-model',
    ...(meta.task === 'classification' ? { scoring: downloadScoring(meta) } : {}),
  };
}

/**
 * The rules predict applies to a classifier's raw outputs, for clients that run the model
 * themselves: scores are softmax(log p / temperature); novelty is the distance from the output
 * layer's input features (scaled to unit length) to the k-th nearest row of the reference file
 * (float32 little-endian, rows of unit length); unknown when novelty > threshold, unless
 * acceptRate is 1.
 */
function downloadScoring(meta: ModelMeta): Record<string, unknown> {
  const ev = meta.evaluation?.task === 'classification' ? meta.evaluation : undefined;
  const rule = ev?.unknown;
  return {
    temperature: ev?.calibration?.temperature ?? 1,
    ...(rule
      ? {
          unknown: {
            method: rule.method,
            k: rule.k,
            threshold: rule.threshold,
            acceptRate: rule.acceptRate,
            features: 'the input of the last layer, scaled to unit length',
            reference: { file: rule.reference.file, count: rule.reference.count, dims: rule.reference.dims },
          },
        }
      : {}),
  };
}

/** What a model saved before calibration or novelty scores does differently when it predicts. */
function olderModelNotes(meta: ModelMeta): string[] {
  if (meta.task !== 'classification') return [];
  const ev = meta.evaluation?.task === 'classification' ? meta.evaluation : undefined;
  const notes: string[] = [];
  if (ev?.method === 'train') {
    return [
      'evaluated on its own training examples (no validation split): no held-out predictions to calibrate ' +
        'its scores or set an "unknown" threshold on, so its scores are raw and it is never unknown',
    ];
  }
  if (!ev?.unknown) {
    notes.push(
      'trained before novelty scores: its predictions carry no novelty and are never unknown; retrain it to get them',
    );
  }
  if (!ev?.calibration) notes.push('trained before calibration: its scores are the raw softmax outputs');
  return notes;
}
