import type { EvaluationMethod, OutOfFoldPrediction } from '../contracts/evaluation.js';
import type { ClassificationEvaluation } from '../contracts/model-meta.js';
import { DEFAULT_LEVEL, stratifiedBootstrap, wilsonInterval } from './intervals.js';
import { evaluationWarnings } from './warnings.js';

/**
 * The evaluation stored with a classifier, from predictions by models that never trained on the
 * examples they predict (out-of-fold, or a holdout or test split). Every figure carries its
 * interval: Wilson for the proportions (accuracy, each class's recall and precision), a
 * stratified bootstrap over the true classes for macro-F1.
 */

/** Probabilities are clipped here before the log, as Keras does, so one confident miss stays finite. */
const EPSILON = 1e-7;

export interface ClassificationEstimateOptions {
  method: EvaluationMethod;
  folds: number;
  /** Interval level (0.95 by default). */
  level?: number;
  /** Seed of the macro-F1 bootstrap. */
  seed?: number;
  /** Bootstrap resamples (2000 by default). */
  resamples?: number;
  /** Accuracy of the returned model on the examples it trained on (for the overfitting warning). */
  trainAccuracy?: number;
}

/** The predicted class: `predicted`, else the argmax of the probabilities (or logits). */
function predictedClass(p: OutOfFoldPrediction, i: number): number {
  if (p.predicted !== undefined) return p.predicted;
  const scores = p.probabilities ?? p.logits;
  if (!scores || scores.length === 0) {
    throw new RangeError(`predictions[${i}] has neither a predicted class nor probabilities`);
  }
  let best = 0;
  scores.forEach((s, c) => {
    if (s > (scores[best] as number)) best = c;
  });
  return best;
}

function checkedClass(value: number | undefined, k: number, what: string): number {
  if (value === undefined || !Number.isInteger(value) || value < 0 || value >= k) {
    throw new RangeError(`${what} must be a class index below ${k}, got ${value}`);
  }
  return value;
}

/** Counts behind every figure: per class the hits, the examples (support) and the predictions. */
interface Counts {
  hits: number[];
  support: number[];
  predicted: number[];
}

function countsOf(
  labels: readonly number[],
  predicted: readonly number[],
  k: number,
  indices?: number[],
): Counts {
  const c: Counts = {
    hits: new Array(k).fill(0),
    support: new Array(k).fill(0),
    predicted: new Array(k).fill(0),
  };
  const add = (i: number) => {
    const y = labels[i] as number;
    const p = predicted[i] as number;
    c.support[y]! += 1;
    c.predicted[p]! += 1;
    if (y === p) c.hits[y]! += 1;
  };
  if (indices) for (const i of indices) add(i);
  else for (let i = 0; i < labels.length; i++) add(i);
  return c;
}

const f1Of = (hits: number, support: number, predicted: number) =>
  support + predicted === 0 ? NaN : (2 * hits) / (support + predicted);

/**
 * Macro-F1: the mean F1 over the classes that occur (in the labels or the predictions); a class
 * with neither has no F1 to average.
 */
function macroF1Of(c: Counts): number {
  let sum = 0;
  let classes = 0;
  c.hits.forEach((hits, k) => {
    const f1 = f1Of(hits, c.support[k] as number, c.predicted[k] as number);
    if (!Number.isNaN(f1)) {
      sum += f1;
      classes++;
    }
  });
  return classes ? sum / classes : NaN;
}

/** Mean cross-entropy of the true class's probability, over the predictions that carry probabilities. */
function crossEntropy(predictions: readonly OutOfFoldPrediction[], labels: readonly number[]): number {
  let sum = 0;
  let n = 0;
  predictions.forEach((p, i) => {
    if (!p.probabilities) return;
    const q = p.probabilities[labels[i] as number] ?? 0;
    sum -= Math.log(Math.min(1, Math.max(EPSILON, q)));
    n++;
  });
  return n ? sum / n : NaN;
}

/**
 * The stored evaluation from out-of-fold predictions: accuracy with its Wilson interval, the
 * confusion matrix (confusionMatrix[actual][predicted]), per-class precision, recall and F1 with
 * Wilson intervals (recall over the class's support, precision over the times it was predicted),
 * macro-F1 with a stratified bootstrap interval, the loss (mean cross-entropy of the
 * probabilities), method, folds, examples and the warnings a user can act on.
 */
export function classificationEstimate(
  predictions: readonly OutOfFoldPrediction[],
  classes: readonly string[],
  opts: ClassificationEstimateOptions,
): ClassificationEvaluation {
  const k = classes.length;
  const level = opts.level ?? DEFAULT_LEVEL;
  const labels = predictions.map((p, i) => checkedClass(p.label, k, `predictions[${i}].label`));
  const predicted = predictions.map((p, i) =>
    checkedClass(predictedClass(p, i), k, `predictions[${i}].predicted`),
  );
  const n = predictions.length;
  if (n === 0) throw new RangeError('classificationEstimate needs at least one prediction');
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  labels.forEach((y, i) => (confusion[y]![predicted[i] as number]! += 1));
  const counts = countsOf(labels, predicted, k);
  const correct = counts.hits.reduce((a, b) => a + b, 0);
  const perClass = classes.map((label, c) => {
    const hits = counts.hits[c] as number;
    const support = counts.support[c] as number;
    const guessed = counts.predicted[c] as number;
    const precision = guessed ? hits / guessed : 0;
    const recall = support ? hits / support : 0;
    return {
      label,
      precision,
      recall,
      f1: f1Of(hits, support, guessed) || 0,
      support,
      recallInterval: wilsonInterval(hits, support, level),
      precisionInterval: wilsonInterval(hits, guessed, level),
    };
  });
  const macroF1 = macroF1Of(counts);
  const macroF1Interval = stratifiedBootstrap(
    labels,
    (idx) => macroF1Of(countsOf(labels, predicted, k, idx)),
    {
      level,
      seed: opts.seed ?? 0,
      ...(opts.resamples !== undefined && { resamples: opts.resamples }),
    },
  );
  const evaluation: ClassificationEvaluation = {
    task: 'classification',
    loss: crossEntropy(predictions, labels),
    accuracy: correct / n,
    accuracyInterval: wilsonInterval(correct, n, level),
    macroF1,
    macroF1Interval,
    confusionMatrix: confusion,
    perClass,
    method: opts.method,
    folds: opts.folds,
    examples: n,
    ...(opts.trainAccuracy !== undefined && { trainAccuracy: opts.trainAccuracy }),
    warnings: [],
  };
  evaluation.warnings = evaluationWarnings(evaluation, {});
  return evaluation;
}
