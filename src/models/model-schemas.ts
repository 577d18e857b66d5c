import { z } from 'zod';
import { imagePreprocessingSchema } from '../contracts/preprocessing.js';
import type { ModelMeta } from '../contracts/model-meta.js';

/** Response shapes of /v1/models (zod, so responses are checked against openapi.yaml's promise). */

const preprocessingSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('image'), image: imagePreprocessingSchema }),
  z.object({
    kind: z.literal('tabular'),
    tabular: z.object({ features: z.array(z.string()), mean: z.array(z.number()), std: z.array(z.number()) }),
  }),
  z.object({
    kind: z.literal('text'),
    text: z.discriminatedUnion('tokenizer', [
      z.object({
        tokenizer: z.literal('sentence-encoder'),
        encoder: z.object({
          baseModelId: z.string(),
          catalog: z.string().nullable(),
          package: z.object({ name: z.string(), version: z.string() }).nullable(),
          dimension: z.number().int(),
          maxTokens: z.number().int(),
        }),
      }),
      z.object({
        tokenizer: z.literal('words'),
        vocabularyFile: z.string(),
        vocabularySize: z.number().int(),
        maxLength: z.number().int(),
        lowercase: z.literal(true),
      }),
    ]),
  }),
]);

const intervalSchema = z.object({
  low: z.number(),
  high: z.number(),
  level: z.number(),
  method: z.enum(['wilson', 'bootstrap']),
});
const methodSchema = z.enum(['cross-validation', 'holdout', 'test-split', 'train']);
/** Method, folds and warnings: optional, as models saved before honest evaluation lack them. */
const estimateFields = {
  method: methodSchema.optional(),
  folds: z.number().int().optional(),
  warnings: z.array(z.object({ code: z.string(), message: z.string() })).optional(),
};
const learningCurvePointSchema = z.object({
  examplesPerClass: z.number(),
  fraction: z.number(),
  accuracy: z.number(),
  low: z.number(),
  high: z.number(),
  examples: z.number().int(),
});
const forecastSchema = z.object({
  trend: z.enum(['rising', 'flat', 'unknown']),
  examplesPerClass: z.number(),
  accuracy: z.number().optional(),
  low: z.number().optional(),
  high: z.number().optional(),
  message: z.string(),
  model: z.string().optional(),
});

const binSchema = z.object({
  low: z.number(),
  high: z.number(),
  count: z.number().int(),
  confidence: z.number(),
  accuracy: z.number(),
});
const calibrationSchema = z.object({
  method: z.literal('temperature'),
  temperature: z.number(),
  ece: z.number(),
  eceInterval: intervalSchema,
  eceFloor: z.number().optional(),
  eceUncalibrated: z.number(),
  eceUncalibratedInterval: intervalSchema,
  bins: z.array(binSchema),
  binsUncalibrated: z.array(binSchema),
  examples: z.number().int(),
});
const unknownRuleSchema = z.object({
  method: z.literal('knn'),
  k: z.number().int(),
  threshold: z.number(),
  acceptRate: z.number(),
  examples: z.number().int(),
  accepted: z.number(),
  acceptedInterval: intervalSchema,
  quantiles: z.array(z.number()),
  reference: z.object({
    file: z.string(),
    count: z.number().int(),
    dims: z.number().int(),
    layer: z.string(),
  }),
});

const evaluationSchema = z.discriminatedUnion('task', [
  z.object({
    task: z.literal('classification'),
    loss: z.number(),
    accuracy: z.number(),
    confusionMatrix: z.array(z.array(z.number())),
    perClass: z.array(
      z.object({
        label: z.string(),
        precision: z.number(),
        recall: z.number(),
        f1: z.number(),
        support: z.number(),
        recallInterval: intervalSchema.optional(),
        precisionInterval: intervalSchema.optional(),
      }),
    ),
    examples: z.number(),
    ...estimateFields,
    accuracyInterval: intervalSchema.optional(),
    macroF1: z.number().optional(),
    macroF1Interval: intervalSchema.optional(),
    trainAccuracy: z.number().optional(),
    learningCurve: z.array(learningCurvePointSchema).optional(),
    forecast: forecastSchema.optional(),
    calibration: calibrationSchema.optional(),
    unknown: unknownRuleSchema.optional(),
  }),
  z.object({
    task: z.literal('regression'),
    loss: z.number(),
    mae: z.number(),
    rmse: z.number(),
    examples: z.number(),
    ...estimateFields,
    maeInterval: intervalSchema.optional(),
    rmseInterval: intervalSchema.optional(),
  }),
]);

