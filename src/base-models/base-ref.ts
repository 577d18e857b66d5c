import type { Preprocessing } from '../contracts/preprocessing.js';
import { NotFoundError } from '../lib/errors.js';
import {
  loadModelFromDir,
  inspectModelDir,
  type Dim,
  type LayerInfo,
  type LayersSummary,
  type LayersModel,
} from '../ml/index.js';
import type { ModelMeta } from '../contracts/model-meta.js';
import type { Store } from '../storage/store.js';
import {
  LAYERS_FILE,
  META_FILE,
  type BaseModelMeta,
  type EncoderInfo,
  type LayersFile,
} from './base-model-meta.js';

/**
 * A job's base is either a registered pretrained model or a model this service trained; the
 * trainer and the layer routes read both through these functions so neither cares which.
 */

export type BaseRef = { baseModelId: string } | { modelId: string };

export interface StoredBase {
  ref: BaseRef;
  collection: 'base-models' | 'models';
  /** Folder holding model.json and its shards. */
  dir: string;
  name: string | null;
  inputShape: Dim[];
  outputShape: Dim[];
  layers: LayerInfo[];
  params: { total: number; trainable: number; nonTrainable: number };
  preprocessing: Preprocessing | null;
  recommendedCutAt: string | null;
  /** Class names of a trained model, in output order; null for registered base models. */
  labels: string[] | null;
  /** Set for a sentence encoder (a frozen GraphModel, never loaded as a LayersModel). */
  encoder?: EncoderInfo;
  /** Its catalog name, when it came from the catalog. */
  catalog?: string;
}

function locate(store: Store, ref: BaseRef): { collection: 'base-models' | 'models'; id: string } {
  return 'baseModelId' in ref
    ? { collection: 'base-models', id: ref.baseModelId }
    : { collection: 'models', id: ref.modelId };
}

async function existingDir(
  store: Store,
  ref: BaseRef,
): Promise<{ collection: 'base-models' | 'models'; id: string; dir: string }> {
  const { collection, id } = locate(store, ref);
  const col = store.collection(collection);
  if (!(await col.exists(id))) {
    throw new NotFoundError(`${collection === 'models' ? 'model' : 'base model'} '${id}' not found`);
  }
  return { collection, id, dir: await col.local(id) };
}

/** Loads the referenced model (the caller disposes it). Throws NotFoundError (404) if absent. */
export async function loadBaseModel(store: Store, ref: BaseRef): Promise<LayersModel> {
  const { dir } = await existingDir(store, ref);
  return loadModelFromDir(dir);
}

/** Summaries of trained models, by folder; entries never change once written, so no invalidation. */
export class SummaryCache {
  private readonly entries = new Map<string, Promise<LayersSummary>>();

  constructor(private readonly max = 64) {}

  get(dir: string): Promise<LayersSummary> {
    const hit = this.entries.get(dir);
    if (hit) {
      this.entries.delete(dir);
      this.entries.set(dir, hit);
      return hit;
    }
    const p = inspectModelDir(dir);
    this.entries.set(dir, p);
    p.catch(() => this.entries.delete(dir));
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return p;
  }

  delete(dir: string): void {
    this.entries.delete(dir);
  }
}

/**
 * Layers, shapes and recommended preprocessing of a base. Registered base models answer from
 * the files written at registration; trained models are loaded once (through `cache` if given).
 */
export async function describeBase(store: Store, ref: BaseRef, cache?: SummaryCache): Promise<StoredBase> {
  const { collection, id, dir } = await existingDir(store, ref);
  const col = store.collection(collection);
  if (collection === 'base-models') {
    const meta = await col.readJson<BaseModelMeta>(id, META_FILE);
    const { layers } = await col.readJson<LayersFile>(id, LAYERS_FILE);
    return {
      ref,
      collection,
      dir,
      name: meta.name,
      inputShape: meta.inputShape,
      outputShape: meta.outputShape,
      layers,
      params: meta.params,
      preprocessing: meta.preprocessing,
      recommendedCutAt: meta.recommendedCutAt,
      labels: null,
      ...(meta.encoder ? { encoder: meta.encoder } : {}),
      ...(meta.source.kind === 'catalog' ? { catalog: meta.source.catalog } : {}),
    };
  }
  const meta = await col.readJson<ModelMeta>(id, META_FILE).catch(() => undefined);
  const summary = await (cache ? cache.get(dir) : inspectModelDir(dir));
  return {
    ref,
    collection,
    dir,
    name: meta?.name ?? null,
    inputShape: summary.inputs[0]?.shape ?? [],
    outputShape: summary.outputs[0]?.shape ?? [],
    layers: summary.layers,
    params: summary.params,
    preprocessing: meta?.preprocessing ?? null,
    recommendedCutAt: null,
    labels: meta?.labels ?? null,
  };
}
