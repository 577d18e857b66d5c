import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { candidateSpec, encoderSpec, fitRecipe } from '../advisor/run-advisor-job.js';
import { chooseCuts, type CutPoint } from '../advisor/cut-points.js';
import { describeBase, loadBaseModel, type StoredBase } from '../base-models/base-ref.js';
import type { AuditProgress } from '../contracts/audit.js';
import { parseJobSpec } from '../contracts/job-spec.js';
import {
  FEATURES_FILE,
  readImageIndex,
  readManifest,
  TEXTS_FILE,
  type DatasetManifest,
  type TextIndex,
} from '../datasets/dataset-manifest.js';
import type { DatasetExampleSource } from '../datasets/modality.js';
import { openTrainingData } from '../datasets/training-data.js';
import { examplesOf } from '../datasets/versions.js';
import { resolveJob } from '../jobs/job-context.js';
import { PermanentJobError } from '../jobs/run-training-job.js';
import { words } from '../lib/word-tokens.js';
import { findLayer } from '../contracts/layer-refs.js';
import { extractCutFeatures } from '../ml/index.js';
import type { AuditPayload } from '../queue/queues.js';
import type { Store } from '../storage/store.js';
import type { Split } from './scoring/duplicates.js';

/**
 * What an audit reads of each example, in the dataset's stored order: its features (an image
 * through the base up to the cut, pooled; a text's sentence-encoder embedding; a table row's
 * standardised values), its label, split, key and content hash. The images and texts go through
 * the very preprocessing a job on that base would apply.
 */
export interface AuditFeatures {
  manifest: DatasetManifest;
  values: Float32Array;
  dim: number;
  labels: number[];
  keys: string[];
  splits: Split[];
  hashes: string[];
  base: AuditPayload['base'] | null;
  cutAt: string | null;
  /** Texts: each text's words, for confirming near-duplicates. */
  words?: string[][];
  images?: {
    widths: number[];
    heights: number[];
    input: [number, number];
    /** COARSE x COARSE greyscale thumbnails, row after row: near-duplicate candidates. */
    coarse: Float32Array;
    /** FINE x FINE greyscale thumbnails: what confirms a candidate, and appearance outliers. */
    fine: Float32Array;
  };
}

/** Sides of the greyscale thumbnails images are compared on for near-duplicates. */
export const COARSE = 8;
export const FINE = 32;

const FEATURE_BATCH = 8;

export async function auditFeatures(
  store: Store,
  payload: AuditPayload,
  report: (p: AuditProgress) => void,
  signal?: AbortSignal,
): Promise<AuditFeatures> {
  const manifest = await readManifest(store, payload.datasetId);
  const examples = await examplesOf(store, manifest);
  const names = manifest.classes.map((c) => c.name);
  const common = {
    manifest,
    labels: examples.map((e) => names.indexOf(e.label)),
    keys: examples.map((e) => e.key),
    splits: examples.map((e) => e.split),
  };
  if (manifest.kind === 'tabular') {
    const raw = await readFile(await store.collection('datasets').local(manifest.id, FEATURES_FILE));
    const x = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    const dim = manifest.features.length;
    const hashes = examples.map((_, i) => sha256(Buffer.from(x.buffer, i * dim * 4, dim * 4)));
    return { ...common, values: standardise(x, dim), dim, hashes, base: null, cutAt: null };
  }
  if (!payload.base) throw new PermanentJobError(`a ${manifest.kind} audit needs a base`);
  const base = await describeBase(store, payload.base);
  const withBase = { ...payload, base: payload.base };
  const label = base.catalog ?? base.name ?? 'the base';
  const ctx = { store, payload: withBase, base, label, common, report, ...(signal ? { signal } : {}) };
  return manifest.kind === 'text' ? textFeatures(ctx) : imageFeatures(ctx);
}

interface FeatureContext {
  store: Store;
  payload: AuditPayload & { base: NonNullable<AuditPayload['base']> };
  base: StoredBase;
  label: string;
  common: Pick<AuditFeatures, 'manifest' | 'labels' | 'keys' | 'splits'>;
  report: (p: AuditProgress) => void;
  signal?: AbortSignal;
}

/** Texts: the sentence encoder's embeddings, as a text job on it would compute (and cache) them. */
async function textFeatures(c: FeatureContext): Promise<AuditFeatures> {
  const { store, payload, base, label, common, report } = c;
  const { manifest } = common;
  if (!base.encoder) throw new PermanentJobError(`${label} is not a sentence encoder: texts need one`);
  const index = await store.collection('datasets').readJson<TextIndex>(manifest.id, TEXTS_FILE);
  const spec = encoderSpec(payload.base, payload.seed, fitRecipe(manifest));
  const resolved = await resolveJob(
    store,
    parseJobSpec({ ...spec, datasetId: manifest.id, evaluation: { method: 'holdout' } }),
  );
  if (!resolved.ok || !resolved.context.text) throw notFit(label, resolved);
  const { data } = await openTrainingData(store, manifest.id, {
    text: resolved.context.text,
    validationSplit: 0,
    seed: payload.seed,
    allExamples: true,
    onPrepare: (done, total) => report({ phase: 'features', examplesDone: done, examples: total }),
  });
  checkOrder(data.train, common.keys);
  const values = await readAll(data.train, base.encoder.dimension);
  const hashes = index.texts.map((t) => sha256(t.toLowerCase().replace(/\s+/g, ' ').trim()));
  return {
    ...common,
    values,
    dim: base.encoder.dimension,
    hashes,
    words: index.texts.map((t) => words(t)),
    base: payload.base,
    cutAt: null,
  };
}

