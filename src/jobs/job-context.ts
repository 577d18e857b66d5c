import { describeBase, type StoredBase, type SummaryCache } from '../base-models/base-ref.js';
import { readManifest, type DatasetManifest } from '../datasets/dataset-manifest.js';
import type { ImagePreprocessing } from '../contracts/preprocessing.js';
import { NotFoundError, type FieldError } from '../lib/errors.js';
import type { Store } from '../storage/store.js';
import type { BaseTopology, DatasetDescription } from '../contracts/model-topology.js';
import { resolveImageInput } from '../ml/layer-refs.js';
import { validateSpecAgainst } from './spec-check.js';
import type { JobSpec } from '../contracts/job-spec.js';

/**
 * Everything a job needs to know before training, resolved the same way by the API (to answer
 * 400 before queueing) and by the worker (to train): the dataset's manifest, the base's layers,
 * the effective spec (the base's recommended cut when the spec names none) and the image
 * preprocessing (spec, else the base's own, else the base's input shape and shared defaults).
 */
export interface JobContext {
  spec: JobSpec;
  manifest: DatasetManifest;
  base?: StoredBase;
  image?: ImagePreprocessing;
  dataset: DatasetDescription;
}

export type ResolvedJob = { ok: true; context: JobContext } | { ok: false; errors: FieldError[] };

function notFoundAs(path: string) {
  return (err: unknown): FieldError => {
    if (err instanceof NotFoundError) return { path, message: err.message };
    throw err;
  };
}

export async function resolveJob(store: Store, spec: JobSpec, cache?: SummaryCache): Promise<ResolvedJob> {
  const errors: FieldError[] = [];
  const manifest = await readManifest(store, spec.datasetId).catch((e: unknown) => {
    errors.push(notFoundAs('datasetId')(e));
    return undefined;
  });
  let base: StoredBase | undefined;
  if (spec.base) {
    const field = 'baseModelId' in spec.base ? 'base.baseModelId' : 'base.modelId';
    base = await describeBase(store, spec.base, cache).catch((e: unknown) => {
      errors.push(notFoundAs(field)(e));
      return undefined;
    });
  }
  if (!manifest || errors.length > 0) return { ok: false, errors };

  const effective: JobSpec =
    spec.cutAt === undefined && base?.recommendedCutAt ? { ...spec, cutAt: base.recommendedCutAt } : spec;

  let image: ImagePreprocessing | undefined;
  let inputShape: number[];
  if (manifest.kind === 'image') {
    const fromBase = base?.preprocessing?.kind === 'image' ? base.preprocessing.image : undefined;
    const seen = manifest.exampleShape;
    image = resolveImageInput({ ...fromBase, ...spec.input }, base ? [null, ...base.inputShape] : undefined, [
      seen.height.median,
      seen.width.median,
      seen.channels.median >= 3 ? 3 : 1,
    ]);
    inputShape = [image.size[0], image.size[1], image.channels];
  } else {
    inputShape = [manifest.features.length];
  }

  const dataset: DatasetDescription = {
    kind: manifest.kind,
    task: manifest.task,
    classes: manifest.classes.map((c) => c.name),
    inputShape,
    hasValidation: manifest.split.provided,
  };
  const baseForCheck: BaseTopology | undefined = base && {
    layers: base.layers.map((l) => ({
      name: l.name,
      className: l.className,
      outputShape: l.outputShape,
      inbound: l.inbound,
    })),
    inputShape: [null, ...base.inputShape],
  };
  const problems = validateSpecAgainst(effective, baseForCheck, dataset);
  if (problems.length > 0) return { ok: false, errors: problems };
  const context: JobContext = { spec: effective, manifest, dataset };
  if (base) context.base = base;
  if (image) context.image = image;
  return { ok: true, context };
}
