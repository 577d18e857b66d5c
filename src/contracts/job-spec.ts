import { z } from 'zod';
import { imagePreprocessingSchema } from './preprocessing.js';
import { ID_PATTERN } from './id-pattern.js';
import { modelNameSchema } from './model-name.js';

/**
 * The training job spec (POST /v1/jobs body). Everything but `datasetId` is optional; defaults
 * that depend on the base model or the dataset (`cutAt`, `freeze`, `input`, the loss) stay
 * unset here and are resolved by the trainer, so a stored spec says what the user asked for.
 * Objects are strict: a misspelt option is an error, never silently ignored.
 * Checks that need the base model's layers or the dataset live in ./spec-check.ts.
 */

const id = z.string().regex(ID_PATTERN, `must be an id like ds_0123456789abcdef (${ID_PATTERN.source})`);

/** A layer of the base model, by name or by its index in GET /v1/base-models/:id/layers. */
export const layerRefSchema = z.union([
  z.string().min(1).max(256),
  z.number().int().min(0, 'layer index must be >= 0').max(100_000, 'layer index must be <= 100000'),
]);
export type LayerRef = z.infer<typeof layerRefSchema>;

export const activationSchema = z.enum([
  'linear',
  'relu',
  'relu6',
  'elu',
  'selu',
  'sigmoid',
  'hardSigmoid',
  'tanh',
  'softmax',
  'softplus',
  'softsign',
  'swish',
  'mish',
  'gelu',
]);

const layerName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'layer names use 1-64 of A-Z a-z 0-9 _ . -')
  .optional();
const l2 = z.number().min(0).max(1, 'l2 must be <= 1').optional();
const size2 = (max: number, what: string) =>
  z.union([
    z.number().int().min(1).max(max, `${what} must be <= ${max}`),
    z.tuple([
      z.number().int().min(1).max(max, `${what} must be <= ${max}`),
      z.number().int().min(1).max(max, `${what} must be <= ${max}`),
    ]),
  ]);
const padding = z.enum(['valid', 'same']).default('valid');

/**
 * Hidden layers default to `relu`: the service adds the output layer itself, so a user's dense or
 * conv layer is always a hidden one, where a linear activation is nearly always a mistake.
 */
export const layerSpecSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('dense'),
    units: z.number().int().min(1).max(65_536, 'units must be <= 65536'),
    activation: activationSchema.default('relu'),
    useBias: z.boolean().default(true),
    l2,
    name: layerName,
  }),
  z.strictObject({
    type: z.literal('dropout'),
    rate: z.number().min(0).max(0.95, 'dropout rate must be <= 0.95'),
    name: layerName,
  }),
  z.strictObject({
    type: z.literal('batchNormalization'),
    momentum: z.number().min(0).max(1).default(0.99),
    epsilon: z.number().min(1e-8).max(1).default(1e-3),
    name: layerName,
  }),
  z.strictObject({ type: z.literal('flatten'), name: layerName }),
  z.strictObject({ type: z.literal('globalAveragePooling2d'), name: layerName }),
  z.strictObject({ type: z.literal('globalMaxPooling2d'), name: layerName }),
  z.strictObject({
    type: z.literal('conv2d'),
    filters: z.number().int().min(1).max(4096, 'filters must be <= 4096'),
    kernelSize: size2(31, 'kernelSize'),
    strides: size2(16, 'strides').default(1),
    padding,
    activation: activationSchema.default('relu'),
    useBias: z.boolean().default(true),
    l2,
    name: layerName,
  }),
  z.strictObject({
    type: z.literal('depthwiseConv2d'),
    kernelSize: size2(31, 'kernelSize'),
    depthMultiplier: z.number().int().min(1).max(64, 'depthMultiplier must be <= 64').default(1),
    strides: size2(16, 'strides').default(1),
    padding,
    activation: activationSchema.default('relu'),
    useBias: z.boolean().default(true),
    name: layerName,
  }),
  z.strictObject({
    type: z.literal('maxPooling2d'),
    poolSize: size2(32, 'poolSize').default(2),
    /** Defaults to poolSize. */
    strides: size2(32, 'strides').optional(),
    padding,
    name: layerName,
  }),
  z.strictObject({
    type: z.literal('averagePooling2d'),
    poolSize: size2(32, 'poolSize').default(2),
    strides: size2(32, 'strides').optional(),
    padding,
    name: layerName,
  }),
  z.strictObject({
    type: z.literal('reshape'),
    targetShape: z.array(z.number().int().min(1).max(1_000_000)).min(1).max(4),
    name: layerName,
  }),
  z.strictObject({ type: z.literal('activation'), activation: activationSchema, name: layerName }),
  /**
   * Text from scratch: a vector per word id. `inputDim` defaults to the vocabulary the job learns
   * from the dataset (at most TEXT_MAX_VOCABULARY words, plus padding and out-of-vocabulary).
   */
  z.strictObject({
    type: z.literal('embedding'),
    outputDim: z.number().int().min(1).max(1024, 'outputDim must be <= 1024'),
    inputDim: z.number().int().min(3).max(200_000, 'inputDim must be <= 200000').optional(),
    name: layerName,
  }),
  z.strictObject({ type: z.literal('globalAveragePooling1d'), name: layerName }),
  z.strictObject({ type: z.literal('globalMaxPooling1d'), name: layerName }),
]);

