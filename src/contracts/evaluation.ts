/**
 * Honest evaluation on small data: the shapes shared by the trainer (which produces out-of-fold
 * predictions), the statistics in src/evaluation/ (pure functions over them), the model registry
 * (which stores them) and the HTTP API (which shows them). No logic here.
 *
 * Out-of-fold predictions are the one currency: evaluation, calibration, the "unknown"
 * threshold, dataset audits, the advisor's paired comparisons and model comparisons all read
 * them.
 */

/** How a job estimated its figures. */
export type EvaluationMethod = 'cross-validation' | 'holdout' | 'test-split' | 'train';

/** A two-sided interval around a figure, at `level` (0.95 by default). */
export interface Interval {
  low: number;
  high: number;
  level: number;
  /** 'wilson' for proportions, 'bootstrap' (stratified percentile bootstrap) otherwise. */
  method: 'wilson' | 'bootstrap';
}

/**
 * One example's prediction by a model that never trained on it: a fold's model for
 * cross-validation, the final model for a holdout or test split.
 */
export interface OutOfFoldPrediction {
  /** The example's key in its dataset (file path in the archive, `line 3`, row number). */
  exampleId: string;
  /** Fold index (0-based); 0 for holdout and test-split evaluations. */
  fold: number;
  /** Classification: the true class index. Regression: absent. */
  label?: number;
  /** Classification: the predicted class index (argmax of probabilities). */
  predicted?: number;
  /** Classification: softmax probabilities in class order. */
  probabilities?: number[];
  /** Classification: pre-softmax logits in class order, when the model has them (calibration). */
  logits?: number[];
  /**
   * Classification: how unlike the examples its model trained on this example is (the novelty
   * score served with predictions), when the model keeps a novelty reference.
   */
  novelty?: number;
  /** Regression: the true and the predicted value. */
  target?: number;
  value?: number;
}

/** `models/<id>/oof.json`: every out-of-fold prediction, in dataset order. */
export interface OutOfFoldFile {
  method: EvaluationMethod;
  folds: number;
  classes: string[];
  task: 'classification' | 'regression';
  predictions: OutOfFoldPrediction[];
}

/** One point of a learning curve: cross-validated accuracy at a share of the examples per class. */
export interface LearningCurvePoint {
  /** Mean examples per class that the fold models trained on at this point. */
  examplesPerClass: number;
  /** Share of each class's examples used (0.25, 0.5, 0.75, 1). */
  fraction: number;
  accuracy: number;
  low: number;
  high: number;
  /** Out-of-fold predictions this point rests on. */
  examples: number;
}

/** What more data would bring, from a curve fitted to the learning curve. */
export interface Forecast {
  /**
   * 'rising': more data is expected to help; 'flat': unlikely to help; 'unknown': too few points
   * (no accuracy then), or the points too noisy to tell either (accuracy and interval still given).
   */
  trend: 'rising' | 'flat' | 'unknown';
  /** Examples per class the forecast is for (twice today's by default). */
  examplesPerClass: number;
  accuracy?: number;
  low?: number;
  high?: number;
  /** Plain words: "about 0.78 (0.70 to 0.85) at twice the data", or why it is flat. */
  message: string;
  /** The fitted curve, e.g. 'power-law: acc = a - b * n^-c'. */
  model?: string;
}

/** A warning a user can act on, attached to an evaluation. */
export interface EvaluationWarning {
  code:
    | 'wide-interval'
    | 'class-recall-may-be-zero'
    | 'small-validation-set'
    | 'overfitting'
    | 'cross-validation-skipped'
    | 'learning-curve-skipped'
    | 'few-examples-per-fold'
    | 'warm-start';
  message: string;
}

/** Fields that honest evaluation adds to the stored ClassificationEvaluation / RegressionEvaluation. */
export interface EvaluationEstimate {
  method: EvaluationMethod;
  /** Folds of the cross-validation (1 for holdout, test split and train). */
  folds: number;
  /** Number of predictions the figures rest on. */
  examples: number;
  warnings: EvaluationWarning[];
}

export interface ClassificationIntervals {
  accuracyInterval: Interval;
  macroF1: number;
  macroF1Interval: Interval;
  /** Accuracy of the returned model on the examples it trained on (for the overfitting warning). */
  trainAccuracy?: number;
  learningCurve?: LearningCurvePoint[];
  forecast?: Forecast;
}

export interface PerClassIntervals {
  recallInterval: Interval;
  precisionInterval: Interval;
}

export interface RegressionIntervals {
  maeInterval: Interval;
  rmseInterval: Interval;
}

/** One bin of a reliability diagram: predictions whose top score fell in [low, high). */
export interface ReliabilityBin {
  low: number;
  high: number;
  /** Predictions in the bin. */
  count: number;
  /** Mean top score of those predictions. */
  confidence: number;
  /** Share of them that were right. */
  accuracy: number;
}

/**
 * Temperature scaling fitted on the out-of-fold predictions: served scores are
 * softmax(log p / temperature). `ece` is measured with the temperature fitted on the other folds
 * (cross-fitted), so it is not flattered by fitting and measuring on the same predictions.
 */
export interface Calibration {
  method: 'temperature';
  temperature: number;
  /** Expected calibration error of the calibrated scores (equal-width bins of the top score). */
  ece: number;
  eceInterval: Interval;
  /**
   * The ECE a perfectly calibrated model would show on these confidences and this many
   * examples (ECE's estimate is biased upwards on few): an `ece` near it is as calibrated as
   * this many examples can tell. Absent on models trained before it was measured.
   */
  eceFloor?: number;
  /** The same for the raw softmax scores. */
  eceUncalibrated: number;
  eceUncalibratedInterval: Interval;
  /** Reliability diagram of the calibrated scores, and of the raw ones. */
  bins: ReliabilityBin[];
  binsUncalibrated: ReliabilityBin[];
  /** Predictions the figures rest on. */
  examples: number;
}

/**
 * The "unknown" rule: a prediction is unknown when its novelty exceeds `threshold`, the novelty
 * below which `acceptRate` of the out-of-fold examples fell. Novelty is the distance from the
 * example's features (the input of the output layer, L2-normalised) to its k-th nearest
 * neighbour among a capped, class-stratified sample of the training examples' features
 * (Sun et al. 2022).
 */
export interface UnknownRule {
  method: 'knn';
  k: number;
  threshold: number;
  acceptRate: number;
  /** Out-of-fold examples the threshold rests on. */
  examples: number;
  /** Share of those examples accepted at `threshold`, with its Wilson interval. */
  accepted: number;
  acceptedInterval: Interval;
  /** Quantiles 0, 0.01 ... 1 of the out-of-fold novelty: a request's `acceptRate` reads them. */
  quantiles: number[];
  /** The reference stored beside the model (float32, row-major, L2-normalised rows). */
  reference: { file: string; count: number; dims: number; layer: string };
}
