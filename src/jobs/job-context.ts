import { describeBase, type StoredBase, type SummaryCache } from '../base-models/base-ref.js';
import { readManifest, type DatasetManifest } from '../datasets/dataset-manifest.js';
import type { ImagePreprocessing } from '../contracts/preprocessing.js';
import { NotFoundError, type FieldError } from '../lib/errors.js';
import type { Store } from '../storage/store.js';
import type { ModelMeta } from '../contracts/model-meta.js';
import { META_JSON } from '../models/registry.js';
import type { BaseTopology, DatasetDescription } from '../contracts/model-topology.js';
import { resolveImageInput } from '../contracts/layer-refs.js';
import { chooseEvaluation, type EvaluationChoice } from './evaluation-choice.js';
import { validateSpecAgainst } from './spec-check.js';
import { TEXT_MAX_VOCABULARY, TEXT_MAX_WORDS, type JobSpec } from '../contracts/job-spec.js';
import type { TextInputOptions } from '../datasets/modality.js';

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
  /** Text datasets: through the base's sentence encoder, or word ids for an architecture. */
  text?: TextInputOptions;
  dataset: DatasetDescription;
  /** How the job estimates its figures (cross-validation, holdout, test split). */
  evaluation: EvaluationChoice;
}

export type ResolvedJob = { ok: true; context: JobContext } | { ok: false; errors: FieldError[] };

function notFoundAs(path: string) {
  return (err: unknown): FieldError => {
    if (err instanceof NotFoundError) return { path, message: err.message };
    throw err;
  };
}

export interface ResolveOptions {
  /** Base-model summaries already read (the API keeps one across requests). */
  cache?: SummaryCache;
  /** The evaluation budget when the spec sets none (EVALUATION_MAX_COST). */
  maxCost?: number;
}

export async function resolveJob(store: Store, spec: JobSpec, o: ResolveOptions = {}): Promise<ResolvedJob> {
  const { manifest, base, errors } = await readJobInputs(store, spec, o.cache);
  if (!manifest || errors.length > 0) return { ok: false, errors };

  const effective: JobSpec =
    spec.cutAt === undefined && base?.recommendedCutAt ? { ...spec, cutAt: base.recommendedCutAt } : spec;

  const { image, inputShape } = resolveInputShape(spec, manifest, base);
  const textErrors = checkTextJob(spec, manifest, base);

  const dataset: DatasetDescription = {
    kind: manifest.kind,
    task: manifest.task,
    classes: manifest.classes.map((c) => c.name),
    inputShape,
    hasValidation: manifest.split.provided,
  };
  const problems = checkSpecAgainstBase(effective, base, dataset);
  const evaluation = chooseEvaluation(effective, manifest, !!base?.encoder, o.maxCost);
  const evaluationErrors = evaluation.ok ? [] : evaluation.errors;
  if (textErrors.length > 0 || problems.length > 0 || !evaluation.ok) {
    const seen = new Set(textErrors.map((e) => e.path));
    const rest = problems.filter((e) => !seen.has(e.path));
    return { ok: false, errors: [...textErrors, ...rest, ...evaluationErrors] };
  }
  const context: JobContext = { spec: effective, manifest, dataset, evaluation: evaluation.choice };
  if (base) context.base = base;
  if (image) context.image = image;
  if (manifest.kind === 'text') context.text = textInput(base, inputShape);
  return { ok: true, context };
}

/** The spec's dataset manifest, base and warm-start model, with a field error for each one missing. */
async function readJobInputs(
  store: Store,
  spec: JobSpec,
  cache: SummaryCache | undefined,
): Promise<{ manifest: DatasetManifest | undefined; base: StoredBase | undefined; errors: FieldError[] }> {
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
  if (spec.warmStart) errors.push(...(await checkWarmStart(store, spec.warmStart.modelId, manifest)));
  return { manifest, base, errors };
}

/** The model's input shape, and for images the preprocessing that gives it (spec, base, dataset). */
function resolveInputShape(
  spec: JobSpec,
  manifest: DatasetManifest,
  base: StoredBase | undefined,
): { image?: ImagePreprocessing; inputShape: number[] } {
  if (manifest.kind === 'image') {
    const fromBase = base?.preprocessing?.kind === 'image' ? base.preprocessing.image : undefined;
    const seen = manifest.exampleShape;
    const image = resolveImageInput(
      { ...fromBase, ...spec.input },
      base ? [null, ...base.inputShape] : undefined,
      [seen.height.median, seen.width.median, seen.channels.median >= 3 ? 3 : 1],
    );
    return { image, inputShape: [image.size[0], image.size[1], image.channels] };
  }
  if (manifest.kind === 'text') {
    return {
      inputShape: base?.encoder
        ? [base.encoder.dimension]
        : [Math.max(1, Math.min(TEXT_MAX_WORDS, manifest.exampleShape.words.max))],
    };
  }
  return { inputShape: [manifest.features.length] };
}