/** Most words a from-scratch text model's vocabulary keeps (the most frequent of the training split). */
export const TEXT_MAX_VOCABULARY = 20_000;
/** Most word ids a from-scratch text model reads per text. */
export const TEXT_MAX_WORDS = 256;
export type LayerSpec = z.infer<typeof layerSpecSchema>;

/**
 * Image preprocessing with every field optional: unset fields come from the base model's input
 * shape (size, channels) or the shared defaults (scale [0, 1], resize stretch) at job start.
 */
const img = imagePreprocessingSchema.shape;
export const inputSpecSchema = z.strictObject({
  size: img.size.optional(),
  channels: img.channels.unwrap().optional(),
  scale: img.scale
    .unwrap()
    .refine(([lo, hi]) => lo < hi && Math.abs(lo) <= 1e4 && Math.abs(hi) <= 1e4, {
      message: 'scale must be [min, max] with min < max and |values| <= 10000',
    })
    .optional(),
  resize: img.resize.unwrap().optional(),
});
export type InputSpec = z.infer<typeof inputSpecSchema>;

/** Keras names; `accuracy` is accepted as an alias of `acc`. */
export const monitorSchema = z.enum([
  'loss',
  'val_loss',
  'acc',
  'val_acc',
  'accuracy',
  'val_accuracy',
  'mae',
  'val_mae',
]);
export type Monitor = z.infer<typeof monitorSchema>;

export const CLASSIFICATION_LOSSES = ['categoricalCrossentropy', 'sparseCategoricalCrossentropy'] as const;
export const REGRESSION_LOSSES = ['meanSquaredError', 'meanAbsoluteError', 'huber'] as const;
export const lossSchema = z.enum([...CLASSIFICATION_LOSSES, ...REGRESSION_LOSSES]);
export type LossName = z.infer<typeof lossSchema>;

export const optimizerSchema = z.enum(['adam', 'sgd', 'rmsprop', 'adagrad']);
export type OptimizerName = z.infer<typeof optimizerSchema>;

const learningRate = z.number().gt(0, 'learningRate must be > 0').max(10, 'learningRate must be <= 10');

const reduceLrSchema = z.strictObject({
  monitor: monitorSchema.default('val_loss'),
  factor: z
    .number()
    .gt(0, 'factor must be > 0')
    .lt(1, 'factor must be < 1 (it multiplies the rate)')
    .default(0.2),
  patience: z.number().int().min(0).max(1000).default(5),
  minLr: z.number().min(0).max(10).default(0),
  minDelta: z.number().min(0).max(1e6).default(1e-4),
  cooldown: z.number().int().min(0).max(1000).default(0),
});

