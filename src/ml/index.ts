/**
 * The ml layer's one front door (the lint's ml-has-one-entry rule): everything TensorFlow.js does
 * for the service. Backend selection and tensor-memory readings; model files (load, save, check,
 * inspect, also in a thread); the trainer, its cross-validation folds and refit; the sentence
 * encoder and its tokenizer; serving's forward passes with novelty; the probes, cut features and
 * nearest neighbours of the advisor and audits; and the training sources' batch types. Importing
 * it loads TF.js: code that must not (the spec checks, the retry policy) uses the TF.js-free
 * helpers in src/contracts/ (layer-refs, layer-shapes) and src/lib/ (cancellation, engine-errors).
 * Modules inside src/ml/ import each other directly, never this file.
 */

export { selectBackend } from './backend.js';
export type { BackendInfo } from './backend.js';
export { liveTensors, tensorMemory } from './memory.js';
export { probeTraining } from './probe.js';

export {
  checkServable,
  countParams,
  loadModelFromDir,
  MODEL_JSON,
  readModelJson,
  saveModelToDir,
} from './model-io.js';
export type { LayersModel, ModelJson } from './model-io.js';
export { inspectModelDir } from './inspect-model-dir.js';
export { inspectModelDirInThread, inspectSentenceEncoderInThread } from './inspect-thread.js';
export type { Dim, LayerInfo, LayersSummary, TensorInfo } from './layers.js';

export { toBatch } from './example-source.js';
export type { Batch, BatchOptions, ExampleSource, TrainingData } from './example-source.js';
export { MemorySource } from './memory-source.js';
export { augmentActive } from './augment.js';

export { train } from './trainer.js';
export { crossValidateFeatureHead, fitFeatureHead, pickRows, predictClasses } from './feature-head.js';
export type { TrainResult } from './trainer.js';
export type { ExampleOutputs } from './evaluate.js';
export type { WarmStartReport } from './warm-start.js';
export { refit, runFolds, sharedFeaturesFor } from './cross-validate.js';
export type { CrossValidationPlan, FoldOutcome } from './cross-validate.js';

export {
  countTokens,
  ENCODER_VOCAB_FILE,
  loadSentenceEncoder,
  tokenizerFor,
  USE_LITE_MAX_TOKENS,
} from './sentence-encoder.js';
export type { SentenceEncoder } from './sentence-encoder.js';
export { encoderInstances, loadParallelSentenceEncoder } from './encoder-threads.js';

export { forward, forwardWithNovelty, noveltyScorer, warmUp } from './inference.js';
export type { NoveltyScorer } from './inference.js';

export { crossValidateSoftmax } from './probe-classifier.js';
export { extractCutFeatures, measureCutCost, sampleInputs } from './probe-features.js';
export { nearestNeighbours } from './similarity.js';
export type { Neighbours } from './similarity.js';