/** Images: one forward pass through the base to the cut (pooled), and two greyscale thumbnails. */
async function imageFeatures(c: FeatureContext): Promise<AuditFeatures> {
  const { store, payload, base, label, common, report, signal } = c;
  const { manifest } = common;
  if (base.encoder) throw new PermanentJobError(`${label} is a sentence encoder: images need an image base`);
  const cut = resolveCut(base, payload.cutAt);
  const resolved = await resolveJob(
    store,
    parseJobSpec({
      ...candidateSpec(payload.base, cut, payload.seed, fitRecipe(manifest)),
      datasetId: manifest.id,
      evaluation: { method: 'holdout' },
    }),
  );
  if (!resolved.ok || !resolved.context.image) throw notFit(label, resolved);
  const image = resolved.context.image;
  const { data } = await openTrainingData(store, manifest.id, {
    image,
    validationSplit: 0,
    seed: payload.seed,
    allExamples: true,
  });
  checkOrder(data.train, common.keys);
  const model = await loadBaseModel(store, payload.base);
  let got;
  try {
    got = await extractCutFeatures(model, [cut.name], data.train, {
      batchSize: FEATURE_BATCH,
      ...(signal ? { signal } : {}),
      onBatch: (done, total) => report({ phase: 'features', examplesDone: done, examples: total }),
    });
  } finally {
    model.dispose();
  }
  const features = got.cuts[0]!;
  const thumbnails = async (side: number): Promise<Float32Array> => {
    const opened = await openTrainingData(store, manifest.id, {
      image: { size: [side, side], channels: 1, scale: [0, 1], resize: 'stretch' },
      validationSplit: 0,
      seed: payload.seed,
      allExamples: true,
    });
    return readAll(opened.data.train, side * side);
  };
  const coarse = await thumbnails(COARSE);
  const fine = await thumbnails(FINE);
  const { examples: records } = await readImageIndex(store, manifest.id);
  return {
    ...common,
    values: features.values,
    dim: features.dim,
    hashes: records.map((r) => r.sha256),
    base: payload.base,
    cutAt: cut.name,
    images: {
      widths: records.map((r) => r.width),
      heights: records.map((r) => r.height),
      input: [image.size[0], image.size[1]],
      coarse,
      fine,
    },
  };
}

function resolveCut(base: StoredBase, ref: AuditPayload['cutAt']): CutPoint {
  if (ref === undefined) {
    const top = chooseCuts(base.layers, base.recommendedCutAt, 1)[0];
    if (!top) throw new PermanentJobError('the base has no layer to read features from');
    return top;
  }
  const i = findLayer(base.layers, ref);
  if (typeof i === 'string') throw new PermanentJobError(`cutAt ${JSON.stringify(ref)}: ${i}`);
  const layer = base.layers[i]!;
  const shape = layer.outputShape;
  return { name: layer.name, index: i, rank: Array.isArray(shape[0]) ? 0 : shape.length };
}

function notFit(label: string, resolved: Awaited<ReturnType<typeof resolveJob>>): PermanentJobError {
  const why = resolved.ok
    ? 'its input does not match the dataset'
    : resolved.errors.map((e) => `${e.path}: ${e.message}`).join('; ');
  return new PermanentJobError(`base ${label} does not fit the dataset: ${why}`);
}

/** Features and keys must line up with the dataset's stored order, or findings name the wrong examples. */
function checkOrder(source: DatasetExampleSource, keys: readonly string[]): void {
  if (source.keys.length !== keys.length || source.keys.some((k, i) => k !== keys[i])) {
    throw new Error('the training source does not read the dataset in its stored order');
  }
}

async function readAll(source: DatasetExampleSource, dim: number): Promise<Float32Array> {
  const out = new Float32Array(source.size * dim);
  let at = 0;
  for await (const batch of source.batches(256, { shuffle: false, seed: 0, epoch: 0 })) {
    try {
      const xs = (await batch.xs.data()) as Float32Array;
      out.set(xs, at);
      at += xs.length;
    } finally {
      batch.xs.dispose();
      batch.ys.dispose();
    }
  }
  return out;
}

/** Columns to zero mean and unit spread, so no one column's units decide the distances. */
function standardise(x: Float32Array, dim: number): Float32Array {
  const n = x.length / Math.max(1, dim);
  const out = new Float32Array(x.length);
  for (let j = 0; j < dim; j++) {
    let s = 0;
    let ss = 0;
    for (let i = 0; i < n; i++) s += x[i * dim + j] as number;
    const mean = s / n;
    for (let i = 0; i < n; i++) ss += ((x[i * dim + j] as number) - mean) ** 2;
    const sd = Math.sqrt(ss / n) || 1;
    for (let i = 0; i < n; i++) out[i * dim + j] = ((x[i * dim + j] as number) - mean) / sd;
  }
  return out;
}

const sha256 = (v: string | Buffer): string => createHash('sha256').update(v).digest('hex');