const earlyStoppingSchema = z.strictObject({
  monitor: monitorSchema.default('val_loss'),
  patience: z.number().int().min(0).max(1000).default(8),
  minDelta: z.number().min(0).max(1e6).default(0),
  restoreBestWeights: z.boolean().default(true),
});

/** Folds of a cross-validation: at most this many (and at least 2). */
export const MAX_FOLDS = 10;

/**
 * How the job estimates its figures (README "Evaluation"). `auto` cross-validates a small dataset
 * without a split of its own (AUTO_CV_MAX_PER_CLASS), else evaluates on the dataset's own test
 * split when it has one, else on a held-out validation split.
 */
export const evaluationSpecSchema = z.strictObject({
  method: z
    .enum(['auto', 'cross-validation', 'holdout', 'test-split'])
    .default('auto')
    .describe(
      'auto: cross-validation for a dataset without its own split and under 200 examples per class on average ' +
        '(1000 rows for regression), else test-split when the dataset has its own split, else holdout',
    ),
  /** Stratified folds; fewer when the smallest class has fewer examples. */
  folds: z
    .number()
    .int()
    .min(2, 'folds must be >= 2')
    .max(MAX_FOLDS, `folds must be <= ${MAX_FOLDS}`)
    .default(5)
    .describe('stratified folds; fewer when the smallest class has fewer examples'),
  /** Cross-validation again on 25%, 50% and 75% of each class, for a learning curve and a forecast. */
  learningCurve: z
    .boolean()
    .default(true)
    .describe('cross-validate again on 25%, 50% and 75% of each class for a learning curve and a forecast'),
  /**
   * Most the evaluation may cost, in passes of the base over the data relative to one fit (see
   * README "Evaluation"); beyond it cross-validation falls back to holdout and the learning
   * curve is skipped, each with a warning. Default: the EVALUATION_MAX_COST setting.
   */
  maxCost: z
    .number()
    .min(1, 'maxCost must be >= 1')
    .max(1000, 'maxCost must be <= 1000')
    .optional()
    .describe(
      'most the evaluation may cost in fits of the recipe (default: the EVALUATION_MAX_COST setting, 15); ' +
        'past it cross-validation falls back to holdout and the learning curve is skipped, with a warning',
    ),
  /** Share of known examples a classifier accepts: the "unknown" threshold (README "Is this one of my classes?"). */
  acceptRate: z
    .number()
    .gt(0, 'acceptRate must be > 0')
    .max(1, 'acceptRate must be <= 1')
    .default(0.95)
    .describe(
      'share of out-of-fold examples of the known classes whose novelty the "unknown" threshold accepts; ' +
        '1: the model never answers unknown',
    ),
});
export type EvaluationSpec = z.infer<typeof evaluationSpecSchema>;