/** The generic spec checks against the base's layers (a sentence encoder's: against its embedding). */
function checkSpecAgainstBase(
  effective: JobSpec,
  base: StoredBase | undefined,
  dataset: DatasetDescription,
): FieldError[] {
  const baseForCheck: BaseTopology | undefined = base && {
    layers: base.layers.map((l) => ({
      name: l.name,
      className: l.className,
      outputShape: l.outputShape,
      inbound: l.inbound,
    })),
    inputShape: [null, ...base.inputShape],
  };
  // A sentence encoder is used whole: the checks see its embedding as the model's input.
  return base?.encoder
    ? validateSpecAgainst(headOnly(effective), undefined, dataset)
    : validateSpecAgainst(effective, baseForCheck, dataset);
}

/** How a text job reads its texts: through the base's sentence encoder, else as word ids. */
function textInput(base: StoredBase | undefined, inputShape: number[]): TextInputOptions {
  return base?.encoder && 'baseModelId' in base.ref
    ? {
        tokenizer: 'sentence-encoder',
        encoderDir: base.dir,
        encoder: {
          baseModelId: base.ref.baseModelId,
          catalog: base.catalog ?? null,
          package: base.encoder.package,
          dimension: base.encoder.dimension,
          maxTokens: base.encoder.maxTokens,
        },
      }
    : { tokenizer: 'words', maxVocabulary: TEXT_MAX_VOCABULARY, maxLength: inputShape[0] as number };
}

/** The spec the trainer runs for a sentence-encoder job: the head over precomputed embeddings. */
export function headOnly(spec: JobSpec): JobSpec {
  const { base: _base, cutAt: _cutAt, freeze: _freeze, fineTune: _fineTune, ...rest } = spec;
  return rest;
}

/** What a text dataset or a sentence encoder base asks of a spec, beyond the generic checks. */
function checkTextJob(spec: JobSpec, manifest: DatasetManifest, base: StoredBase | undefined): FieldError[] {
  const errors: FieldError[] = [];
  const err = (path: string, message: string) => errors.push({ path, message });
  const encoder = base?.encoder;
  if (encoder) {
    const name = base?.catalog ?? base?.name ?? 'the sentence encoder';
    if (manifest.kind !== 'text') {
      err(
        'base',
        `${name} is a sentence encoder: it takes texts, and dataset '${manifest.id}' holds ${manifest.kind} data`,
      );
    }
    if (spec.fineTune) {
      err(
        'fineTune',
        `a GraphModel can't be fine-tuned: ${name} is a frozen feature extractor (a TF.js GraphModel has no trainable ` +
          'layers); remove fineTune and train a head on its embeddings',
      );
    }
    if (spec.cutAt !== undefined) {
      err(
        'cutAt',
        `${name} is a GraphModel used whole (its ${encoder.dimension}-d embedding): it cannot be cut`,
      );
    }
    if (spec.freeze !== undefined && spec.freeze !== 'all') {
      err('freeze', `${name} is a frozen GraphModel: only freeze "all" applies`);
    }
  } else if (manifest.kind === 'text') {
    if (base) {
      err(
        'base',
        `dataset '${manifest.id}' holds texts: use a sentence encoder base (POST /v1/base-models ` +
          '{"catalog": "universal-sentence-encoder-lite"}) or train from scratch with an architecture',
      );
    } else if (!spec.architecture) {
      err(
        'architecture',
        'a text dataset needs a sentence encoder base, or an architecture starting with an embedding layer ' +
          '(e.g. [{"type": "embedding", "outputDim": 32}, {"type": "globalAveragePooling1d"}])',
      );
    } else if (spec.architecture[0]?.type !== 'embedding') {
      err('architecture.0', 'a from-scratch text model starts with an embedding layer over the word ids');
    }
  }
  if (manifest.kind === 'text') {
    if (spec.input) err('input', 'image preprocessing does not apply to a text dataset');
    if (spec.augment) err('augment', 'image augmentation does not apply to a text dataset');
  }
  return errors;
}

/** spec.warmStart names a trained model of the same task (its layers are matched when training). */
async function checkWarmStart(
  store: Store,
  modelId: string,
  manifest: DatasetManifest | undefined,
): Promise<FieldError[]> {
  const path = 'warmStart.modelId';
  const models = store.collection('models');
  if (!(await models.exists(modelId))) return [{ path, message: `model '${modelId}' not found` }];
  const meta = await models.readJson<Pick<ModelMeta, 'task'>>(modelId, META_JSON);
  if (manifest && meta.task !== manifest.task) {
    return [
      { path, message: `model '${modelId}' is a ${meta.task} model; the dataset is for ${manifest.task}` },
    ];
  }
  return [];
}