/** One out-of-fold prediction (src/contracts/evaluation.ts OutOfFoldPrediction). */
export const outOfFoldPredictionSchema = z.object({
  exampleId: z.string(),
  fold: z.number().int(),
  label: z.number().int().optional(),
  predicted: z.number().int().optional(),
  probabilities: z.array(z.number()).optional(),
  logits: z.array(z.number()).optional(),
  novelty: z.number().optional(),
  target: z.number().optional(),
  value: z.number().optional(),
});

export const outOfFoldPageSchema = z.object({
  modelId: z.string(),
  method: methodSchema,
  folds: z.number().int(),
  classes: z.array(z.string()),
  task: z.enum(['classification', 'regression']),
  items: z.array(outOfFoldPredictionSchema),
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
});

const lineageSchema = z.object({
  jobId: z.string().optional(),
  datasetId: z.string().optional(),
  datasetParentId: z.string().nullable().optional(),
  base: z
    .union([z.object({ baseModelId: z.string() }), z.object({ modelId: z.string() })])
    .nullable()
    .optional(),
  spec: z.unknown().optional(),
});

const paramsSchema = z.object({ total: z.number(), trainable: z.number() });

/** The headline evaluation numbers a list entry and a model's own page both carry. */
const metricsSchema = z.record(z.string(), z.number());
const kindSchema = z.enum(['image', 'tabular', 'text']);

/**
 * GET /v1/models/:id: everything stored with the model, plus the list entry's `kind` and
 * `metrics`, so a model read either way answers the same fields (its list entry is a subset).
 * Loose: fields the trainer adds to meta later still reach clients.
 */
export const modelMetaSchema = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  version: z.number().int().optional(),
  createdAt: z.string(),
  task: z.enum(['classification', 'regression']),
  kind: kindSchema,
  labels: z.array(z.string()),
  inputShape: z.array(z.number()),
  metrics: metricsSchema,
  preprocessing: preprocessingSchema,
  evaluation: evaluationSchema.optional(),
  history: z.array(z.looseObject({ phase: z.string(), epoch: z.number() })),
  lineage: lineageSchema,
  backend: z.string().optional(),
  durationMs: z.number().optional(),
  params: paramsSchema,
  sizeBytes: z.number().optional(),
  notes: z.array(z.string()).optional(),
});

export const modelSummarySchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  version: z.number().int().optional(),
  createdAt: z.string(),
  task: z.enum(['classification', 'regression']),
  kind: kindSchema,
  labels: z.array(z.string()),
  inputShape: z.array(z.number()),
  metrics: metricsSchema,
  lineage: lineageSchema.omit({ spec: true }),
  params: paramsSchema,
  sizeBytes: z.number().optional(),
});
export type ModelSummary = z.infer<typeof modelSummarySchema>;

export type ModelDetail = ModelMeta & Pick<ModelSummary, 'kind' | 'metrics'>;

/** Accuracy and loss, or MAE, RMSE and loss: `evaluation`'s headline numbers ({} without one). */
function headlineMetrics(meta: ModelMeta): Record<string, number> {
  const ev = meta.evaluation;
  if (!ev) return {};
  // Each figure with its interval and the examples it rests on, like the model view.
  if (ev.task === 'regression') {
    return {
      loss: ev.loss,
      mae: ev.mae,
      rmse: ev.rmse,
      examples: ev.examples,
      ...(ev.maeInterval ? { maeLow: ev.maeInterval.low, maeHigh: ev.maeInterval.high } : {}),
    };
  }
  return {
    loss: ev.loss,
    accuracy: ev.accuracy,
    examples: ev.examples,
    ...(ev.accuracyInterval
      ? { accuracyLow: ev.accuracyInterval.low, accuracyHigh: ev.accuracyInterval.high }
      : {}),
  };
}

/** A model's own page: all of its meta, and its list entry's `kind` and `metrics` too. */
export function detail(meta: ModelMeta): ModelDetail {
  return { ...meta, kind: meta.preprocessing.kind, metrics: headlineMetrics(meta) };
}

/** A list entry: no training history, spec or confusion matrix (those are on GET /v1/models/:id). */
export function summarize(meta: ModelMeta): ModelSummary {
  const metrics = headlineMetrics(meta);
  const { spec: _spec, ...lineage } = meta.lineage;
  return {
    id: meta.id,
    ...(meta.name === undefined ? {} : { name: meta.name, version: meta.version }),
    createdAt: meta.createdAt,
    task: meta.task,
    kind: meta.preprocessing.kind,
    labels: meta.labels,
    inputShape: meta.inputShape,
    metrics,
    lineage,
    params: meta.params,
    ...(meta.sizeBytes === undefined ? {} : { sizeBytes: meta.sizeBytes }),
  };
}
