import os from 'node:os';
import path from 'node:path';
import type { Registry } from 'prom-client';
import type { Config } from '../config/env.js';
import { ServiceUnavailableError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { tensorMemory, type BackendInfo } from '../ml/index.js';
import type { ModelMeta } from '../contracts/model-meta.js';
import type { ModelRegistry } from '../models/registry.js';
import { DynamicBatcher } from './batcher.js';
import { formatRow, requestRules, type Prediction, type UnknownOverride } from './format.js';
import { rowSize, toRows, type InstanceRow, type PredictInput } from './instances.js';
import { encoderDir } from '../base-models/encoder-dir.js';
import { ServingMetrics, type TensorCount } from './predict-metrics.js';
import { InferencePool } from './pool.js';
import type { TextTarget, WorkerBackend, WorkerStats } from './protocol.js';
import type { WorkerKind } from './worker-endpoint.js';

export type ServingConfig = Pick<
  Config,
  | 'PREDICT_MAX_INSTANCES'
  | 'PREDICT_MAX_BATCH'
  | 'PREDICT_MAX_WAIT_MS'
  | 'PREDICT_THREADS'
  | 'PREDICT_WORKER'
  | 'WASM_THREADS'
  | 'PREDICT_MAX_IMAGE_BYTES'
  | 'PREDICT_MAX_REQUEST_PIXELS'
  | 'MODEL_CACHE_MAX_MODELS'
  | 'MODEL_CACHE_MAX_BYTES'
>;

export interface PredictRequest {
  idOrName: string;
  version?: number;
  topK?: number;
  input: PredictInput;
  /** This request's "unknown" rule instead of the model's: a novelty threshold, or a share of known examples to accept. */
  unknown?: UnknownOverride;
  /** Called with the resolved model before anything runs; throws to refuse it (a key's model list). */
  allow?: (meta: ModelMeta) => void;
}

/** Told each answered predict (prediction capture); must return at once. */
export type OnPredicted = (meta: ModelMeta, input: PredictInput, predictions: Prediction[]) => void;

export interface PredictResponse {
  model: { id: string; name: string | null; version: number | null };
  predictions: Prediction[];
}

export const DEFAULT_TOP_K = 3;

/**
 * Batches in flight per model: the next batch is already queued at the worker when one ends,
 * so the worker never idles on a message round trip, while later rows keep merging.
 */
const PIPELINE_DEPTH = 2;

/** How many inference workers, and which kind, for the backend this process selected. */
export function poolShape(
  config: Pick<Config, 'PREDICT_THREADS' | 'PREDICT_WORKER'> & Partial<Pick<Config, 'WASM_THREADS'>>,
  backend: string,
  cores = os.availableParallelism(),
): { kind: WorkerKind; size: number; wasmThreads: number; note?: string } {
  const native = backend === 'tensorflow';
  const kind: WorkerKind =
    config.PREDICT_WORKER === 'auto' ? (native ? 'process' : 'thread') : config.PREDICT_WORKER;
  // libtensorflow parallelises one forward pass over all cores itself. wasm gets cores - 1
  // workers (at most 4: one core stays with the event loop for HTTP, JSON and image decoding),
  // and each worker's XNNPACK pool a share of the other cores, so that where cores are left
  // over one batch still runs on several; WASM_THREADS caps the share. The event loop's core is
  // not shared with a pool: XNNPACK's pool threads spin between operations, and on 2 cores a
  // 2-thread worker cut a light model's requests/s by a third (BENCHMARKS.md, light predict).
  const auto = native ? 1 : Math.max(1, Math.min(4, cores - 1));
  const size = config.PREDICT_THREADS || auto;
  const share = Math.max(1, Math.floor((cores - 1) / size));
  const wasmThreads = Math.min(config.WASM_THREADS || 8, share, 8);
  if (native && kind === 'thread' && size > 1) {
    return {
      kind,
      size: 1,
      wasmThreads,
      note: 'the native backend crashes in several threads (tensorflow/tfjs#8388): using 1',
    };
  }
  return { kind, size, wasmThreads };
}

/**
 * POST /v1/models/:id/predict. Preprocessing runs here (sharp decodes on libuv's pool), rows of
 * concurrent requests are merged per model by a DynamicBatcher, and each batch is one forward
 * pass in the inference worker that holds the model.
 */
export class PredictionService {
  readonly metrics: ServingMetrics;
  private pool: InferencePool | undefined;
  private poolStarting: Promise<InferencePool> | undefined;
  private readonly batchers = new Map<string, DynamicBatcher<InstanceRow, Float32Array>>();
  private closed = false;

  constructor(
    private readonly deps: {
      config: ServingConfig;
      backend: () => Promise<BackendInfo>;
      metricsRegistry: Registry;
      logger: Logger;
    },
  ) {
    this.metrics = new ServingMetrics(
      deps.metricsRegistry,
      () => ({ models: this.pool?.cache.size ?? 0, bytes: this.pool?.cache.bytes ?? 0 }),
      () => this.tensorCounts(),
    );
  }

  /**
   * Predicts with the model `req` names in `registry` (a project's models): one engine (inference
   * workers, batchers, metrics) serves every project, each request through its own registry.
   */
  async predict(
    registry: ModelRegistry,
    req: PredictRequest,
    onPredicted?: OnPredicted,
  ): Promise<PredictResponse> {
    const end = this.metrics.latency.startTimer();
    const { config } = this.deps;
    const meta = await registry.resolve(req.idOrName, req.version);
    req.allow?.(meta);
    const rules = requestRules(meta, req.unknown);
    const rows = await toRows(meta, req.input, {
      maxInstances: config.PREDICT_MAX_INSTANCES,
      maxImageBytes: config.PREDICT_MAX_IMAGE_BYTES,
      maxRequestPixels: config.PREDICT_MAX_REQUEST_PIXELS,
    });
    const outputs = await this.forwardRows(registry, meta, rows);
    const topK = req.topK ?? DEFAULT_TOP_K;
    const predictions = outputs.map((row) => formatRow(meta, row, topK, rules));
    this.metrics.instances.inc(rows.length);
    end();
    onPredicted?.(meta, req.input, predictions);
    return {
      model: { id: meta.id, name: meta.name ?? null, version: meta.version ?? null },
      predictions,
    };
  }

  /**
   * The model's raw output rows for instances already turned into rows (`toRows`): through the
   * model's batcher and inference workers, the one forward pass of predict (batch predictions
   * use it too). Rows of concurrent callers share batches.
   */
  async forwardRows(registry: ModelRegistry, meta: ModelMeta, rows: InstanceRow[]): Promise<Float32Array[]> {
    let batcher = this.batchers.get(meta.id);
    if (!batcher) {
      const dir = await registry.models.local(meta.id);
      batcher = this.batcherFor(meta, dir, await this.textTarget(registry, meta, dir));
    }
    return batcher.submit(rows);
  }

  /** Drops a model from its worker (deleted); running batches finish first. */
  evict(modelId: string): void {
    this.pool?.evict(modelId);
    const b = this.batchers.get(modelId);
    if (b?.idle) this.batchers.delete(modelId);
  }

  /** The inference workers' view: tensors, resident models, loads. Empty before first use. */
  async stats(): Promise<WorkerStats[]> {
    return this.pool ? this.pool.stats() : [];
  }

  /** Live tensors of this process and of every inference worker, for /metrics. */
  private async tensorCounts(): Promise<TensorCount[]> {
    const workers = await Promise.race([
      this.stats(),
      new Promise<WorkerStats[]>((_, reject) =>
        setTimeout(() => reject(new Error('inference workers did not answer')), 2_000).unref(),
      ),
    ]);
    return [
      { process: 'api', ...tensorMemory() },
      ...workers.map((w) => ({ process: String(w.worker), numTensors: w.numTensors, numBytes: w.numBytes })),
    ];
  }

  /** Started on first prediction; `start()` starts it ahead (e.g. at boot, to warm workers). */
  async start(): Promise<InferencePool> {
    if (this.pool) return this.pool;
    this.poolStarting ??= this.createPool().catch((err: unknown) => {
      this.poolStarting = undefined;
      throw err;
    });
    return this.poolStarting;
  }

  async close(): Promise<void> {
    this.closed = true;
    const pool = this.pool ?? (await this.poolStarting?.catch(() => undefined));
    this.pool = undefined;
    await pool?.close();
  }

  private async createPool(): Promise<InferencePool> {
    let backend: BackendInfo;
    try {
      backend = await this.deps.backend();
    } catch (err) {
      throw new ServiceUnavailableError('no TensorFlow.js backend is available for inference', {
        cause: err,
      });
    }
    if (this.closed) throw new ServiceUnavailableError('the server is shutting down');
    const { config, logger } = this.deps;
    const shape = poolShape(config, backend.name);
    if (shape.note) logger.warn(shape.note);
    const pool = new InferencePool({
      size: shape.size,
      kind: shape.kind,
      wasmThreads: shape.wasmThreads,
      backend: backend.name as WorkerBackend,
      maxModels: config.MODEL_CACHE_MAX_MODELS,
      maxBytes: config.MODEL_CACHE_MAX_BYTES,
      logger: logger.child({ component: 'inference' }),
      onLoad: ({ modelId, loadMs, bytes }) => {
        this.metrics.loads.inc();
        logger.info({ modelId, loadMs: Math.round(loadMs), bytes }, 'model loaded for inference');
      },
      onEvict: (modelId) => {
        this.metrics.evictions.inc();
        if (this.batchers.get(modelId)?.idle) this.batchers.delete(modelId);
        logger.info({ modelId }, 'model evicted from the inference cache');
      },
    });
    logger.info(
      { kind: shape.kind, workers: shape.size, wasmThreads: shape.wasmThreads, backend: backend.name },
      'inference pool created',
    );
    this.pool = pool;
    return pool;
  }

  /** How the worker turns a text model's instances into rows (undefined for other models). */
  private async textTarget(
    registry: ModelRegistry,
    meta: ModelMeta,
    dir: string,
  ): Promise<TextTarget | undefined> {
    if (meta.preprocessing.kind !== 'text') return undefined;
    const text = meta.preprocessing.text;
    if (text.tokenizer === 'words') {
      return {
        tokenizer: 'words',
        vocabularyPath: path.join(dir, text.vocabularyFile),
        maxLength: text.maxLength,
      };
    }
    return {
      tokenizer: 'sentence-encoder',
      encoderDir: await encoderDir(registry.store, text.encoder),
    };
  }

  /** `dir`: the model's local copy (the store's cache on s3://), which inference workers load. */
  private batcherFor(
    meta: ModelMeta,
    dir: string,
    text: TextTarget | undefined,
  ): DynamicBatcher<InstanceRow, Float32Array> {
    let b = this.batchers.get(meta.id);
    if (b) return b;
    const size = rowSize(meta);
    const rule = meta.evaluation?.task === 'classification' ? meta.evaluation.unknown : undefined;
    const target = {
      modelId: meta.id,
      dir,
      shape: meta.inputShape,
      ...(text ? { text } : {}),
      ...(rule
        ? {
            novelty: {
              path: path.join(dir, path.basename(rule.reference.file)),
              dims: rule.reference.dims,
              k: rule.k,
            },
          }
        : {}),
    };
    b = new DynamicBatcher<InstanceRow, Float32Array>({
      maxBatch: this.deps.config.PREDICT_MAX_BATCH,
      maxWaitMs: this.deps.config.PREDICT_MAX_WAIT_MS,
      maxInFlight: PIPELINE_DEPTH,
      onBatch: ({ size: n, waitMs }) => {
        this.metrics.batchSize.observe(n);
        this.metrics.queueWait.observe(waitMs / 1000);
      },
      run: async (rows) => {
        const pool = await this.start();
        const texts = text ? rows.map((r) => (typeof r === 'string' ? r : '')) : undefined;
        const input = new Float32Array(texts ? 0 : rows.length * size);
        if (!texts) rows.forEach((r, i) => input.set(r as Float32Array, i * size));
        const { output, cols, forwardMs } = await pool.predict(target, rows.length, input, texts);
        this.metrics.forward.observe(forwardMs / 1000);
        return rows.map((_, i) => output.slice(i * cols, (i + 1) * cols));
      },
    });
    this.batchers.set(meta.id, b);
    return b;
  }
}

/**
 * One project's view of the shared prediction engine: its models (`registry`) and its capture.
 * What the routes, the Open Inference Protocol and batch predictions call.
 */
export class ProjectPredictions {
  constructor(
    private readonly engine: PredictionService,
    readonly registry: ModelRegistry,
    private readonly onPredicted?: OnPredicted,
  ) {}

  predict(req: PredictRequest): Promise<PredictResponse> {
    return this.engine.predict(this.registry, req, this.onPredicted);
  }

  forwardRows(meta: ModelMeta, rows: InstanceRow[]): Promise<Float32Array[]> {
    return this.engine.forwardRows(this.registry, meta, rows);
  }

  evict(modelId: string): void {
    this.engine.evict(modelId);
  }
}