export const jobSpecSchema = z
  .strictObject({
    datasetId: id,
    base: z
      .union([z.strictObject({ baseModelId: id }), z.strictObject({ modelId: id })], {
        error: 'base must be { "baseModelId": "bm_..." } or { "modelId": "m_..." }',
      })
      .optional(),
    /** Layers trained from scratch instead of a base (then the model is input -> architecture -> head -> output). */
    architecture: z.array(layerSpecSchema).min(1).max(200, 'at most 200 architecture layers').optional(),
    /** Keep the base up to and including this layer; default: the layer feeding the base's output layer. */
    cutAt: layerRefSchema.optional(),
    /**
     * Which kept base layers are frozen: all, none, the first N (by layer index), or every layer up
     * to and including the named one. Default: `all` with a base. Frozen layers run in inference mode.
     */
    freeze: z
      .union([
        z.literal('all'),
        z.literal('none'),
        z.number().int().min(0).max(100_000),
        z.string().min(1).max(256),
      ])
      .optional(),
    head: z.array(layerSpecSchema).max(100, 'at most 100 head layers').default([]),
    input: inputSpecSchema.optional(),
    compile: z
      .strictObject({
        optimizer: optimizerSchema.default('adam'),
        learningRate: learningRate.default(0.001),
        /** Default: categoricalCrossentropy (classification) or meanSquaredError (regression). */
        loss: lossSchema.optional(),
      })
      .prefault({}),
    fit: z
      .strictObject({
        epochs: z
          .number()
          .int()
          .min(1, 'epochs must be >= 1')
          .max(1000, 'epochs must be <= 1000')
          .default(10),
        batchSize: z.number().int().min(1).max(4096, 'batchSize must be <= 4096').default(32),
        /** Used by the dataset loader when the dataset has no validation split of its own. */
        validationSplit: z.number().min(0).max(0.9, 'validationSplit must be <= 0.9').default(0.2),
        shuffle: z.boolean().default(true),
      })
      .prefault({}),
    callbacks: z
      .strictObject({
        reduceLROnPlateau: reduceLrSchema.optional(),
        earlyStopping: earlyStoppingSchema.optional(),
      })
      .prefault({}),
    fineTune: z
      .strictObject({
        unfreezeFrom: layerRefSchema,
        epochs: z.number().int().min(1).max(1000, 'epochs must be <= 1000').default(5),
        learningRate: learningRate.default(1e-5),
        /**
         * BatchNormalization layers stay frozen (inference mode, moving statistics kept) unless
         * this is true: re-estimating them from small batches of a small dataset usually hurts.
         */
        trainBatchNorm: z.boolean().default(false),
      })
      .optional(),
    augment: z
      .strictObject({
        flipHorizontal: z.boolean().default(false),
        flipVertical: z.boolean().default(false),
        rotateDegrees: z.number().min(0).max(180, 'rotateDegrees must be <= 180').default(0),
        /** Maximum brightness shift as a fraction of the input value range. */
        brightness: z.number().min(0).max(1, 'brightness must be <= 1').default(0),
      })
      .optional(),
    /** `balanced`: n / (classes * n_class); or weights by class name (missing classes weigh 1). */
    classWeight: z
      .union([
        z.literal('balanced'),
        z.record(z.string().min(1).max(256), z.number().min(0).max(1000, 'class weights must be <= 1000')),
      ])
      .optional(),
    seed: z.number().int().min(0).max(2_147_483_647).optional(),
    evaluation: evaluationSpecSchema
      .prefault({})
      .describe('how the job estimates its figures (README "Evaluation")'),
    /** The one model-name rule, the one the save step applies, so a job never trains to fail at the end. */
    modelName: modelNameSchema.optional(),
    /**
     * Start the trained layers (head, architecture, base layers trained from the first epoch) from
     * a trained model's weights, layer by layer where name and shape match (README "Retrain").
     */
    warmStart: z
      .strictObject({ modelId: id })
      .optional()
      .describe(
        "start the layers this job trains from a trained model's weights, where name and shape match " +
          '(the head of the model a retrain continues)',
      ),
  })
  .superRefine((spec, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    if (spec.base && spec.architecture) {
      issue(
        ['architecture'],
        'give either base (transfer learning) or architecture (from scratch), not both',
      );
    }
    if (!spec.base) {
      const why = spec.architecture ? 'a model trained from scratch' : 'a job without a base';
      if (spec.cutAt !== undefined) issue(['cutAt'], `cutAt needs a base model; ${why} has nothing to cut`);
      if (spec.freeze !== undefined && spec.freeze !== 'none') {
        issue(['freeze'], `freeze needs a base model; ${why} has no pretrained layers`);
      }
      if (spec.fineTune) issue(['fineTune'], `fineTune needs a base model; ${why} has nothing to unfreeze`);
    }
    if (spec.base && spec.freeze === 'none' && spec.fineTune) {
      issue(['fineTune'], 'fineTune unfreezes frozen layers, but freeze is "none"');
    }
  });

export type JobSpec = z.infer<typeof jobSpecSchema>;
export type JobSpecInput = z.input<typeof jobSpecSchema>;

/** Parses a spec; throws a ZodError (mapped to a 400 with field paths by the error handler). */
export function parseJobSpec(input: unknown): JobSpec {
  return jobSpecSchema.parse(input);
}
