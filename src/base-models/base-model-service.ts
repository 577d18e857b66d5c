import { createWriteStream } from 'node:fs';
import { copyFile, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { userNameSchema } from '../contracts/user-names.js';
import type { UploadPart } from '../contracts/upload-part.js';
import { assembleModel } from './assemble.js';
import { describeBase, SummaryCache } from './base-ref.js';
import { ByteBudget } from '../lib/byte-budget.js';
import {
  DEFAULT_CATALOG_BASE_URL,
  catalogEntries,
  catalogUrl,
  encoderCatalogEntries,
  findCatalogEntry,
  findEncoderCatalogEntry,
  USE_LITE,
  type CatalogEntry,
  type EncoderCatalogEntry,
} from './catalog.js';
import {
  ENCODER_VOCAB_FILE,
  inspectModelDirInThread,
  inspectSentenceEncoderInThread,
  type Dim,
  type LayerInfo,
  type LayersSummary,
} from '../ml/index.js';
import { USE_LITE_PACKAGE, useLiteDir, useLiteVersion } from './use-lite.js';
import { LAYERS_FILE, META_FILE, type BaseModelMeta, type LayersFile } from './base-model-meta.js';
import { DirectorySource, type ModelSource } from './model-source.js';
import { writeNsfwjsModel } from './nsfwjs-mobilenet-v2.js';
import { UrlSource } from './url-source.js';
import { ZipSource } from './zip-source.js';
import { isZipFile } from '../lib/zip-archive.js';
import type { Config } from '../config/env.js';
import { imagePreprocessingSchema, type ImagePreprocessing } from '../contracts/preprocessing.js';
import {
  BadGatewayError,
  ConflictError,
  NotFoundError,
  UnprocessableError,
  ValidationError,
} from '../lib/errors.js';
import { assertSafeId, newId } from '../lib/ids.js';
import { assertHttpUrl, displayUrl, type SafeGetOptions } from '../lib/safe-http.js';
import type { ResourceRef } from '../queue/queues.js';
import { storing } from '../storage/free-space.js';
import type { Page, Store } from '../storage/store.js';

/**
 * Registers pretrained TF.js LayersModels (multipart upload, zip, URL or catalog name), lists,
 * inspects and deletes them, and lists the layers of trained models. Every registration goes
 * through the same steps: copy model.json and the shards it names into a staging folder under a
 * shared byte limit, check shard sizes, build the model with TF.js and describe its layers, then
 * publish the folder with one rename; any failure leaves nothing behind.
 */

export interface BaseModelServiceDeps {
  store: Store;
  queues: {
    isInUse(ref: ResourceRef): Promise<boolean>;
    exclusive<T>(ref: ResourceRef, fn: () => Promise<T>): Promise<T>;
  };
  config: Pick<
    Config,
    | 'MAX_BASE_MODEL_BYTES'
    | 'MAX_ARCHIVE_ENTRIES'
    | 'URL_FETCH_TIMEOUT_MS'
    | 'URL_FETCH_MAX_REDIRECTS'
    | 'ALLOW_PRIVATE_URLS'
    | 'CATALOG_MIRROR_URL'
  >;
  /** Resolves once the process's TF.js backend is selected. */
  backend: () => Promise<unknown>;
  logger?: Pick<Logger, 'info'>;
}

export interface RegisterOptions {
  name?: string | undefined;
  preprocessing?: ImagePreprocessing | undefined;
}

export interface CatalogListing {
  name: string;
  description: string;
  /** `sentence-encoder`: a frozen GraphModel for text; `layers-model`: an image model to cut. */
  kind: 'layers-model' | 'sentence-encoder';
  /** Where the files are fetched from (the mirror when configured); null for packaged entries. */
  url: string | null;
  offline: boolean;
  /** One example without the batch dimension; a sentence encoder takes texts (empty). */
  inputShape: number[];
  preprocessing: ImagePreprocessing | null;
  recommendedCutAt: string | null;
  recommendedFineTuneFrom: string | null;
  license: string;
  trainedOn: string;
}

export interface LayerListing {
  id: string;
  params: { total: number; trainable: number; nonTrainable: number };
  recommendedCutAt: string | null;
  layers: LayerInfo[];
  /** Sentence encoders: used whole and frozen, never cut or fine-tuned. */
  frozenFeatureExtractor?: boolean;
  note?: string;
}

/** What the layers view and the job checks say about a sentence encoder base. */
export const ENCODER_NOTE =
  'frozen feature extractor: a TF.js GraphModel (sentence encoder) used whole; it has no Keras layers to ' +
  'cut at or unfreeze, so jobs on it train a head on its embeddings (cutAt and fineTune do not apply)';

const UPLOAD_FIELDS = ['name', 'preprocessing'];
const nameSchema = userNameSchema(200);

interface Received {
  /** Name as sent (sanitised) -> path on disk, in arrival order. */
  files: Map<string, string>;
  fields: Map<string, string>;
}

interface Provenance {
  source: BaseModelMeta['source'];
  name: string;
  preprocessing: ImagePreprocessing | null;
  recommendedCutAt: string | null;
  /** Catalog entries state the input they must have; a mirror serving something else is refused. */
  expectedInput?: number[];
}

function sanitizeFilename(raw: string, field: string): string {
  const name = raw.replace(/\\/g, '/').split('/').filter(Boolean).pop() ?? '';
  if (!name || name === '.' || name === '..' || name.length > 255 || name.includes('\0')) {
    throw new ValidationError(`file part '${field}' has no usable file name`, {
      errors: [{ path: field, message: 'a file name such as model.json or group1-shard1of1 is required' }],
    });
  }
  return name;
}

function sameShape(actual: Dim[], expected: number[]): boolean {
  return actual.length === expected.length && actual.every((d, i) => d === null || d === expected[i]);
}

function checkPreprocessing(p: ImagePreprocessing, inputShape: Dim[], field: string): void {
  const [h, w, c] = inputShape;
  const problem = (message: string) =>
    new UnprocessableError(
      `preprocessing does not fit the model's input ${JSON.stringify(inputShape)}: ${message}`,
      {
        errors: [{ path: field, message }],
      },
    );
  if (inputShape.length !== 3)
    throw problem('image preprocessing needs an image input [height, width, channels]');
  if ((h !== null && h !== p.size[0]) || (w !== null && w !== p.size[1])) {
    throw problem(`size ${JSON.stringify(p.size)} differs from the input's [${h}, ${w}]`);
  }
  if (c !== null && c !== p.channels) throw problem(`channels ${p.channels} differs from the input's ${c}`);
}

export class BaseModelService {
  private readonly summaries = new SummaryCache();

  constructor(private readonly deps: BaseModelServiceDeps) {}

  private get collection() {
    return this.deps.store.collection('base-models');
  }

  private fetchOptions(field: string, allowPrivate: boolean): SafeGetOptions {
    const ms = this.deps.config.URL_FETCH_TIMEOUT_MS;
    return {
      allowPrivate,
      maxRedirects: this.deps.config.URL_FETCH_MAX_REDIRECTS,
      signal: AbortSignal.timeout(ms),
      field,
      timeoutHint: `URL_FETCH_TIMEOUT_MS=${ms}`,
    };
  }

  /** Builds the entry in a staging folder and publishes it; failures leave nothing stored. */
  private async register(source: ModelSource, prov: Provenance): Promise<BaseModelMeta> {
    const id = newId('baseModel');
    const budget = new ByteBudget(this.deps.config.MAX_BASE_MODEL_BYTES);
    let meta: BaseModelMeta;
    try {
      await this.deps.backend();
      meta = await this.collection.create(id, async (dir) => {
        // A graph model is welcome as a sentence encoder (no catalog preprocessing asked of it).
        const assembled = await assembleModel(source, dir, budget, { allowGraph: !prov.expectedInput });
        if (assembled.parsed.graph)
          return this.writeUploadedEncoder(source, dir, id, prov, assembled, budget);
        await source.close();
        const summary = await inspectModelDirInThread(dir);
        return this.writeEntry(dir, id, prov, assembled, summary);
      });
    } finally {
      await source.close();
    }
    this.deps.logger?.info(
      { baseModelId: id, source: meta.source.kind, sizeBytes: meta.sizeBytes, layers: meta.layerCount },
      'base model registered',
    );
    return meta;
  }

  private async writeEntry(
    dir: string,
    id: string,
    prov: Provenance,
    assembled: Awaited<ReturnType<typeof assembleModel>>,
    summary: LayersSummary,
  ): Promise<BaseModelMeta> {
    const inputShape = summary.inputs[0]?.shape ?? [];
    if (prov.expectedInput && !sameShape(inputShape, prov.expectedInput)) {
      throw new BadGatewayError(
        `the catalog source served a model with input ${JSON.stringify(inputShape)}, ` +
          `expected ${JSON.stringify(prov.expectedInput)}; check CATALOG_MIRROR_URL`,
      );
    }
    if (prov.preprocessing) checkPreprocessing(prov.preprocessing, inputShape, 'preprocessing');
    const { json } = assembled.parsed;
    const meta: BaseModelMeta = {
      id,
      name: prov.name,
      createdAt: new Date().toISOString(),
      source: prov.source,
      format: 'layers-model',
      generatedBy: typeof json.generatedBy === 'string' ? json.generatedBy : null,
      convertedBy: typeof json.convertedBy === 'string' ? json.convertedBy : null,
      inputShape,
      outputShape: summary.outputs[0]?.shape ?? [],
      inputs: summary.inputs,
      outputs: summary.outputs,
      layerCount: summary.layers.length,
      params: summary.params,
      sizeBytes: assembled.sizeBytes,
      files: assembled.files,
      quantization: assembled.parsed.quantization,
      preprocessing: prov.preprocessing ? { kind: 'image', image: prov.preprocessing } : null,
      recommendedCutAt:
        prov.recommendedCutAt && summary.layers.some((l) => l.name === prov.recommendedCutAt)
          ? prov.recommendedCutAt
          : null,
    };
    const layers: LayersFile = { layers: summary.layers };
    await writeFile(path.join(dir, LAYERS_FILE), JSON.stringify(layers));
    await writeFile(path.join(dir, META_FILE), JSON.stringify(meta, null, 2));
    return meta;
  }

  /** Streams every part to a scratch folder, counting all bytes against the size limit. */
  private async receive(parts: AsyncIterable<UploadPart>, scratch: string): Promise<Received> {
    const budget = new ByteBudget(this.deps.config.MAX_BASE_MODEL_BYTES, 'the upload');
    const received: Received = { files: new Map(), fields: new Map() };
    for await (const part of parts) {
      if (part.type === 'field') {
        if (!UPLOAD_FIELDS.includes(part.field)) {
          throw new ValidationError(`unknown field '${part.field}'`, {
            errors: [{ path: part.field, message: `expected one of ${UPLOAD_FIELDS.join(', ')} or files` }],
          });
        }
        received.fields.set(part.field, part.value);
        continue;
      }
      const name = sanitizeFilename(part.filename, part.field);
      if (received.files.has(name)) {
        part.stream.resume();
        throw new ValidationError(`file '${name}' was sent twice`, {
          errors: [{ path: name, message: 'duplicate' }],
        });
      }
      const file = path.join(scratch, `part-${received.files.size}`);
      await pipeline(part.stream, budget.meter(name), createWriteStream(file));
      received.files.set(name, file);
    }
    return received;
  }

  private uploadOptions(fields: Map<string, string>): RegisterOptions {
    const opts: RegisterOptions = {};
    const name = fields.get('name');
    if (name !== undefined) {
      const parsed = nameSchema.safeParse(name);
      if (!parsed.success) {
        const message = parsed.error.issues.map((i) => i.message).join('; ');
        throw new ValidationError(`name ${message}`, { errors: [{ path: 'name', message }] });
      }
      opts.name = parsed.data;
    }
    const pre = fields.get('preprocessing');
    if (pre !== undefined) {
      let raw: unknown;
      try {
        raw = JSON.parse(pre);
      } catch {
        throw new ValidationError('preprocessing must be a JSON object', {
          errors: [{ path: 'preprocessing', message: 'not JSON' }],
        });
      }
      const parsed = imagePreprocessingSchema.safeParse(raw);
      if (!parsed.success) {
        const errors = parsed.error.issues.map((i) => ({
          path: ['preprocessing', ...i.path.map(String)].join('.'),
          message: i.message,
        }));
        throw new ValidationError(errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
      }
      opts.preprocessing = parsed.data;
    }
    return opts;
  }

  private async uploadSource(files: Map<string, string>): Promise<ModelSource> {
    const names = [...files.keys()];
    if (names.length === 0) {
      throw new ValidationError('no files: send model.json and its weight shard files, or one zip of them', {
        errors: [{ path: 'files', message: 'required' }],
      });
    }
    const zips: string[] = [];
    for (const [name, file] of files) {
      if (name.toLowerCase().endsWith('.zip') || (await isZipFile(file))) zips.push(name);
    }
    if (zips.length > 0) {
      if (names.length > 1) {
        throw new ValidationError('send either one zip, or model.json and its weight files, not both', {
          errors: [{ path: 'files', message: `got ${names.join(', ')}` }],
        });
      }
      return ZipSource.open(files.get(zips[0] as string) as string, this.deps.config.MAX_ARCHIVE_ENTRIES);
    }
    const jsonName = files.has('model.json')
      ? 'model.json'
      : names.filter((n) => n.toLowerCase().endsWith('.json')).length === 1
        ? names.find((n) => n.toLowerCase().endsWith('.json'))
        : undefined;
    if (!jsonName) {
      throw new ValidationError(`no model.json among the uploaded files (${names.join(', ')})`, {
        errors: [{ path: 'model.json', message: 'required' }],
      });
    }
    const shards = new Map([...files].filter(([n]) => n !== jsonName));
    return new DirectorySource(files.get(jsonName) as string, shards, 'the upload');
  }

  registerUpload(
    parts: AsyncIterable<UploadPart>,
    opts: { bytesNeeded?: number } = {},
  ): Promise<BaseModelMeta> {
    return storing('the base model upload', this.deps.store.root, () => this.receiveUpload(parts), opts);
  }

  private async receiveUpload(parts: AsyncIterable<UploadPart>): Promise<BaseModelMeta> {
    const scratch = await this.deps.store.stagingDir('base-model-upload');
    try {
      const { files, fields } = await this.receive(parts, scratch);
      const opts = this.uploadOptions(fields);
      const source = await this.uploadSource(files);
      return await this.register(source, {
        source: { kind: 'upload', files: [...files.keys()] },
        name: opts.name ?? 'uploaded model',
        preprocessing: opts.preprocessing ?? null,
        recommendedCutAt: null,
      });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  registerUrl(input: { url: string } & RegisterOptions): Promise<BaseModelMeta> {
    return storing('the base model', this.deps.store.root, () => this.fetchUrl(input));
  }

  private async fetchUrl(input: { url: string } & RegisterOptions): Promise<BaseModelMeta> {
    const url = assertHttpUrl(input.url, 'body.url');
    const opts = this.fetchOptions('body.url', this.deps.config.ALLOW_PRIVATE_URLS);
    const segments = url.pathname.split('/').filter(Boolean);
    const guess = segments.length >= 2 ? segments[segments.length - 2] : url.hostname;
    return this.register(new UrlSource(url, opts), {
      source: { kind: 'url', url: displayUrl(url) },
      name: input.name ?? guess ?? url.hostname,
      preprocessing: input.preprocessing ?? null,
      recommendedCutAt: null,
    });
  }

  private catalogBaseUrl(): string {
    return this.deps.config.CATALOG_MIRROR_URL ?? DEFAULT_CATALOG_BASE_URL;
  }

  catalog(): CatalogListing[] {
    const encoders: CatalogListing[] = encoderCatalogEntries().map((e) => ({
      name: e.name,
      description: e.description,
      kind: 'sentence-encoder',
      url: null,
      offline: true,
      inputShape: [],
      preprocessing: null,
      recommendedCutAt: null,
      recommendedFineTuneFrom: null,
      license: e.license,
      trainedOn: e.trainedOn,
    }));
    return [
      ...catalogEntries().map((e): CatalogListing => ({
        name: e.name,
        description: e.description,
        kind: 'layers-model',
        url: e.path ? displayUrl(catalogUrl(e, this.catalogBaseUrl()) as URL) : null,
        offline: e.packaged !== undefined,
        inputShape: e.inputShape,
        preprocessing: e.preprocessing,
        recommendedCutAt: e.recommendedCutAt,
        recommendedFineTuneFrom: e.recommendedFineTuneFrom,
        license: e.license,
        trainedOn: e.trainedOn,
      })),
      ...encoders,
    ];
  }

  registerCatalog(input: { catalog: string; name?: string | undefined }): Promise<BaseModelMeta> {
    return storing('the base model', this.deps.store.root, () => this.fromCatalog(input));
  }

  private async fromCatalog(input: { catalog: string; name?: string | undefined }): Promise<BaseModelMeta> {
    const encoder = findEncoderCatalogEntry(input.catalog);
    if (encoder) return this.registerEncoder(encoder, input.name);
    const entry = findCatalogEntry(input.catalog);
    if (!entry) {
      const valid = [...catalogEntries(), ...encoderCatalogEntries()].map((e) => e.name);
      throw new ValidationError(
        `unknown catalog model '${input.catalog}'; valid names: ${valid.join(', ')}`,
        {
          errors: [{ path: 'body.catalog', message: `must be one of ${valid.join(', ')}` }],
          extra: { validNames: valid },
        },
      );
    }
    const prov: Provenance = {
      source: { kind: 'catalog', catalog: entry.name, url: null },
      name: input.name ?? entry.name,
      preprocessing: entry.preprocessing,
      recommendedCutAt: entry.recommendedCutAt,
      expectedInput: entry.inputShape,
    };
    if (entry.packaged) return this.registerPackaged(entry, prov);
    const url = catalogUrl(entry, this.catalogBaseUrl()) as URL;
    prov.source = { kind: 'catalog', catalog: entry.name, url: displayUrl(url) };
    // The mirror is the operator's configuration, not user input: private addresses are fine there.
    const allowPrivate =
      this.deps.config.CATALOG_MIRROR_URL !== undefined || this.deps.config.ALLOW_PRIVATE_URLS;
    return this.register(new UrlSource(url, this.fetchOptions('body.catalog', allowPrivate)), prov);
  }

  /**
   * A packaged sentence encoder: its files are copied as they are (model.json, shards,
   * vocab.json), loaded once to prove they work and to measure the embedding, and described as
   * one frozen layer.
   */
  private async registerEncoder(
    entry: EncoderCatalogEntry,
    name: string | undefined,
  ): Promise<BaseModelMeta> {
    const id = newId('baseModel');
    await this.deps.backend();
    const src = useLiteDir();
    const meta = await this.collection.create(id, async (dir) => {
      const json = JSON.parse(await readFile(path.join(src, 'model.json'), 'utf8')) as {
        weightsManifest: Array<{ paths: string[] }>;
      };
      const files = ['model.json', ...json.weightsManifest.flatMap((g) => g.paths), ENCODER_VOCAB_FILE];
      let sizeBytes = 0;
      for (const f of files) {
        await copyFile(path.join(src, f), path.join(dir, f));
        sizeBytes += (await stat(path.join(dir, f))).size;
      }
      return writeEncoderEntry(dir, {
        id,
        name: name ?? entry.name,
        source: { kind: 'catalog', catalog: entry.name, url: null },
        files,
        sizeBytes,
        maxTokens: entry.maxTokens,
        package: { name: USE_LITE_PACKAGE, version: useLiteVersion() },
      });
    });
    this.deps.logger?.info(
      { baseModelId: id, source: 'catalog', encoder: entry.name },
      'sentence encoder registered',
    );
    return meta;
  }

  /**
   * A graph model uploaded or fetched by URL: registered as a sentence encoder when it is one
   * of a compatible shape (the Universal Sentence Encoder lite's inputs: SentencePiece ids as
   * `indices` [n, 2] and `values` [n], one embedding per text out) and its vocab.json comes
   * with it; anything else is a 422 saying what it lacks.
   */
  private async writeUploadedEncoder(
    source: ModelSource,
    dir: string,
    id: string,
    prov: Provenance,
    assembled: Awaited<ReturnType<typeof assembleModel>>,
    budget: ByteBudget,
  ): Promise<BaseModelMeta> {
    if (prov.preprocessing) {
      throw new UnprocessableError(
        'model.json is a TF.js graph model, registered as a sentence encoder for text: image preprocessing does not apply to it',
        { errors: [{ path: 'preprocessing', message: 'not for a sentence encoder' }] },
      );
    }
    let vocabBytes: number;
    try {
      vocabBytes = await source.copyShard(ENCODER_VOCAB_FILE, path.join(dir, ENCODER_VOCAB_FILE), budget);
    } catch (err) {
      if (!(err instanceof UnprocessableError)) throw err;
      throw new UnprocessableError(
        "model.json is a TF.js graph model (format 'graph-model'); only layers models can be fine-tuned, and a graph model is registered only as a sentence encoder for text, with its SentencePiece vocabulary as 'vocab.json' beside model.json (none came with it). To fine-tune, convert a Keras model to a layers model with tensorflowjs_converter.",
        { errors: [{ path: ENCODER_VOCAB_FILE, message: 'missing' }] },
      );
    } finally {
      await source.close();
    }
    return writeEncoderEntry(dir, {
      id,
      name: prov.name,
      source: prov.source,
      files: [...assembled.files, ENCODER_VOCAB_FILE],
      sizeBytes: assembled.sizeBytes + vocabBytes,
      maxTokens: USE_LITE.maxTokens,
      package: null,
    });
  }

  private async registerPackaged(entry: CatalogEntry, prov: Provenance): Promise<BaseModelMeta> {
    const scratch = await this.deps.store.stagingDir('base-model-package');
    try {
      const shards = await writeNsfwjsModel(entry.packaged as NonNullable<CatalogEntry['packaged']>, scratch);
      const source = new DirectorySource(
        path.join(scratch, 'model.json'),
        new Map(shards.map((shard) => [shard, path.join(scratch, shard)])),
        `the ${entry.name} package files`,
      );
      return await this.register(source, prov);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  async list(limit: number, offset: number): Promise<Page<BaseModelMeta>> {
    return this.collection.page<BaseModelMeta>(META_FILE, limit, offset);
  }

  async get(id: string): Promise<BaseModelMeta> {
    assertSafeId(id);
    return this.collection.readJson<BaseModelMeta>(id, META_FILE);
  }

  async layers(id: string): Promise<LayerListing> {
    const meta = await this.get(id);
    const { layers } = await this.collection.readJson<LayersFile>(id, LAYERS_FILE);
    const listing: LayerListing = {
      id,
      params: meta.params,
      recommendedCutAt: meta.recommendedCutAt,
      layers,
    };
    if (meta.encoder) {
      listing.frozenFeatureExtractor = true;
      listing.note = ENCODER_NOTE;
    }
    return listing;
  }

  async remove(id: string): Promise<void> {
    assertSafeId(id);
    await this.deps.queues.exclusive({ baseModelId: id }, async () => {
      if (!(await this.collection.exists(id))) throw new NotFoundError(`base model '${id}' not found`);
      if (await this.deps.queues.isInUse({ baseModelId: id })) {
        throw new ConflictError(`base model '${id}' is used by a queued or running job; cancel it or wait`);
      }
      await this.collection.remove(id);
    });
    this.deps.logger?.info({ baseModelId: id }, 'base model deleted');
  }

  /** Layers of a model trained here (a trained model can be the base of a later job). */
  async modelLayers(id: string): Promise<LayerListing> {
    assertSafeId(id);
    await this.deps.backend();
    const d = await describeBase(this.deps.store, { modelId: id }, this.summaries);
    return { id, params: d.params, recommendedCutAt: d.recommendedCutAt, layers: d.layers };
  }
}

/**
 * Loads an encoder's folder to prove it works and measure its embedding, then writes its
 * meta and its one-layer listing (a frozen feature extractor).
 */
async function writeEncoderEntry(
  dir: string,
  e: {
    id: string;
    name: string;
    source: BaseModelMeta['source'];
    files: string[];
    sizeBytes: number;
    maxTokens: number;
    package: { name: string; version: string } | null;
  },
): Promise<BaseModelMeta> {
  let summary: Awaited<ReturnType<typeof inspectSentenceEncoderInThread>>;
  try {
    summary = await inspectSentenceEncoderInThread(dir);
  } catch (err) {
    throw new UnprocessableError(
      'the graph model is not a compatible sentence encoder (it must take SentencePiece ids as ' +
        `'indices' [n, 2] and 'values' [n] and return one embedding per text, with a readable vocab.json): ` +
        (err instanceof Error ? err.message : String(err)),
      { cause: err },
    );
  }
  const output: Dim[] = [null, summary.dimension];
  const layers: LayersFile = {
    layers: [
      {
        index: 0,
        name: 'sentence_encoder',
        className: 'GraphModel (frozen feature extractor)',
        outputShape: output,
        params: summary.params,
        trainable: false,
        inbound: [],
      },
    ],
  };
  const m: BaseModelMeta = {
    id: e.id,
    name: e.name,
    createdAt: new Date().toISOString(),
    source: e.source,
    format: 'graph-model',
    generatedBy: null,
    convertedBy: null,
    inputShape: [],
    outputShape: [summary.dimension],
    inputs: summary.inputs.map((i) => ({
      name: i.name,
      shape: (i.shape ?? []).slice(1).map((d) => (d < 0 ? null : d)),
    })),
    outputs: [{ name: summary.outputs[0]?.name ?? 'output', shape: [summary.dimension] }],
    layerCount: 1,
    params: { total: summary.params, trainable: 0, nonTrainable: summary.params },
    sizeBytes: e.sizeBytes,
    files: e.files,
    quantization: [],
    preprocessing: null,
    recommendedCutAt: null,
    encoder: {
      kind: 'sentence-encoder',
      dimension: summary.dimension,
      maxTokens: e.maxTokens,
      vocabularySize: summary.vocabularySize,
      package: e.package,
    },
  };
  await writeFile(path.join(dir, LAYERS_FILE), JSON.stringify(layers));
  await writeFile(path.join(dir, META_FILE), JSON.stringify(m, null, 2));
  return m;
}
